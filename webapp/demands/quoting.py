"""The merchant's side: the live feed of open demands in the shop's district, and the shop's own
quote on a demand (submit, update, withdraw) until the buyer decides.

Quotes are sealed: a merchant only ever loads its own shop's (see `access`). A change to a quote
first holds the demand open with a conditional UPDATE, so an accept or a close cannot slip
between the check and the commit; the buyer's page hears of every change after the commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp import paging
from webapp.cas import compare_and_set
from webapp.demands.access import demand_for_merchant, quote_for_merchant, quoting_shop, valid_id
from webapp.demands.expiry import expire_overdue
from webapp.demands.rules import MAX_QUANTITY, OPEN_DEMAND_MESSAGES, Rejected
from webapp.extensions import db
from webapp.licences import services as licences
from webapp.models import Demand, DemandStatus, Product, Quote, QuoteStatus, Shop, User, utcnow
from webapp.paging import Key
from webapp.realtime import demand_room, emit_after_commit, user_room
from webapp.web import Conflict, ServiceError

MAX_DELIVERY_AHEAD = timedelta(days=60)
# A few minutes of slack for a form filled in with "now" as the earliest delivery.
CLOCK_SLACK = timedelta(minutes=5)
# The feed and the shop's quotes are read a page at a time (webapp/paging.py): the feed newest
# first, the quotes the latest changed first (a decision brings a quote to the top).
FEED_PAGE = 12
QUOTES_PAGE = 10
FEED_KEY = (Key(Demand.id, descending=True),)
QUOTES_KEY = (Key(Quote.updated_at, descending=True), Key(Quote.id, descending=True))


def shop_categories(shop: Shop) -> list[str]:
    """List the categories the shop sells (has products on sale in); all it may sell if none
    yet. A regulated category only while the shop holds a valid licence for it."""
    allowed = licences.allowed_categories(shop.id)
    found = set(db.session.scalars(select(Product.category).where(
        Product.shop_id == shop.id, Product.published.is_(True)).distinct()))
    return [key for key in allowed if key in found] or allowed


def watched_rooms(shop: Shop, everything: bool = False) -> list[str]:
    """Name the rooms where the shop hears of new demands (every category with `everything`)."""
    categories = licences.allowed_categories(shop.id) if everything else shop_categories(shop)
    return [demand_room(shop.district_code, category) for category in categories]


@dataclass(frozen=True)
class Feed:
    """One page of the open demands in the shop's district, with the shop's own live quotes on
    them and how many demands the feed holds in all."""

    shop: Shop
    categories: list[str]  # the categories it shows
    page: paging.Page
    mine: dict[int, Quote]  # demand id: the shop's live quote on it
    count: int


def feed_shop(merchant: User) -> Shop:
    """Return the merchant's quoting shop, once what is overdue in its district has expired."""
    shop = quoting_shop(merchant)
    expire_overdue(shop=shop)
    return shop


def _open_in(shop: Shop) -> tuple:
    """The open demands of the shop's district. No needed-by condition: `feed_shop` has just
    expired the overdue ones, and a range on it would lead SQLite to sort every open demand
    rather than walk ix_demand_feed_page in order."""
    return Demand.district_code == shop.district_code, Demand.status == DemandStatus.OPEN


def feed(shop: Shop, everything: bool = False, after: tuple | None = None) -> Feed:
    """Read a page of the open demands in the shop's district after the cursor `after`.

    Newest first, in the shop's categories unless `everything`; never another shop's quote. The
    count is one COUNT over the district's open demands in those categories, read from
    ix_demand_feed_count (no row read, no sort).
    """
    categories = licences.allowed_categories(shop.id) if everything else shop_categories(shop)
    where = [*_open_in(shop), Demand.category.in_(categories)]
    page = paging.keyset(select(Demand).where(*where), FEED_KEY, after, FEED_PAGE)
    mine = {q.demand_id: q for q in db.session.scalars(select(Quote).where(
        Quote.shop_id == shop.id, Quote.status == QuoteStatus.LIVE,
        Quote.demand_id.in_([d.id for d in page.items])))} if page.items else {}
    count = db.session.scalar(select(func.count()).select_from(Demand).where(*where))
    return Feed(shop, categories, page, mine, count)


def quotes_page(shop: Shop, after: tuple | None = None) -> paging.Page:
    """Read a page of the shop's quotes with their demands, the latest changed first."""
    query = select(Quote).options(joinedload(Quote.demand)).where(Quote.shop_id == shop.id)
    return paging.keyset(query, QUOTES_KEY, after, QUOTES_PAGE)


def latest_quote(shop: Shop, demand: Demand) -> Quote | None:
    """Return the shop's own latest quote on `demand` (sealed: never another shop's)."""
    return db.session.scalar(select(Quote).where(
        Quote.shop_id == shop.id, Quote.demand_id == demand.id).order_by(Quote.id.desc()).limit(1))


def products_for_quote(shop: Shop) -> list[Product]:
    """List the shop's products on sale, to quote with."""
    return list(db.session.scalars(select(Product).where(
        Product.shop_id == shop.id, Product.published.is_(True), licences.sellable())
        .order_by(Product.title)))


def _variant_of(product: Product, variant_id: int | None) -> int:
    """The variant quoted: the one named (live, of this product), else the product's only one."""
    live = [v.id for v in product.variants]
    if variant_id is None and len(live) == 1:
        return live[0]
    if variant_id is None:
        raise Rejected(_("请选择商品的规格"), "product_id")
    if variant_id not in live:
        raise Rejected(_("只能用本店的商品报价"), "product_id")
    return variant_id


@dataclass(frozen=True)
class QuoteInput:
    product_id: int | None
    title: str
    unit_price_fen: int
    quantity: int
    delivery_fee_fen: int
    earliest_delivery: datetime  # naive UTC
    valid_until: datetime  # naive UTC
    note: str = ""
    variant_id: int | None = None  # of the product; None: its only variant


def _checked(shop: Shop, demand: Demand, data: QuoteInput) -> dict:
    """Return the quote's columns once every rule holds; a Rejected names the field that broke one."""
    now = utcnow()
    if not isinstance(data.unit_price_fen, int) or data.unit_price_fen <= 0:
        raise Rejected(_("单价需大于 0"), "unit_price")
    if not isinstance(data.quantity, int) or not 1 <= data.quantity <= MAX_QUANTITY:
        raise Rejected(_("数量需为 1 到 %(max)s", max=MAX_QUANTITY), "quantity")
    if not isinstance(data.delivery_fee_fen, int) or data.delivery_fee_fen < 0:
        raise Rejected(_("配送费不能为负数，包邮请填 0"), "delivery_fee")
    if data.valid_until <= now:
        raise Rejected(_("有效期需晚于现在"), "valid_until")
    if data.valid_until > demand.needed_by:
        raise Rejected(_("有效期不能晚于买家的需要时间"), "valid_until")
    if data.earliest_delivery < now - CLOCK_SLACK:
        raise Rejected(_("最早送达时间不能早于现在"), "earliest_delivery")
    if data.earliest_delivery > now + MAX_DELIVERY_AHEAD:
        raise Rejected(_("最早送达时间最多可设在 60 天之内"), "earliest_delivery")
    if data.product_id is not None:
        product = db.session.scalar(select(Product).where(
            Product.id == data.product_id, Product.shop_id == shop.id)) \
            if valid_id(data.product_id) else None
        if product is None:
            raise Rejected(_("只能用本店的商品报价"), "product_id")
        title = product.title
        variant_id = _variant_of(product, data.variant_id)
    else:
        variant_id = None
        title = (data.title or "").strip()
        if not title:
            raise Rejected(_("请选择本店商品，或填写报价的商品名称"), "item_title")
    return {"product_id": data.product_id, "variant_id": variant_id, "title": title[:80],
            "unit_price_fen": data.unit_price_fen, "quantity": data.quantity,
            "delivery_fee_fen": data.delivery_fee_fen,
            "earliest_delivery": data.earliest_delivery.replace(second=0, microsecond=0),
            "valid_until": data.valid_until.replace(second=0, microsecond=0),
            "note": (data.note or "").strip()[:200]}


def _no_longer_open(demand: Demand) -> Conflict:
    """Reload a demand that ended under the merchant and say why (called after the rollback)."""
    db.session.refresh(demand)
    return Conflict(_(OPEN_DEMAND_MESSAGES.get(demand.status, OPEN_DEMAND_MESSAGES[
        DemandStatus.EXPIRED])) + _("不能再报价或修改报价。"))


def _hold_open(demand: Demand, now: datetime) -> None:
    """Hold the demand row while it is still open, or roll back and say why not.

    PostgreSQL locks the row, SQLite the whole database, so an accept or close cannot slip
    between this check and the commit.
    """
    compare_and_set(Demand, Demand.id == demand.id, Demand.status == DemandStatus.OPEN,
                    Demand.needed_by > now, conflict=lambda: _no_longer_open(demand),
                    updated_at=now)


def submit_quote(merchant: User, demand_id: int, data: QuoteInput) -> Quote:
    """Answer a demand with the shop's quote; the buyer's page shows it at once."""
    demand, shop = demand_for_merchant(merchant, demand_id)
    if demand.buyer_id == merchant.id:
        raise ServiceError(_("不能对自己的需求报价。"), 403)
    if demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[demand.status]) + _("不能再报价。"))
    licences.require(shop.id, demand.category)
    values = _checked(shop, demand, data)
    if db.session.scalar(select(Quote.id).where(
            Quote.shop_id == shop.id, Quote.demand_id == demand.id,
            Quote.status == QuoteStatus.LIVE)) is not None:
        raise Conflict(_("本店已对该需求报价：可以修改或撤回后重新报价。"))
    now = utcnow()
    _hold_open(demand, now)
    quote = Quote(demand_id=demand.id, shop_id=shop.id, status=QuoteStatus.LIVE, **values)
    db.session.add(quote)
    try:
        db.session.flush()
    except IntegrityError:
        # Another tab of the same shop got its quote in first (the partial unique index).
        db.session.rollback()
        raise Conflict(_("本店已对该需求报价：可以修改或撤回后重新报价。")) from None
    emit_after_commit(db.session, "quote:submitted", {"id": quote.id, "demand_id": demand.id},
                      user_room(demand.buyer_id))
    db.session.commit()
    return quote


def _live_or_conflict(quote: Quote, doing: str) -> None:
    """Refuse a change to a quote that is no longer live or whose demand has ended.

    `doing` is "update" or "withdraw": what the merchant tried.
    """
    if quote.status is not QuoteStatus.LIVE:
        raise Conflict(_("该报价%(status)s，不能修改。", status=quote.label) if doing == "update"
                       else _("该报价%(status)s，不能撤回。", status=quote.label))
    if quote.demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[quote.demand.status])
                       + (_("不能修改报价。") if doing == "update" else _("不能撤回报价。")))


def update_quote(merchant: User, quote_id: int, data: QuoteInput) -> Quote:
    """Change the shop's live quote until the buyer decides."""
    quote, shop = quote_for_merchant(merchant, quote_id)
    _live_or_conflict(quote, "update")
    licences.require(shop.id, quote.demand.category)
    values = _checked(shop, quote.demand, data)
    now = utcnow()
    _hold_open(quote.demand, now)
    compare_and_set(Quote, Quote.id == quote.id, Quote.status == QuoteStatus.LIVE,
                    conflict=_("该报价刚刚已有变化，请刷新后再试。"), **values, updated_at=now)
    emit_after_commit(db.session, "quote:updated",
                      {"id": quote.id, "demand_id": quote.demand_id, "status": "live"},
                      user_room(quote.demand.buyer_id))
    db.session.commit()
    db.session.refresh(quote)
    return quote


def withdraw_quote(merchant: User, quote_id: int) -> Quote:
    """Take the shop's live quote back before the buyer decides."""
    quote, _shop = quote_for_merchant(merchant, quote_id)
    _live_or_conflict(quote, "withdraw")
    now = utcnow()
    compare_and_set(Quote, Quote.id == quote.id, Quote.status == QuoteStatus.LIVE,
                    conflict=_("该报价刚刚已有变化（可能买家已作出选择），请刷新。"),
                    status=QuoteStatus.WITHDRAWN, decided_at=now, updated_at=now)
    emit_after_commit(db.session, "quote:withdrawn",
                      {"id": quote.id, "demand_id": quote.demand_id, "status": "withdrawn"},
                      user_room(quote.demand.buyer_id))
    db.session.commit()
    db.session.refresh(quote)
    return quote
