"""After a failed delivery (issue 19): the buyer or the shop picks a new window, and the shop
dispatches again; or the shop takes the goods back. (Calling it off is `actions.cancel`; the
platform ends one left alone in webapp/orders/expiry.py.) And the shop's confirmation that
returned goods have arrived (webapp/orders/returns.py)."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp.models import EventKind, Order, Role, User
from webapp.orders.queries import order_for
from webapp.orders.return_state import ReturnAction
from webapp.orders.returns import goods_back, receive
from webapp.orders.state import Action
from webapp.orders.transitions import apply, check, finish
from webapp.payments.refunds import owed_on, send_due
from webapp.shops.windows import delivery_windows, parse_window
from webapp.web import ServiceError


def windows_for(order: Order) -> list:
    """The windows a failed delivery may move to: those its shop offers now, as at checkout."""
    return delivery_windows(order.shop)


def reschedule(order_id: int, actor: User, window: str | None) -> Order:
    """Move a failed delivery to a new window its shop offers; the shop then dispatches it again
    (the order is back to accepted, the courier it had still named until it assigns one)."""
    order = order_for(actor, order_id)
    check(order, Action.RESCHEDULE, actor)
    window = (window or "").strip()
    if window not in {choice.value for choice in windows_for(order)}:
        raise ServiceError(_("该送达时段已不可选，请重新选择"), 422)
    start, end = parse_window(window)
    kind = (EventKind.RESCHEDULED_BY_SHOP if actor.role is Role.MERCHANT
            else EventKind.RESCHEDULED_BY_BUYER)
    apply(order, Action.RESCHEDULE, actor, kind, start=start.isoformat(), end=end.isoformat())
    order.window_start, order.window_end = start, end
    return finish(order)


def take_back(order_id: int, actor: User) -> Order:
    """The shop ends a failed delivery and takes its goods back: the order is returned, the goods
    a return the shop confirms on receipt, what was paid online owed back."""
    order = order_for(actor, order_id)
    apply(order, Action.TAKE_BACK, actor, EventKind.TAKEN_BACK)
    goods_back(order)
    owed = owed_on(order, "returned")
    finish(order)
    if owed is not None:
        send_due(order_id=order.id)
    return order


def receive_return(order_id: int, actor: User, action: ReturnAction) -> Order:
    """The shop confirms the order's returned goods have arrived (restocked or written off)."""
    return receive(order_for(actor, order_id), actor, action)
