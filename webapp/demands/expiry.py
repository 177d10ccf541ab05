"""Demands past their needed-by time and quotes past their valid-until, expired on the way.

There is no timer: every read that shows or acts on demands and quotes first expires what is
overdue in its own scope (one demand, one buyer's, one shop's district), and `flask demands
expire` sweeps everything from cron. Reads come first and a write only when something is
overdue, so a plain page view never takes SQLite's write lock.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, Select, or_, select

from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Quote, QuoteStatus, Shop, utcnow
from webapp.realtime import demand_room, emit_after_commit, shop_room


def expire_overdue(*, demand_id: int | None = None, buyer_id: int | None = None,
                   shop: Shop | None = None) -> int:
    """Expire overdue demands and live quotes in the given scope; return how many rows changed.

    A live quote is overdue past its valid-until, or when its demand is past its needed-by time
    or expired. Run before every read that shows or acts on them, and from cron.
    """
    now = utcnow()
    demands, quotes = _overdue(now, demand_id=demand_id, buyer_id=buyer_id, shop=shop)
    overdue = db.session.execute(demands).all()
    stale = db.session.execute(quotes).all()
    if not overdue and not stale:
        return 0
    changed = _expire_demands(overdue, now) + _expire_quotes(stale, now)
    db.session.commit()
    return changed


def _overdue(now: datetime, *, demand_id: int | None, buyer_id: int | None,
             shop: Shop | None) -> tuple[Select, Select]:
    """Build the reads of the overdue open demands and live quotes within the scope."""
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
    return demands, quotes


def _expire_demands(overdue: list[Row], now: datetime) -> int:
    """Expire the demands read as overdue (those still open) and tell their feeds."""
    if not overdue:
        return 0
    # The status and time again in the WHERE: a demand accepted or closed since the read stays.
    changed = update_where(Demand, Demand.id.in_([d.id for d in overdue]),
                           Demand.status == DemandStatus.OPEN, Demand.needed_by <= now,
                           status=DemandStatus.EXPIRED, updated_at=now)
    for d in overdue:
        emit_after_commit(db.session, "demand:updated", {"id": d.id, "status": "expired"},
                          demand_room(d.district_code, d.category))
    return changed


def _expire_quotes(stale: list[Row], now: datetime) -> int:
    """Expire the quotes read as stale (those still live) and tell their shops."""
    if not stale:
        return 0
    changed = update_where(Quote, Quote.id.in_([q.id for q in stale]),
                           Quote.status == QuoteStatus.LIVE,
                           status=QuoteStatus.EXPIRED, decided_at=now)
    for q in stale:
        emit_after_commit(db.session, "quote:decided",
                          {"id": q.id, "demand_id": q.demand_id, "status": "expired"},
                          shop_room(q.shop_id))
    return changed
