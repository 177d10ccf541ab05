"""Shops: lookups scoped to their owner, and handles."""
from __future__ import annotations

import re
import secrets

from flask import abort
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Product, Shop, ShopStatus, User

HANDLE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])?$")


def shop_of(owner: User) -> Shop | None:
    return db.session.scalar(select(Shop).where(Shop.owner_id == owner.id))


def own_shop_or_403(owner: User) -> Shop:
    """The merchant's shop; a merchant without an approved shop cannot use shop pages yet."""
    shop = shop_of(owner)
    if shop is None:
        abort(403)
    return shop


def by_handle(handle: str) -> Shop:
    shop = db.session.scalar(select(Shop).where(Shop.handle == handle.lower(),
                                                Shop.status == ShopStatus.ACTIVE))
    if shop is None:
        abort(404)
    return shop


def active_shops() -> list[Shop]:
    return list(db.session.scalars(select(Shop).where(Shop.status == ShopStatus.ACTIVE)
                                   .order_by(Shop.verified_at.desc())))


def published_products(shop: Shop) -> list[Product]:
    return list(db.session.scalars(select(Product).where(
        Product.shop_id == shop.id, Product.published.is_(True)).order_by(Product.id)))


def new_handle(name: str) -> str:
    """A free handle: the ASCII part of the shop name, or 'shop-' and six random characters."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    candidates = [base] if HANDLE.match(base or "") else []
    candidates += [f"shop-{secrets.token_hex(3)}" for _ in range(5)]
    for handle in candidates:
        if db.session.scalar(select(Shop.id).where(Shop.handle == handle)) is None:
            return handle
    raise RuntimeError("no free shop handle")
