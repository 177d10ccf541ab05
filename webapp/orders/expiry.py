"""Orders nobody accepted, or paid, in time: cancelled by the platform, their stock back on sale
(and an order paid online that its shop did not accept owes the payment back)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from webapp.extensions import db
from webapp.models import EventKind, Order, Status, utcnow
from webapp.orders.state import Action
from webapp.orders.transitions import SYSTEM, apply, finish, restock
from webapp.payments.records import close_pending
from webapp.payments.refunds import owed_on
from webapp.web import Conflict


def overdue_cutoff():
    """Placed orders that reached the shop's board before this are overdue."""
    return utcnow() - timedelta(minutes=current_app.config["ORDER_ACCEPT_MINUTES"])


def unpaid_cutoff():
    """Orders awaiting an online payment created before this are overdue."""
    return utcnow() - timedelta(minutes=current_app.config["PAYMENT_MINUTES"])


def is_overdue(order: Order) -> bool:
    if order.status is Status.PLACED:
        return (order.placed_at or order.created_at) < overdue_cutoff()
    return order.status is Status.AWAITING_PAYMENT and order.created_at < unpaid_cutoff()


def expire_overdue(*, shop_id: int | None = None, buyer_id: int | None = None,
                   order_id: int | None = None) -> int:
    """Cancel placed orders their shop did not accept in time and put their stock back.

    Run before every read of orders (so nobody sees, or accepts, an overdue order as new) and
    by `flask expire-orders` from cron (so stock comes back even if nobody looks).
    """
    query = select(Order).where(or_(
        and_(Order.status == Status.PLACED,
             func.coalesce(Order.placed_at, Order.created_at) < overdue_cutoff()),
        and_(Order.status == Status.AWAITING_PAYMENT, Order.created_at < unpaid_cutoff())))
    for column, value in ((Order.shop_id, shop_id), (Order.buyer_id, buyer_id),
                          (Order.id, order_id)):
        if value is not None:
            query = query.where(column == value)
    expired = 0
    for order in db.session.scalars(query).all():
        unpaid = order.status is Status.AWAITING_PAYMENT
        try:
            apply(order, Action.EXPIRE, SYSTEM,
                  EventKind.PAYMENT_EXPIRED if unpaid else EventKind.EXPIRED)
        except Conflict:
            continue  # accepted, paid or cancelled a moment ago
        restock(order)
        if unpaid:
            close_pending(order)
        else:
            owed_on(order, "cancelled")
        finish(order)
        expired += 1
    return expired
