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


def active_shop_or_403(owner: User) -> Shop:
    """The merchant's shop, open for business: a suspended shop cannot publish."""
    shop = own_shop_or_403(owner)
    if shop.status is not ShopStatus.ACTIVE:
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


def licence_masked(shop: Shop) -> str:
    """The licence code of the approved application, masked like ID numbers: 9111**********341L."""
    from webapp.models import MerchantApplication

    uscc = db.session.scalar(select(MerchantApplication.uscc).where(
        MerchantApplication.id == shop.application_id)) if shop.application_id else None
    return f"{uscc[:4]}{'*' * 10}{uscc[-4:]}" if uscc and len(uscc) == 18 else ""


def published_products(shop: Shop) -> list[Product]:
    return list(db.session.scalars(select(Product).where(
        Product.shop_id == shop.id, Product.published.is_(True)).order_by(Product.id)))


RESERVED_HANDLES = {"admin", "api", "static", "new", "edit", "settings", "www", "shop", "s"}


def handle_problem(handle: str, owner: User | None = None) -> str | None:
    """Why `handle` cannot be a shop address (or None if it can)."""
    if not HANDLE.match(handle) or len(handle) < 3 or "--" in handle:
        return "店铺网址只能用小写字母、数字和连字符，3 到 40 位，不能以连字符开头或结尾"
    if handle in RESERVED_HANDLES:
        return "该网址为系统保留，请换一个"
    taken = db.session.scalar(select(Shop.owner_id).where(Shop.handle == handle))
    if taken is not None and (owner is None or taken != owner.id):
        return "该店铺网址已被使用，请换一个"
    return None


def handle_is_free(handle: str) -> bool:
    return handle_problem(handle) is None


def new_handle(name: str) -> str:
    """A free handle: the ASCII part of the shop name, or 'shop-' and six random characters."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30]
    candidates = [base] if base and handle_is_free(base) else []
    candidates += [f"shop-{secrets.token_hex(3)}" for _ in range(5)]
    for handle in candidates:
        if db.session.scalar(select(Shop.id).where(Shop.handle == handle)) is None:
            return handle
    raise RuntimeError("no free shop handle")
