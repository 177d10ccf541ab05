"""What the buyer compares on a demand: the offers side by side, each shop's track record, and
the order an accepted demand became.

Read-only: callers load the demand through `access` (which expires what is overdue) first.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Order, Quote, QuoteStatus, ShopStatus, Status, utcnow

# Delivered orders the buyer signed for or refused at the door.
FINISHED = (Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED)


@dataclass(frozen=True)
class TrackRecord:
    finished: int  # delivered orders the buyer signed for or refused at the door
    clean: int  # of those, signed with every line accepted

    @property
    def share(self) -> int | None:
        return round(100 * self.clean / self.finished) if self.finished else None


def track_records(shop_ids: Iterable[int]) -> dict[int, TrackRecord]:
    """Count each shop's finished orders and those signed without a rejected line: one query."""
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


def compare(demand: Demand) -> tuple[list[Offer], list[Quote]]:
    """Split the demand's quotes into the offers to compare and the rest, for the record.

    The offers are the live (or accepted) quotes, cheapest total first, each with its shop's track
    record; the rest are withdrawn, declined, expired or not chosen.
    """
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
    """Return the order an accepted demand became (None before that)."""
    if demand.status is not DemandStatus.ACCEPTED:
        return None
    return db.session.scalar(select(Order).join(Quote, Quote.id == Order.quote_id).where(
        Quote.demand_id == demand.id))
