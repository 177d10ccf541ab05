"""Shops: lookups scoped to their owner, and handles."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql import Select

from webapp.cart.services import not_on_sale
from webapp.catalog.categories import CATEGORIES
from webapp.extensions import db
from webapp.licences.services import product_sellable, sellable
from webapp.models import Address, MerchantApplication, Product, Role, Shop, ShopStatus, User
from webapp.regions.names import display_name
from webapp.regions.services import PLACEHOLDERS, name_of

NEW_PRODUCTS = 12

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
    uscc = db.session.scalar(select(MerchantApplication.uscc).where(
        MerchantApplication.id == shop.application_id)) if shop.application_id else None
    return f"{uscc[:4]}{'*' * 10}{uscc[-4:]}" if uscc and len(uscc) == 18 else ""


def category_counts_query(shop: Shop) -> Select:
    """(category, products on sale in it) of `shop`: one grouped COUNT on ix_product_shelf_category."""
    return select(Product.category, func.count()).where(
        Product.shop_id == shop.id, Product.published.is_(True), sellable()) \
        .group_by(Product.category) \
        .order_by(Product.category)


def category_counts(shop: Shop) -> tuple[tuple[str, int], ...]:
    """The shop's products on sale per category, by category key."""
    return tuple((key, count) for key, count in db.session.execute(category_counts_query(shop)))


def categories_from_counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(key, label, count) of the categories with products on sale, in CATEGORIES order, from
    {category: products on sale in it} (category_counts)."""
    found = [(key, label, counts[key]) for key, label in CATEGORIES.items() if key in counts]
    # A key no longer in CATEGORIES (renamed since) still counts, under "other".
    stray = sum(n for key, n in counts.items() if key not in CATEGORIES)
    if stray:
        found = [(k, label, n) for k, label, n in found if k != "other"]
        found.append(("other", CATEGORIES["other"], stray + counts.get("other", 0)))
    return found


def public_product(product_id: int, viewer: User | None = None) -> Product:
    """A product as its page shows it: on sale in an active shop, or any of the viewer's own."""
    product = db.session.scalar(select(Product).join(Product.shop).options(
        contains_eager(Product.shop)).where(Product.id == product_id))
    if product is not None and viewer is not None and viewer.is_authenticated \
            and product.shop.owner_id == viewer.id:
        return product  # its merchant previews it, on sale or not
    if product is None or product.shop.status is not ShopStatus.ACTIVE or not product.published \
            or not product_sellable(product):
        raise not_on_sale()  # the same answer for all three: nothing tells them apart
    return product


def new_products_query(limit: int) -> Select:
    """The newest products on sale in active shops: walks ix_product_new from its newest end."""
    return select(Product).join(Product.shop).options(contains_eager(Product.shop)) \
        .where(Product.published.is_(True), Shop.status == ShopStatus.ACTIVE, sellable()) \
        .order_by(Product.created_at.desc(), Product.id.desc()).limit(limit)


def new_products(limit: int = NEW_PRODUCTS) -> list[Product]:
    """The newest products on sale in active shops, each with its shop loaded."""
    return list(db.session.scalars(new_products_query(limit)))


def home_district(user: User | None) -> str | None:
    """The district of a signed-in buyer's default address (else their newest one)."""
    if user is None or not user.is_authenticated or user.role is not Role.BUYER:
        return None
    return db.session.scalar(
        select(Address.district_code).where(Address.user_id == user.id)
        .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())
        .limit(1))


@dataclass
class Nearby:
    """Shops near a district: in it, or failing that in its city (`scope` says which)."""

    district: str
    district_name: str
    city_name: str
    scope: str  # "district", "city" or "none"
    shops: list[Shop] = field(default_factory=list)


def nearby_shops(district: str) -> Nearby:
    """Active shops in `district`; if there are none, the active shops of its city."""
    city = district[:4]
    found = Nearby(district=district, district_name=display_name(district),
                   city_name=_city_name(district), scope="none")
    active = select(Shop).where(Shop.status == ShopStatus.ACTIVE).order_by(
        Shop.verified_at.desc(), Shop.id.desc())
    found.shops = list(db.session.scalars(active.where(Shop.district_code == district)))
    if found.shops:
        found.scope = "district"
        return found
    found.shops = list(db.session.scalars(active.where(
        func.substr(Shop.district_code, 1, 4) == city, func.length(Shop.district_code) == 6)))
    if found.shops:
        found.scope = "city"
    return found


def _city_name(district: str) -> str:
    """"北京市" rather than "市辖区" for the districts of a municipality, in the page's language."""
    if name_of(district[:4]) in PLACEHOLDERS:
        return display_name(district[:2])
    return display_name(district[:4])


def valid_district(code: object) -> str | None:
    """`code` if it is a known six-digit district code, else None."""
    if isinstance(code, str) and len(code) == 6 and code.isdigit() and name_of(code):
        return code
    return None


RESERVED_HANDLES = {"admin", "api", "static", "new", "edit", "settings", "www", "shop", "s"}


def handle_problem(handle: str, owner: User | None = None) -> str | None:
    """Why `handle` cannot be a shop address (or None if it can)."""
    if not HANDLE.match(handle) or len(handle) < 3 or "--" in handle:
        return _("店铺网址只能用小写字母、数字和连字符，3 到 40 位，不能以连字符开头或结尾")
    if handle in RESERVED_HANDLES:
        return _("该网址为系统保留，请换一个")
    taken = db.session.scalar(select(Shop.owner_id).where(Shop.handle == handle))
    if taken is not None and (owner is None or taken != owner.id):
        return _("该店铺网址已被使用，请换一个")
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
