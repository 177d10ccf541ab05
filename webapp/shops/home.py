"""What the home page shows a signed-in buyer first: their orders that are still going on.

O(1) in the buyer's history: at most HOME_ORDERS + 1 orders of each status are read, from the
(buyer_id, status, id) index (webapp/orders/queries.merged_ids), however many they have had."""
from __future__ import annotations

from sqlalchemy import case, select

from webapp.extensions import db
from webapp.models import Order, Status, User
from webapp.orders.expiry import expire_overdue
from webapp.orders.queries import LISTED, merged_ids, order_page
from webapp.orders.state import FINAL

HOME_ORDERS = 3
# What is on its way (or at the door) first, then what a courier is to pick up, then what the shop
# has taken, then what waits for it.
URGENCY = case({Status.ARRIVED: 0, Status.DELIVERING: 0, Status.DISPATCHED: 1,
                Status.DELIVERY_FAILED: 2, Status.ACCEPTED: 2}, value=Order.status, else_=3)


OPEN = frozenset(Status) - FINAL


def recent_orders(buyer: User, limit: int = HOME_ORDERS) -> list[Order]:
    """Up to `limit` of the buyer's open orders, most urgent first; finished ones fill in."""
    expire_overdue(buyer_id=buyer.id)
    mine = (Order.buyer_id == buyer.id,)
    found = list(db.session.scalars(
        select(Order).options(*LISTED).where(Order.id.in_(merged_ids(mine, OPEN, None, limit, True)))
        .order_by(URGENCY, Order.id.desc()).limit(limit)).unique())
    if len(found) < limit:
        found += order_page(mine, FINAL, None, limit - len(found)).items
    return found
