"""The buyer's demands: posting one (with an optional photo) and listing them.

A posted demand is announced at once to the merchants watching its district and category; the
form's idempotency key makes a double tap or a second tab post it once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp import paging
from webapp.catalog.categories import CATEGORIES
from webapp.demands.expiry import expire_overdue
from webapp.demands.rules import MAX_QUANTITY, Rejected
from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Quote, QuoteStatus, Role, User, utcnow
from webapp.notifications import events as notices
from webapp.paging import Key
from webapp.realtime import demand_room, emit_after_commit
from webapp.regions import services as regions
from webapp.uploads import CleanImage, discard, fit_photo, store
from webapp.web import ServiceError

MIN_LEAD = timedelta(minutes=30)  # a demand needed sooner leaves merchants no time to answer
MAX_AHEAD = timedelta(days=30)
PHOTO_FOLDER = "demands"
PHOTO_MAX_SIDE = 1600
# The buyer's demands are read a page at a time, newest first (webapp/paging.py).
PAGE = 12
KEY = (Key(Demand.id, descending=True),)


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


def _checked(data: DemandInput) -> tuple[str, str]:
    """Return the title and district code once every rule holds; a Rejected names the field."""
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
    return title, code


def _by_key(buyer: User, key: str) -> Demand | None:
    return db.session.scalar(select(Demand).where(Demand.buyer_id == buyer.id,
                                                  Demand.idempotency_key == key))


def post_demand(buyer: User, data: DemandInput) -> Demand:
    """Post a demand; the matching merchants hear of it at once. The same key posts it once."""
    if buyer.role is not Role.BUYER:
        raise ServiceError(_("只有买家可以发布需求。"), 403)
    if (existing := _by_key(buyer, data.idempotency_key)) is not None:
        return existing
    title, code = _checked(data)
    # A big phone photo is shrunk to what a page shows (the cleaned bytes hold no metadata).
    photo = store(fit_photo(data.photo, PHOTO_MAX_SIDE), PHOTO_FOLDER) \
        if data.photo is not None else None
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
        notices.demand_posted(demand)
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
    """Count the live quotes per demand, in one grouped query."""
    if not demand_ids:
        return {}
    return dict(db.session.execute(
        select(Quote.demand_id, func.count(Quote.id)).where(
            Quote.demand_id.in_(demand_ids), Quote.status == QuoteStatus.LIVE)
        .group_by(Quote.demand_id)).all())


def demands_of(buyer: User, after: tuple | None = None) -> tuple[paging.Page, dict[int, int]]:
    """Read a page of the buyer's demands, newest first, after the cursor `after`, and the number
    of live quotes on each of them (one grouped query over the page)."""
    expire_overdue(buyer_id=buyer.id)
    page = paging.keyset(select(Demand).where(Demand.buyer_id == buyer.id), KEY, after, PAGE)
    return page, live_counts([d.id for d in page.items])
