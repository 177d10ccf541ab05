"""Goods coming back to the shop (issue 19): a failed delivery that was called off, taken back or
left to expire, and lines the buyer refused at the door. Each is an `OrderReturn` (one per order)
the shop confirms once it has the goods: restocked (the lines back on sale) or written off (not
fit to sell again). Its status moves as webapp/orders/return_state.py says, with one conditional
UPDATE, so two confirmations at once restock the goods once.

Ending a failed delivery also reopens the demand the order came from (`goods_back`); the caller
owes back what was paid and commits.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from webapp.cas import compare_and_set
from webapp.catalog.variants import put_back
from webapp.demands.reopening import reopen_for
from webapp.extensions import db
from webapp.models import EventKind, Order, OrderLine, OrderReturn, User, utcnow
from webapp.models.returns import RETURN_LABELS
from webapp.orders.return_state import ReturnAction, ReturnCause, ReturnStatus, return_move
from webapp.orders.state import IllegalTransition, RoleNotAllowed
from webapp.orders.transitions import SYSTEM, finish, record
from webapp.web import Conflict, ServiceError

KINDS = {ReturnAction.RESTOCK: EventKind.RETURN_RESTOCKED,
         ReturnAction.WRITE_OFF: EventKind.RETURN_WRITTEN_OFF}


def open_return(order: Order, lines: Iterable[OrderLine], cause: ReturnCause,
                actor: User = SYSTEM) -> OrderReturn:
    """Record that `lines` of `order` are on their way back to its shop (the caller commits)."""
    kept = [[line.id, line.quantity] for line in lines]
    goods = OrderReturn(order_id=order.id, shop_id=order.shop_id, cause=cause, lines=kept)
    db.session.add(goods)
    record(order, actor, EventKind.RETURN_OPENED, n=goods.quantity)
    return goods


def goods_back(order: Order) -> None:
    """A failed delivery has ended: all its goods come back and the demand it came from opens
    again (the caller has moved the status, owes back what was paid, and commits)."""
    open_return(order, order.lines, ReturnCause.FAILED_DELIVERY)
    reopen_for(order)


def awaited(order: Order) -> OrderReturn | None:
    """The order's return while the shop has not confirmed receiving it."""
    goods = order.goods_return
    return goods if goods is not None and goods.status is ReturnStatus.AWAITED else None


def receive(order: Order, actor: User, action: ReturnAction) -> Order:
    """The shop confirms it has the order's returned goods: restocked once, or written off."""
    goods = order.goods_return
    if goods is None:
        raise Conflict(_("该订单没有退回的商品。"))
    try:
        target = return_move(goods.status, action, actor.role)
    except RoleNotAllowed:
        raise ServiceError(_("你不能对该订单执行此操作。"), 403) from None
    except IllegalTransition:
        raise Conflict(_("退回的商品已确认收货（%(status)s）。",
                         status=_(RETURN_LABELS[goods.status]))) from None
    compare_and_set(OrderReturn, OrderReturn.id == goods.id,
                    OrderReturn.status == ReturnStatus.AWAITED,
                    conflict=_("退回的商品刚刚已确认收货，请刷新。"), status=target,
                    received_at=utcnow(), received_by_id=actor.id)
    if target is ReturnStatus.RESTOCKED:
        lines = {line.id: line for line in order.lines}
        for line_id, quantity in goods.lines:
            if (line := lines.get(line_id)) is not None:  # a free-text quote's took no stock
                put_back(line.product_id, line.variant_id, quantity)
    record(order, actor, KINDS[action], n=goods.quantity)
    db.session.expire(goods)
    return finish(order)
