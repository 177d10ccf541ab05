"""The courier's lists: open deliveries (bounded: the earliest windows) and finished ones (paged,
webapp/paging.py). Neither reads the courier's whole history."""
from __future__ import annotations

from sqlalchemy import case, select

from webapp import paging
from webapp.extensions import db
from webapp.models import Delivery, Order, Status, User
from webapp.orders.queries import LISTED
from webapp.orders.state import FINAL, TRACKING
from webapp.paging import Key, Page

# The courier's open deliveries shown at most (the earliest windows; each one done lets the next
# in), and the finished ones a page at a time, the newest order first.
OPEN_SHOWN = 30
HISTORY_PAGE = 10
OPEN = tuple(sorted(set(Status) - FINAL))
CURSOR = (Key(Delivery.order_id),)  # what ?after= holds: the last order's id
UNDER_WAY_FIRST = case((Order.status.in_(TRACKING), 0), else_=1)


def open_deliveries(courier: User) -> tuple[list[Order], bool]:
    """The courier's open deliveries, those under way first, then by delivery window (at most
    OPEN_SHOWN), with their lines and shop, and whether there are more. Found from the open
    orders (the status index), not from the courier's whole history."""
    orders = list(db.session.scalars(
        select(Order).options(*LISTED).join(Delivery, Delivery.order_id == Order.id)
        .where(Delivery.courier_id == courier.id, Order.status.in_(OPEN))
        .order_by(UNDER_WAY_FIRST, Order.window_start, Order.id).limit(OPEN_SHOWN + 1)).unique())
    return orders[:OPEN_SHOWN], len(orders) > OPEN_SHOWN


def finished_deliveries(courier: User, after: tuple | None = None) -> Page:
    """A page of the courier's finished deliveries, the newest order first, after the cursor's:
    read along the courier's deliveries by order id (ix_delivery_courier_page)."""
    query = select(Order).options(*LISTED).join(Delivery, Delivery.order_id == Order.id).where(
        Delivery.courier_id == courier.id, Order.status.in_(FINAL))
    return paging.keyset(query, (Key(Delivery.order_id, True, lambda order: order.id),), after,
                         HISTORY_PAGE)
