"""What the home page shows a signed-in buyer first: their orders that are still going on."""
from __future__ import annotations

from sqlalchemy import case, select

from webapp.extensions import db
from webapp.models import Order, Status, User
from webapp.orders.expiry import expire_overdue
from webapp.orders.queries import LISTED
from webapp.orders.state import FINAL

HOME_ORDERS = 3
# What is on its way (or at the door) first, then what a courier is to pick up, then what the shop
# has taken, then what waits for it.
URGENCY = case({Status.ARRIVED: 0, Status.DELIVERING: 0, Status.DISPATCHED: 1,
                Status.DELIVERY_FAILED: 2, Status.ACCEPTED: 2}, value=Order.status, else_=3)


def recent_orders(buyer: User, limit: int = HOME_ORDERS) -> list[Order]:
    """Up to `limit` of the buyer's open orders, most urgent first; finished ones fill in."""
    expire_overdue(buyer_id=buyer.id)
    mine = select(Order).options(*LISTED).where(Order.buyer_id == buyer.id)
    found = list(db.session.scalars(mine.where(Order.status.not_in(FINAL))
                                    .order_by(URGENCY, Order.id.desc()).limit(limit)))
    if len(found) < limit:
        found += db.session.scalars(mine.where(Order.status.in_(FINAL))
                                    .order_by(Order.id.desc()).limit(limit - len(found)))
    return found
