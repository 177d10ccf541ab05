"""Buyers' demands and merchants' quotes: one function per action.

Every change that depends on a status is one conditional UPDATE (`... WHERE status = 'open'`),
so two taps, two tabs or two people at the same moment cannot both win; events go out only
after the commit. Quotes are sealed: a merchant only ever loads its own shop's quotes.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp.catalog.categories import CATEGORIES
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import (
    Demand, DemandStatus, Order, Product, Quote, QuoteStatus, Role, Shop, ShopStatus, Status,
    User, utcnow,
)
from webapp.orders import services as orders
from webapp.realtime import demand_room, emit_after_commit, shop_room, user_room
from webapp.regions import services as regions
from webapp.uploads import CleanImage, discard, store
from webapp.web import MAX_ID, Conflict, ServiceError

MAX_QUANTITY = 9999
MIN_LEAD = timedelta(minutes=30)  # a demand needed sooner leaves merchants no time to answer
MAX_AHEAD = timedelta(days=30)
MAX_DELIVERY_AHEAD = timedelta(days=60)
# A few minutes of slack for a form filled in with "now" as the earliest delivery.
CLOCK_SLACK = timedelta(minutes=5)
FEED_SIZE = 50
PHOTO_FOLDER = "demands"
PHOTO_MAX_SIDE = 1600

OPEN_DEMAND_MESSAGES = {
    DemandStatus.ACCEPTED: N_("该需求已成交，不能再报价或接受其他报价。"),
    DemandStatus.CLOSED: N_("买家已关闭该需求。"),
    DemandStatus.EXPIRED: N_("该需求已过期（超过买家的需要时间）。"),
}
NOT_LIVE_MESSAGES = {
    QuoteStatus.WITHDRAWN: N_("商家已撤回该报价，不能接受。"),
    QuoteStatus.DECLINED: N_("你已婉拒该报价，不能再接受。"),
    QuoteStatus.EXPIRED: N_("该报价已过有效期，不能接受。"),
    QuoteStatus.NOT_CHOSEN: N_("该需求已选定其他报价。"),
    QuoteStatus.ACCEPTED: N_("该报价已被接受。"),
}


class Rejected(ServiceError):
    """A rule said no to one field of a form; the view shows it beside that field."""

    status = 422

    def __init__(self, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message, status)
        self.field = field


# ---- expiry ----------------------------------------------------------------------------------

def expire_overdue(*, demand_id: int | None = None, buyer_id: int | None = None,
                   shop: Shop | None = None) -> int:
    """Expire open demands past their needed-by time and live quotes past their valid-until
    (or on an expired demand), within the given scope; return how many rows changed.

    Run before every read that shows or acts on them, and by `flask demands expire` from cron.
    It reads first and writes only when something is overdue, so a plain page view never takes
    SQLite's write lock.
    """
    now = utcnow()
    demands = select(Demand.id, Demand.district_code, Demand.category).where(
        Demand.status == DemandStatus.OPEN, Demand.needed_by <= now)
    quotes = select(Quote.id, Quote.shop_id, Quote.demand_id).join(Demand).where(
        Quote.status == QuoteStatus.LIVE,
        or_(Quote.valid_until <= now, Demand.needed_by <= now,
            Demand.status == DemandStatus.EXPIRED))
    if demand_id is not None:
        demands = demands.where(Demand.id == demand_id)
        quotes = quotes.where(Quote.demand_id == demand_id)
    if buyer_id is not None:
        demands = demands.where(Demand.buyer_id == buyer_id)
        quotes = quotes.where(Demand.buyer_id == buyer_id)
    if shop is not None:
        demands = demands.where(Demand.district_code == shop.district_code)
        quotes = quotes.where(or_(Quote.shop_id == shop.id,
                                  Demand.district_code == shop.district_code))
    overdue = db.session.execute(demands).all()
    stale = db.session.execute(quotes).all()
    if not overdue and not stale:
        return 0
    changed = 0
    if overdue:
        changed += db.session.execute(
            update(Demand).where(Demand.id.in_([d.id for d in overdue]),
                                 Demand.status == DemandStatus.OPEN, Demand.needed_by <= now)
            .values(status=DemandStatus.EXPIRED, updated_at=now)
            .execution_options(synchronize_session=False)).rowcount
        for d in overdue:
            emit_after_commit(db.session, "demand:updated", {"id": d.id, "status": "expired"},
                              demand_room(d.district_code, d.category))
    if stale:
        changed += db.session.execute(
            update(Quote).where(Quote.id.in_([q.id for q in stale]),
                                Quote.status == QuoteStatus.LIVE)
            .values(status=QuoteStatus.EXPIRED, decided_at=now)
            .execution_options(synchronize_session=False)).rowcount
        for q in stale:
            emit_after_commit(db.session, "quote:decided",
                              {"id": q.id, "demand_id": q.demand_id, "status": "expired"},
                              shop_room(q.shop_id))
    db.session.commit()
    return changed


# ---- who may see what --------------------------------------------------------------------------

def quoting_shop(merchant: User) -> Shop:
    """The merchant's shop if it may quote: approved (it exists) and open for business."""
    if merchant.role is not Role.MERCHANT:
        raise ServiceError(_("只有通过实名认证的商家可以报价。"), 403)
    shop = db.session.scalar(select(Shop).where(Shop.owner_id == merchant.id))
    if shop is None:
        raise ServiceError(_("实名认证通过、店铺开通后才能查看需求和报价。"), 403)
    if shop.status is not ShopStatus.ACTIVE:
        raise ServiceError(_("店铺已暂停营业，暂时不能报价。"), 403)
    if not shop.district_code:
        raise ServiceError(_("店铺还没有所在区县，请先在店铺设置中补充地址。"), 403)
    return shop


def _valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def demand_for_buyer(buyer: User, demand_id: int) -> Demand:
    """The buyer's own demand; anyone else's is a 404 (not a 403 that says it exists)."""
    expire_overdue(demand_id=demand_id, buyer_id=buyer.id)
    demand = db.session.scalar(select(Demand).where(
        Demand.id == demand_id, Demand.buyer_id == buyer.id)) if _valid_id(demand_id) else None
    if demand is None:
        abort(404)
    return demand


def _visible_to_shop(shop: Shop):
    """Demands a shop may see: those of its district (the feed lists only the open ones; an
    ended one still answers with why it takes no quote), and any it has quoted on."""
    quoted = select(Quote.id).where(Quote.demand_id == Demand.id, Quote.shop_id == shop.id)
    return or_(Demand.district_code == shop.district_code, quoted.exists())


def demand_for_merchant(merchant: User, demand_id: int) -> tuple[Demand, Shop]:
    shop = quoting_shop(merchant)
    expire_overdue(demand_id=demand_id)
    demand = db.session.scalar(select(Demand).where(
        Demand.id == demand_id, _visible_to_shop(shop))) if _valid_id(demand_id) else None
    if demand is None:
        abort(404)
    return demand, shop


def may_see_photo(user: User, demand: Demand) -> bool:
    """The buyer, and the approved merchants who may quote on it (or have)."""
    if user.role is Role.BUYER:
        return demand.buyer_id == user.id
    if user.role is Role.MERCHANT:
        try:
            shop = quoting_shop(user)
        except ServiceError:
            return False
        return db.session.scalar(select(Demand.id).where(
            Demand.id == demand.id, _visible_to_shop(shop))) is not None
    return False


def demand_with_photo(user: User, demand_id: int) -> Demand:
    demand = db.session.get(Demand, demand_id) if _valid_id(demand_id) else None
    if demand is None or not demand.photo or not may_see_photo(user, demand):
        abort(404)
    return demand


# ---- the buyer's side ------------------------------------------------------------------------

@dataclass(frozen=True)
class DemandInput:
    title: str
    description: str
    category: str
    quantity: int
    budget_fen: int | None
    district_code: str
    needed_by: datetime  # naive UTC
    idempotency_key: str
    photo: CleanImage | None = None


def check_needed_by(needed_by: datetime, now: datetime | None = None) -> str | None:
    """Say what is wrong with a needed-by time, or None."""
    now = now or utcnow()
    if needed_by < now + MIN_LEAD:
        return _("需要时间至少要在 30 分钟之后，给商家留出报价的时间")
    if needed_by > now + MAX_AHEAD:
        return _("需要时间最多可设在 30 天之内")
    return None


def _fit(photo: CleanImage) -> CleanImage:
    """Shrink a big phone photo to what a page shows (the cleaned bytes hold no metadata)."""
    if max(photo.width, photo.height) <= PHOTO_MAX_SIDE:
        return photo
    import hashlib

    from webapp.uploads import JPEG_QUALITY, WEBP_QUALITY

    with Image.open(io.BytesIO(photo.data)) as image:
        image.load()
        image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        options = {"jpeg": {"format": "JPEG", "quality": JPEG_QUALITY, "optimize": True},
                   "png": {"format": "PNG", "optimize": True},
                   "webp": {"format": "WEBP", "quality": WEBP_QUALITY}}[photo.fmt]
        image.save(out, **options)
        width, height = image.size
    data = out.getvalue()
    return CleanImage(data=data, fmt=photo.fmt, width=width, height=height,
                      sha256=hashlib.sha256(data).hexdigest())


def _by_key(buyer: User, key: str) -> Demand | None:
    return db.session.scalar(select(Demand).where(Demand.buyer_id == buyer.id,
                                                  Demand.idempotency_key == key))


def post_demand(buyer: User, data: DemandInput) -> Demand:
    """Post a demand; the matching merchants hear of it at once. The same key posts it once."""
    if buyer.role is not Role.BUYER:
        raise ServiceError(_("只有买家可以发布需求。"), 403)
    if (existing := _by_key(buyer, data.idempotency_key)) is not None:
        return existing
    title = data.title.strip()
    code = data.district_code or ""
    if not title:
        raise Rejected(_("请写下你需要什么"), "title")
    if data.category not in CATEGORIES:
        raise Rejected(_("请选择品类"), "category")
    if not 1 <= data.quantity <= MAX_QUANTITY:
        raise Rejected(_("数量需为 1 到 %(max)s", max=MAX_QUANTITY), "quantity")
    if data.budget_fen is not None and data.budget_fen <= 0:
        raise Rejected(_("预算需大于 0，不填表示不限"), "budget")
    if len(code) != 6 or not regions.valid_path(code[:2], code[:4], code):
        raise Rejected(_("请选择省份、城市和区县"), "district")
    if (problem := check_needed_by(data.needed_by)) is not None:
        raise Rejected(problem, "needed_by")
    photo = store(_fit(data.photo), PHOTO_FOLDER) if data.photo is not None else None
    demand = Demand(buyer_id=buyer.id, title=title[:60], description=data.description.strip(),
                    photo=photo, category=data.category, quantity=data.quantity,
                    budget_fen=data.budget_fen, district_code=code,
                    needed_by=data.needed_by.replace(second=0, microsecond=0),
                    status=DemandStatus.OPEN, idempotency_key=data.idempotency_key)
    db.session.add(demand)
    try:
        db.session.flush()
        emit_after_commit(db.session, "demand:posted",
                          {"id": demand.id, "category": demand.category},
                          demand_room(demand.district_code, demand.category))
        db.session.commit()
    except IntegrityError:
        # The same key raced in from another tab; its demand stands.
        db.session.rollback()
        if photo:
            discard(photo)
        if (existing := _by_key(buyer, data.idempotency_key)) is None:
            raise
        return existing
    except BaseException:
        db.session.rollback()
        if photo:
            discard(photo)
        raise
    return demand


def live_counts(demand_ids: list[int]) -> dict[int, int]:
    """Live quotes per demand, in one grouped query."""
    if not demand_ids:
        return {}
    return dict(db.session.execute(
        select(Quote.demand_id, func.count(Quote.id)).where(
            Quote.demand_id.in_(demand_ids), Quote.status == QuoteStatus.LIVE)
        .group_by(Quote.demand_id)).all())


def demands_of(buyer: User) -> list[tuple[Demand, int]]:
    """The buyer's demands, newest first, each with its number of live quotes."""
    expire_overdue(buyer_id=buyer.id)
    demands = list(db.session.scalars(select(Demand).where(Demand.buyer_id == buyer.id)
                                      .order_by(Demand.id.desc()).limit(100)))
    counts = live_counts([d.id for d in demands])
    return [(d, counts.get(d.id, 0)) for d in demands]


@dataclass(frozen=True)
class TrackRecord:
    finished: int  # delivered orders the buyer signed for or refused at the door
    clean: int  # of those, signed with every line accepted

    @property
    def share(self) -> int | None:
        return round(100 * self.clean / self.finished) if self.finished else None


FINISHED = (Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED)


def track_records(shop_ids) -> dict[int, TrackRecord]:
    """Each shop's finished orders and how many were signed without a rejected line: one query."""
    ids = sorted(set(shop_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Order.shop_id, Order.status, func.count(Order.id))
        .where(Order.shop_id.in_(ids), Order.status.in_(FINISHED))
        .group_by(Order.shop_id, Order.status)).all()
    finished: dict[int, int] = {i: 0 for i in ids}
    clean: dict[int, int] = {i: 0 for i in ids}
    for shop_id, status, n in rows:
        finished[shop_id] += n
        if status is Status.COMPLETED:
            clean[shop_id] += n
    return {i: TrackRecord(finished[i], clean[i]) for i in ids}


@dataclass
class Offer:
    """A quote as the buyer compares it."""

    quote: Quote
    record: TrackRecord
    cheapest: bool = False
    soonest: bool = False

    @property
    def acceptable(self) -> bool:
        q = self.quote
        return (q.status is QuoteStatus.LIVE and q.valid_until > utcnow()
                and q.demand.status is DemandStatus.OPEN and q.shop.status is ShopStatus.ACTIVE)


def comparison(demand: Demand) -> tuple[list[Offer], list[Quote]]:
    """The buyer's view: live (or accepted) quotes to compare, cheapest total first, and the
    rest (withdrawn, declined, expired, not chosen) for the record."""
    quotes = list(db.session.scalars(
        select(Quote).options(joinedload(Quote.shop)).where(Quote.demand_id == demand.id)
        .order_by(Quote.id)))
    shown = [q for q in quotes if q.status in (QuoteStatus.LIVE, QuoteStatus.ACCEPTED)]
    others = [q for q in quotes if q not in shown]
    records = track_records(q.shop_id for q in shown)
    offers = sorted((Offer(q, records[q.shop_id]) for q in shown),
                    key=lambda o: (o.quote.status is not QuoteStatus.ACCEPTED, o.quote.total_fen,
                                   o.quote.earliest_delivery))
    live = [o for o in offers if o.quote.status is QuoteStatus.LIVE]
    # A mark only means something where the quotes differ: a tie marks nobody.
    totals = {o.quote.total_fen for o in live}
    times = {o.quote.earliest_delivery for o in live}
    for o in live:
        o.cheapest = len(totals) > 1 and o.quote.total_fen == min(totals)
        o.soonest = len(times) > 1 and o.quote.earliest_delivery == min(times)
    return offers, others


def order_of(demand: Demand) -> Order | None:
    """The order an accepted demand became."""
    if demand.status is not DemandStatus.ACCEPTED:
        return None
    return db.session.scalar(select(Order).join(Quote, Quote.id == Order.quote_id).where(
        Quote.demand_id == demand.id))


def _decide_all_live(demand: Demand, status: QuoteStatus, now: datetime,
                     keep: int | None = None) -> list[tuple[int, int]]:
    """Set every other live quote of `demand` to `status`; return their (id, shop id)."""
    query = select(Quote.id, Quote.shop_id).where(Quote.demand_id == demand.id,
                                                  Quote.status == QuoteStatus.LIVE)
    if keep is not None:
        query = query.where(Quote.id != keep)
    rows = [(r.id, r.shop_id) for r in db.session.execute(query)]
    if rows:
        db.session.execute(
            update(Quote).where(Quote.id.in_([r[0] for r in rows]),
                                Quote.status == QuoteStatus.LIVE)
            .values(status=status, decided_at=now, updated_at=now)
            .execution_options(synchronize_session=False))
    return rows


def _announce_decision(demand: Demand, quote_id: int, shop_id: int, status: QuoteStatus) -> None:
    emit_after_commit(db.session, "quote:decided",
                      {"id": quote_id, "demand_id": demand.id, "status": str(status)},
                      shop_room(shop_id))


def _announce_demand(demand: Demand, status: DemandStatus) -> None:
    emit_after_commit(db.session, "demand:updated", {"id": demand.id, "status": str(status)},
                      demand_room(demand.district_code, demand.category),
                      user_room(demand.buyer_id))


def close_demand(buyer: User, demand_id: int) -> Demand:
    """Call a demand off; every live quote on it is closed as not chosen."""
    demand = demand_for_buyer(buyer, demand_id)
    now = utcnow()
    changed = db.session.execute(
        update(Demand).where(Demand.id == demand.id, Demand.status == DemandStatus.OPEN)
        .values(status=DemandStatus.CLOSED, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(demand)
        raise Conflict(_(OPEN_DEMAND_MESSAGES.get(demand.status, N_("该需求已变化，请刷新。"))))
    for quote_id, shop_id in _decide_all_live(demand, QuoteStatus.NOT_CHOSEN, now):
        _announce_decision(demand, quote_id, shop_id, QuoteStatus.NOT_CHOSEN)
    _announce_demand(demand, DemandStatus.CLOSED)
    db.session.commit()
    db.session.refresh(demand)
    return demand


def _buyers_quote(buyer: User, quote_id: int) -> Quote:
    quote = db.session.scalar(select(Quote).join(Demand).where(
        Quote.id == quote_id, Demand.buyer_id == buyer.id)) if _valid_id(quote_id) else None
    if quote is None:
        abort(404)
    return quote


def quote_for_buyer(buyer: User, quote_id: int) -> Quote:
    """A quote on one of the buyer's demands, after expiring what is overdue."""
    quote = _buyers_quote(buyer, quote_id)
    if expire_overdue(demand_id=quote.demand_id):
        db.session.expire_all()
    return quote


def decline_quote(buyer: User, quote_id: int) -> Quote:
    """Turn one quote down; its shop hears it at once. The demand stays open for the others."""
    quote = quote_for_buyer(buyer, quote_id)
    if quote.demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[quote.demand.status]))
    now = utcnow()
    changed = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.LIVE)
        .values(status=QuoteStatus.DECLINED, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(quote)
        raise Conflict(_(NOT_LIVE_MESSAGES.get(quote.status, N_("该报价已变化，请刷新。"))))
    _announce_decision(quote.demand, quote.id, quote.shop_id, QuoteStatus.DECLINED)
    db.session.commit()
    db.session.refresh(quote)
    return quote


def acceptable_or_conflict(quote: Quote) -> None:
    """Say, before the buyer fills in the checkout, why this quote cannot be taken."""
    if quote.demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[quote.demand.status]))
    if quote.status is not QuoteStatus.LIVE:
        raise Conflict(_(NOT_LIVE_MESSAGES[quote.status]))
    if quote.valid_until <= utcnow():
        raise Conflict(_(NOT_LIVE_MESSAGES[QuoteStatus.EXPIRED]))
    if quote.shop.status is not ShopStatus.ACTIVE:
        raise Conflict(_("该商家已暂停营业，不能接受其报价。"))


def accept_quote(buyer: User, quote_id: int, *, destination: orders.Destination, window: str,
                 payment_method: str, note: str = "", idempotency_key: str) -> Order:
    """Accept one quote: the demand and the quote are claimed with conditional UPDATEs, the
    order is placed at the quoted price (taking stock when the quote names a product), every
    other live quote is closed as not chosen, and all of it commits together or not at all.

    Two accepts at the same moment: the second finds the demand no longer open and gets a
    Conflict; the same idempotency key twice gives the first one's order.
    """
    if (existing := orders._by_key(buyer, idempotency_key)) is not None:
        return existing
    quote = quote_for_buyer(buyer, quote_id)
    demand = quote.demand
    acceptable_or_conflict(quote)
    now = utcnow()
    claimed = db.session.execute(
        update(Demand).where(Demand.id == demand.id, Demand.status == DemandStatus.OPEN,
                             Demand.needed_by > now)
        .values(status=DemandStatus.ACCEPTED, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        if (existing := orders._by_key(buyer, idempotency_key)) is not None:
            return existing
        raise Conflict(_("该需求刚刚已接受其他报价或已关闭，请刷新。"))
    taken = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.demand_id == demand.id,
                            Quote.status == QuoteStatus.LIVE, Quote.valid_until > now)
        .values(status=QuoteStatus.ACCEPTED, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        db.session.rollback()
        raise Conflict(_("该报价刚刚已撤回或已过期，不能接受。"))
    losers = _decide_all_live(demand, QuoteStatus.NOT_CHOSEN, now, keep=quote.id)
    order = orders.place_quote_order(buyer, quote, destination=destination, window=window,
                                     payment_method=payment_method, note=note,
                                     idempotency_key=idempotency_key)
    _announce_decision(demand, quote.id, quote.shop_id, QuoteStatus.ACCEPTED)
    for loser_id, shop_id in losers:
        _announce_decision(demand, loser_id, shop_id, QuoteStatus.NOT_CHOSEN)
    _announce_demand(demand, DemandStatus.ACCEPTED)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if (existing := orders._by_key(buyer, idempotency_key)) is not None:
            return existing
        raise Conflict(_("该需求刚刚已接受其他报价，请刷新。")) from None
    return order


# ---- the merchant's side ---------------------------------------------------------------------

def shop_categories(shop: Shop) -> list[str]:
    """The categories the shop sells (has products on sale in); all of them if none yet."""
    found = set(db.session.scalars(select(Product.category).where(
        Product.shop_id == shop.id, Product.published.is_(True)).distinct()))
    return [key for key in CATEGORIES if key in found] or list(CATEGORIES)


def watched_rooms(shop: Shop, everything: bool = False) -> list[str]:
    categories = list(CATEGORIES) if everything else shop_categories(shop)
    return [demand_room(shop.district_code, category) for category in categories]


def feed(merchant: User, everything: bool = False) -> tuple[Shop, list[Demand], dict[int, Quote]]:
    """Open demands in the shop's district (and categories, unless `everything`), newest first,
    with the shop's own live quote on each (never anyone else's)."""
    shop = quoting_shop(merchant)
    expire_overdue(shop=shop)
    query = select(Demand).where(Demand.district_code == shop.district_code,
                                 Demand.status == DemandStatus.OPEN,
                                 Demand.needed_by > utcnow())
    if not everything:
        query = query.where(Demand.category.in_(shop_categories(shop)))
    demands = list(db.session.scalars(query.order_by(Demand.id.desc()).limit(FEED_SIZE)))
    mine = {q.demand_id: q for q in db.session.scalars(select(Quote).where(
        Quote.shop_id == shop.id, Quote.status == QuoteStatus.LIVE,
        Quote.demand_id.in_([d.id for d in demands])))} if demands else {}
    return shop, demands, mine


def quotes_of(shop: Shop, limit: int = 30) -> list[Quote]:
    """The shop's latest quotes with their demands, newest first."""
    return list(db.session.scalars(select(Quote).options(joinedload(Quote.demand)).where(
        Quote.shop_id == shop.id).order_by(Quote.updated_at.desc(), Quote.id.desc()).limit(limit)))


def latest_quote(shop: Shop, demand: Demand) -> Quote | None:
    """The shop's own latest quote on `demand` (sealed: never another shop's)."""
    return db.session.scalar(select(Quote).where(
        Quote.shop_id == shop.id, Quote.demand_id == demand.id).order_by(Quote.id.desc()).limit(1))


def products_for_quote(shop: Shop) -> list[Product]:
    return list(db.session.scalars(select(Product).where(
        Product.shop_id == shop.id, Product.published.is_(True)).order_by(Product.title)))


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


def _checked(shop: Shop, demand: Demand, data: QuoteInput) -> dict:
    """The quote's columns once every rule holds; a Rejected names the field that broke one."""
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
            if _valid_id(data.product_id) else None
        if product is None:
            raise Rejected(_("只能用本店的商品报价"), "product_id")
        title = product.title
    else:
        title = (data.title or "").strip()
        if not title:
            raise Rejected(_("请选择本店商品，或填写报价的商品名称"), "item_title")
    return {"product_id": data.product_id, "title": title[:80],
            "unit_price_fen": data.unit_price_fen, "quantity": data.quantity,
            "delivery_fee_fen": data.delivery_fee_fen,
            "earliest_delivery": data.earliest_delivery.replace(second=0, microsecond=0),
            "valid_until": data.valid_until.replace(second=0, microsecond=0),
            "note": (data.note or "").strip()[:200]}


def _hold_open(demand: Demand, now: datetime) -> None:
    """Lock the demand row while it is still open (PostgreSQL holds the row, SQLite the whole
    database), so an accept or close cannot slip between this check and the commit."""
    held = db.session.execute(
        update(Demand).where(Demand.id == demand.id, Demand.status == DemandStatus.OPEN,
                             Demand.needed_by > now)
        .values(updated_at=now).execution_options(synchronize_session=False)).rowcount
    if held != 1:
        db.session.rollback()
        db.session.refresh(demand)
        raise Conflict(_(OPEN_DEMAND_MESSAGES.get(demand.status, OPEN_DEMAND_MESSAGES[
            DemandStatus.EXPIRED])) + _("不能再报价或修改报价。"))


def submit_quote(merchant: User, demand_id: int, data: QuoteInput) -> Quote:
    """Answer a demand with the shop's quote; the buyer's page shows it at once."""
    demand, shop = demand_for_merchant(merchant, demand_id)
    if demand.buyer_id == merchant.id:
        raise ServiceError(_("不能对自己的需求报价。"), 403)
    if demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[demand.status]) + _("不能再报价。"))
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


def _shops_quote(merchant: User, quote_id: int) -> tuple[Quote, Shop]:
    shop = quoting_shop(merchant)
    quote = db.session.scalar(select(Quote).where(
        Quote.id == quote_id, Quote.shop_id == shop.id)) if _valid_id(quote_id) else None
    if quote is None:
        abort(404)
    if expire_overdue(demand_id=quote.demand_id):
        db.session.expire_all()
    return quote, shop


def quote_for_merchant(merchant: User, quote_id: int) -> tuple[Quote, Shop]:
    """One of the merchant's own shop's quotes; another shop's is a 404."""
    return _shops_quote(merchant, quote_id)


def _live_or_conflict(quote: Quote, doing: str) -> None:
    """`doing` is "update" or "withdraw": what the merchant tried."""
    if quote.status is not QuoteStatus.LIVE:
        raise Conflict(_("该报价%(status)s，不能修改。", status=quote.label) if doing == "update"
                       else _("该报价%(status)s，不能撤回。", status=quote.label))
    if quote.demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[quote.demand.status])
                       + (_("不能修改报价。") if doing == "update" else _("不能撤回报价。")))


def update_quote(merchant: User, quote_id: int, data: QuoteInput) -> Quote:
    """Change the shop's live quote until the buyer decides."""
    quote, shop = _shops_quote(merchant, quote_id)
    _live_or_conflict(quote, "update")
    values = _checked(shop, quote.demand, data)
    now = utcnow()
    _hold_open(quote.demand, now)
    changed = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.LIVE)
        .values(**values, updated_at=now).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict(_("该报价刚刚已有变化，请刷新后再试。"))
    emit_after_commit(db.session, "quote:updated",
                      {"id": quote.id, "demand_id": quote.demand_id, "status": "live"},
                      user_room(quote.demand.buyer_id))
    db.session.commit()
    db.session.refresh(quote)
    return quote


def withdraw_quote(merchant: User, quote_id: int) -> Quote:
    """Take the shop's live quote back before the buyer decides."""
    quote, _shop = _shops_quote(merchant, quote_id)
    _live_or_conflict(quote, "withdraw")
    now = utcnow()
    changed = db.session.execute(
        update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.LIVE)
        .values(status=QuoteStatus.WITHDRAWN, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict(_("该报价刚刚已有变化（可能买家已作出选择），请刷新。"))
    emit_after_commit(db.session, "quote:withdrawn",
                      {"id": quote.id, "demand_id": quote.demand_id, "status": "withdrawn"},
                      user_room(quote.demand.buyer_id))
    db.session.commit()
    db.session.refresh(quote)
    return quote
