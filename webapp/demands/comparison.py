"""What the buyer compares on a demand: the offers side by side, each shop's record from its
proofs (webapp/reviews/record.py, one statement for all the cards), and the order an accepted
demand became.

Read-only: callers load the demand through `access` (which expires what is overdue) first.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Order, Quote, QuoteStatus, ShopStatus, utcnow
from webapp.reviews.record import ShopRecord, records_for


@dataclass
class Offer:
    """A quote as the buyer compares it."""

    quote: Quote
    record: ShopRecord
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
    records = records_for(q.shop_id for q in shown)
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
    """Return the order an accepted demand became, or the last one that fell through (its demand
    reopened, webapp/demands/reopening.py); None when no quote was ever accepted."""
    wanted = (QuoteStatus.ACCEPTED,) if demand.status is DemandStatus.ACCEPTED \
        else (QuoteStatus.FELL_THROUGH,)
    return db.session.scalar(select(Order).join(Quote, Quote.id == Order.quote_id).where(
        Quote.demand_id == demand.id, Quote.status.in_(wanted)).order_by(Order.id.desc()).limit(1))
