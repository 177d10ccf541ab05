"""Orders nobody accepted in time: cancelled by the platform, their stock back on sale."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import EventKind, Order, Status, utcnow
from webapp.orders.state import Action
from webapp.orders.transitions import SYSTEM, apply, finish, restock
from webapp.web import Conflict


def overdue_cutoff():
    """Placed orders created before this are overdue."""
    return utcnow() - timedelta(minutes=current_app.config["ORDER_ACCEPT_MINUTES"])


def expire_overdue(*, shop_id: int | None = None, buyer_id: int | None = None,
                   order_id: int | None = None) -> int:
    """Cancel placed orders their shop did not accept in time and put their stock back.

    Run before every read of orders (so nobody sees, or accepts, an overdue order as new) and
    by `flask expire-orders` from cron (so stock comes back even if nobody looks).
    """
    query = select(Order).where(Order.status == Status.PLACED, Order.created_at < overdue_cutoff())
    for column, value in ((Order.shop_id, shop_id), (Order.buyer_id, buyer_id),
                          (Order.id, order_id)):
        if value is not None:
            query = query.where(column == value)
    expired = 0
    for order in db.session.scalars(query).all():
        try:
            apply(order, Action.EXPIRE, SYSTEM, EventKind.EXPIRED)
        except Conflict:
            continue  # accepted or cancelled a moment ago
        restock(order)
        finish(order)
        expired += 1
    return expired
