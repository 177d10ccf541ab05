"""The product manager's list: a page of the shop's products, newest first, narrowed by a search
and filters that live in the URL's query, with exact counts that stay cheap as the shop grows.

    ?q=苹果        the title contains it (any case; one character is enough, Chinese too)
    ?category=…    one of the categories (webapp/catalog/categories.py)
    ?status=on     on sale; `off`: taken off sale
    ?stock=low     at or under the product's low-stock level, sold out included; `out`: sold out
    ?after=…       the cursor of the next page (webapp/paging.py)

Filters combine. An empty value is no filter (the plain form sends every field); an unknown value
is a 400 that says which, never an empty list passed off as a result. Each request costs three
statements whatever the shop holds: the page (an index on (shop_id, id) or (shop_id, category,
id)), the shop's grouped counts (one row per category: the header's total, low and sold-out
figures and the category choices), and, only while a filter is on, one COUNT with the same
filters.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import undefer
from werkzeug.datastructures import MultiDict

from webapp import paging
from webapp.catalog.categories import CATEGORIES
from webapp.extensions import db
from webapp.models import Product, Shop
from webapp.search.services import ESCAPE, clean, like_pattern

PAGE_SIZE = 30
MAX_QUERY = 80  # a title's own limit (ProductForm.title)
KEYS = (paging.Key(Product.id, descending=True),)
STATUSES = {"on": Product.published.is_(True), "off": Product.published.is_(False)}
# Low: a live variant at or under its own level, sold out included (Product.any_low).
STOCK = {"low": Product.any_low, "out": Product.stock == 0}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    category: str = ""
    status: str = ""
    stock: str = ""

    @property
    def active(self) -> bool:
        return any(asdict(self).values())

    def args(self) -> dict:
        """The query-string arguments that say these filters (empty ones left out)."""
        return {name: value for name, value in asdict(self).items() if value}


def _choice(args: MultiDict, name: str, allowed) -> str:
    value = args.get(name, "").strip()
    if value and value not in allowed:
        abort(400, description=_("未知的筛选条件：%(name)s=%(value)s。请从页面上的选项中选择。",
                                 name=name, value=value[:40]))
    return value


def filters_from(args: MultiDict) -> Filters:
    """The filters a request asks for; a 400 with a message for a value the page never offers."""
    q = clean(args.get("q", ""))
    if len(q) > MAX_QUERY:
        abort(400, description=_("搜索词太长了，请精简到 %(n)s 个字以内。", n=MAX_QUERY))
    return Filters(q=q, category=_choice(args, "category", CATEGORIES),
                   status=_choice(args, "status", STATUSES), stock=_choice(args, "stock", STOCK))


def _conditions(shop: Shop, filters: Filters) -> list:
    where = [Product.shop_id == shop.id]
    if filters.q:
        where.append(Product.title.ilike(like_pattern(filters.q), escape=ESCAPE))
    if filters.category:
        where.append(Product.category == filters.category)
    if filters.status:
        where.append(STATUSES[filters.status])
    if filters.stock:
        where.append(STOCK[filters.stock])
    return where


def page(shop: Shop, filters: Filters, after: tuple | None) -> paging.Page:
    """A page of the shop's products that pass `filters`, newest first, after the cursor."""
    return paging.keyset(select(Product).options(undefer(Product.any_low))
                         .where(*_conditions(shop, filters)), KEYS, after, PAGE_SIZE)


@dataclass
class Summary:
    """The shop's products counted: all, by category, low on stock, sold out; and how many pass
    the filters (`found`)."""
    total: int = 0
    low: int = 0
    sold_out: int = 0
    by_category: dict = field(default_factory=dict)
    found: int = 0


def summary(shop: Shop, filters: Filters) -> Summary:
    """One grouped statement over the shop's products (a row per category), and one COUNT with
    the filters while any is on."""
    sold_out = Product.stock == 0
    low = and_(Product.stock > 0, Product.any_low)
    rows = db.session.execute(
        select(Product.category, func.count(),
               func.coalesce(func.sum(case((low, 1), else_=0)), 0),
               func.coalesce(func.sum(case((sold_out, 1), else_=0)), 0))
        .where(Product.shop_id == shop.id).group_by(Product.category))
    result = Summary()
    for category, count, low_count, out_count in rows:
        result.by_category[category] = count
        result.total += count
        result.low += int(low_count)
        result.sold_out += int(out_count)
    result.found = result.total
    if filters.active:
        result.found = db.session.scalar(
            select(func.count()).select_from(Product).where(*_conditions(shop, filters)))
    return result


def category_choices(found: Summary, filters: Filters) -> list[tuple[str, str, int]]:
    """(key, label, count) for the categories the shop has products in, in the usual order; the
    chosen one is kept even while the shop has none of it."""
    return [(key, str(label), found.by_category.get(key, 0)) for key, label in CATEGORIES.items()
            if key in found.by_category or key == filters.category]
