"""A demand whose order fell through opens again (issue 19).

An order placed from a quote that is cancelled (by the buyer, by the shop, or expired unaccepted
or unpaid) or whose failed delivery ended with the goods back at the shop leaves its buyer
without what they asked for: the demand takes quotes again, the quote whose order fell through
is marked so (never accepted twice: an order per quote), and the quotes that accepting it closed
come back to the comparison if they are still valid (not past their valid-until, shop still
active). A demand past its needed-by time expires instead.

Called inside the transaction that ended the order (the caller commits): the demand moves with
one conditional UPDATE from ACCEPTED, so it reopens once however the order ended.
"""
from __future__ import annotations

from sqlalchemy import select

from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import (
    Demand,
    DemandStatus,
    EventKind,
    Order,
    Quote,
    QuoteStatus,
    Shop,
    ShopStatus,
    utcnow,
)
from webapp.orders.transitions import SYSTEM, record
from webapp.realtime import demand_room, emit_after_commit, shop_room, user_room


def reopen_for(order: Order) -> Demand | None:
    """Reopen the demand `order` was placed from, if it was; the demand, else None."""
    if order.quote_id is None:
        return None
    quote = db.session.get(Quote, order.quote_id)
    demand = quote.demand
    now = utcnow()
    status = DemandStatus.OPEN if demand.needed_by > now else DemandStatus.EXPIRED
    if update_where(Demand, Demand.id == demand.id, Demand.status == DemandStatus.ACCEPTED,
                    status=status, updated_at=now) != 1:
        return None
    update_where(Quote, Quote.id == quote.id, Quote.status == QuoteStatus.ACCEPTED,
                 status=QuoteStatus.FELL_THROUGH, decided_at=now, updated_at=now)
    decided = [(quote.id, quote.shop_id, QuoteStatus.FELL_THROUGH)]
    if status is DemandStatus.OPEN:
        back = db.session.execute(select(Quote.id, Quote.shop_id).join(Shop).where(
            Quote.demand_id == demand.id, Quote.status == QuoteStatus.NOT_CHOSEN,
            Quote.valid_until > now, Shop.status == ShopStatus.ACTIVE)).all()
        if back:
            update_where(Quote, Quote.id.in_([row.id for row in back]),
                         Quote.status == QuoteStatus.NOT_CHOSEN,
                         status=QuoteStatus.LIVE, decided_at=None, updated_at=now)
        decided += [(row.id, row.shop_id, QuoteStatus.LIVE) for row in back]
        record(order, SYSTEM, EventKind.DEMAND_REOPENED, demand=demand.id)
    db.session.expire(demand)
    for quote_id, shop_id, quote_status in decided:
        emit_after_commit(db.session, "quote:decided",
                          {"id": quote_id, "demand_id": demand.id, "status": str(quote_status)},
                          shop_room(shop_id))
    emit_after_commit(db.session, "demand:updated", {"id": demand.id, "status": str(status)},
                      demand_room(demand.district_code, demand.category),
                      user_room(demand.buyer_id))
    return demand
