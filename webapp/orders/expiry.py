"""Orders nobody accepted, or paid, in time: cancelled by the platform, their stock back on sale
(and an order paid online that its shop did not accept owes the payment back). A failed delivery
nobody acted on in time is ended too: returned, its goods on their way back to the shop (issue
19). Either way the demand an order came from opens again."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from webapp.demands.reopening import reopen_for
from webapp.extensions import db
from webapp.models import EventKind, Order, Status, utcnow
from webapp.orders.returns import goods_back
from webapp.orders.state import Action
from webapp.orders.transitions import SYSTEM, apply, finish, restock
from webapp.payments.pending import close_pending
from webapp.payments.refunds import owed_on
from webapp.web import Conflict


def overdue_cutoff():
    """Placed orders that reached the shop's board before this are overdue."""
    return utcnow() - timedelta(minutes=current_app.config["ORDER_ACCEPT_MINUTES"])


def unpaid_cutoff():
    """Orders awaiting an online payment created before this are overdue."""
    return utcnow() - timedelta(minutes=current_app.config["PAYMENT_MINUTES"])


def failed_cutoff():
    """Failed deliveries left as they were (no new window, not called off) since this are
    overdue."""
    return utcnow() - timedelta(hours=current_app.config["FAILED_DELIVERY_HOURS"])


def is_overdue(order: Order) -> bool:
    if order.status is Status.PLACED:
        return (order.placed_at or order.created_at) < overdue_cutoff()
    if order.status is Status.DELIVERY_FAILED:
        return order.updated_at < failed_cutoff()
    return order.status is Status.AWAITING_PAYMENT and order.created_at < unpaid_cutoff()


def expire_overdue(*, shop_id: int | None = None, buyer_id: int | None = None,
                   order_id: int | None = None) -> int:
    """Cancel placed orders their shop did not accept in time and put their stock back; end the
    failed deliveries nobody acted on (webapp/orders/returns.py).

    Run before every read of orders (so nobody sees, or accepts, an overdue order as new) and
    by `flask expire-orders` from cron (so stock comes back even if nobody looks).
    """
    query = select(Order).where(or_(
        and_(Order.status == Status.PLACED,
             func.coalesce(Order.placed_at, Order.created_at) < overdue_cutoff()),
        and_(Order.status == Status.AWAITING_PAYMENT, Order.created_at < unpaid_cutoff()),
        and_(Order.status == Status.DELIVERY_FAILED, Order.updated_at < failed_cutoff())))
    for column, value in ((Order.shop_id, shop_id), (Order.buyer_id, buyer_id),
                          (Order.id, order_id)):
        if value is not None:
            query = query.where(column == value)
    return sum(_expire(order) for order in db.session.scalars(query).all())


def _expire(order: Order) -> int:
    """End one overdue order as the platform; 1, or 0 if someone acted on it a moment ago."""
    status = order.status
    kind = {Status.AWAITING_PAYMENT: EventKind.PAYMENT_EXPIRED,
            Status.DELIVERY_FAILED: EventKind.FAILURE_EXPIRED}.get(status, EventKind.EXPIRED)
    params = {"hours": current_app.config["FAILED_DELIVERY_HOURS"]} \
        if status is Status.DELIVERY_FAILED else {}
    try:
        apply(order, Action.EXPIRE, SYSTEM, kind, **params)
    except Conflict:
        return 0  # accepted, paid, rescheduled or cancelled a moment ago
    if status is Status.DELIVERY_FAILED:
        goods_back(order)  # the goods are with the courier: restocked when the shop has them
        owed_on(order, "returned")
    else:
        restock(order)
        reopen_for(order)
    if status is Status.AWAITING_PAYMENT:
        close_pending(order)
    elif status is Status.PLACED:
        owed_on(order, "cancelled")
    finish(order)
    return 1
