"""Applying the state machine to a stored order: check the table, move the status with one
conditional UPDATE, record the event, and announce it once the caller commits."""
from __future__ import annotations

from types import SimpleNamespace

from flask_babel import gettext as _

from webapp.cas import compare_and_set
from webapp.catalog.variants import put_back
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import (
    Delivery,
    EventKind,
    Order,
    OrderEvent,
    Role,
    ShopStatus,
    Status,
    User,
    utcnow,
)
from webapp.notifications import events as notices
from webapp.orders.state import LABELS, Action, IllegalTransition, RoleNotAllowed, transition
from webapp.realtime import (
    close_after_commit,
    emit_after_commit,
    link_room,
    order_rooms,
    shop_room,
    user_room,
)
from webapp.tickets import printing as tickets
from webapp.web import Conflict, ServiceError

# The platform itself, as the actor of what nobody did (an order nobody accepted in time).
SYSTEM = SimpleNamespace(id=None, role=Role.SYSTEM)

ACTION_LABELS = {
    Action.ACCEPT: N_("接单"), Action.REFUSE: N_("拒绝"), Action.CANCEL: N_("取消"),
    Action.ASSIGN: N_("派单"), Action.START: N_("开始配送"), Action.ARRIVE: N_("确认送达"),
    Action.SIGN: N_("签收"), Action.FAIL: N_("标记配送失败"), Action.EXPIRE: N_("超时取消"),
    Action.PAY: N_("付款"), Action.RESCHEDULE: N_("改约送达时间"), Action.TAKE_BACK: N_("收回商品"),
    Action.HAND_OVER: N_("交给到店买家"), Action.PICK_UP: N_("确认已取货"),
}


def check(order: Order, action: Action, actor: User, outcome: Status | None = None) -> Status:
    """The status `action` leads to, or the error the user sees (before anything is stored)."""
    try:
        return transition(order.status, action, actor.role, outcome, pickup=order.is_pickup)
    except RoleNotAllowed:
        raise ServiceError(_("你不能对该订单执行此操作。"), 403) from None
    except IllegalTransition:
        raise Conflict(_("订单当前为「%(status)s」，不能%(action)s。", status=_(LABELS[order.status]),
                         action=_(ACTION_LABELS[action]))) from None


def apply(order: Order, action: Action, actor: User, kind: EventKind, *,
          outcome: Status | None = None, photo: str | None = None, **params) -> Status:
    """Move `order` by `action` once and record it as `kind` with `params`: a second tap or a
    stale tab gets a Conflict (and the transaction is rolled back)."""
    current = order.status
    target = check(order, action, actor, outcome)
    compare_and_set(Order, Order.id == order.id, Order.status == current,
                    conflict=_("订单状态已变化，请刷新后重试。"), status=target, updated_at=utcnow())
    db.session.add(OrderEvent(order_id=order.id, actor_id=actor.id, action=action, kind=kind,
                              params=params, from_status=current, to_status=target, photo=photo))
    notices.order_event(order, kind, params, actor.id)
    if action is Action.ACCEPT:
        tickets.on_accept(order)  # printed after the commit, where the shop set its printer
    db.session.expire(order, ["status", "updated_at", "events"])
    return target


def record(order: Order, actor: User, kind: EventKind, **params) -> None:
    """Record what happened to `order` without moving its status (a payment)."""
    db.session.add(OrderEvent(order_id=order.id, actor_id=actor.id, action=None, kind=kind,
                              params=params, from_status=order.status, to_status=order.status))
    notices.order_event(order, kind, params, actor.id)
    db.session.expire(order, ["events"])


def restock(order: Order) -> None:
    """Put the stock an order took back on sale (lines of a free-text quote took none)."""
    for line in sorted(order.lines, key=lambda line: line.variant_id or 0):
        put_back(line.product_id, line.variant_id, line.quantity)


def stop_tracking(delivery: Delivery | None) -> None:
    """Forget the live position: tracks are kept only from pickup to signature or failure."""
    if delivery is not None:
        delivery.last_lat = delivery.last_lng = delivery.last_accuracy = None
        delivery.last_at = delivery.late_until = None


def parties_rooms(order: Order) -> list[str]:
    """Where the order's current parties hear it: the buyer's sockets, the shop's while it is
    open (not the merchant of a suspended shop), the assigned courier's (not one taken off
    the delivery), and each one's pages watching the order."""
    shop_open = order.shop.status is ShopStatus.ACTIVE
    courier_id = order.delivery.courier_id if order.delivery is not None else None
    rooms = [user_room(order.buyer_id), *order_rooms(order.id, shop_open=shop_open,
                                                     courier_id=courier_id)]
    if shop_open:
        rooms.append(shop_room(order.shop_id))
    if courier_id is not None:
        rooms.append(user_room(courier_id))
    return rooms


def announce(order: Order) -> None:
    """Tell the order's current parties (its pages, the shop's board, the lists) after commit.
    A payment changes no status: `payment` lets a page see that its region is out of date."""
    data = {"id": order.id, "status": str(order.status), "label": LABELS[order.status],
            "payment": str(order.payment_status)}
    emit_after_commit(db.session, "order:updated", data, *parties_rooms(order))
    # Pages of a shared tracking link hear only the status; once the order is final nothing
    # more (its room is emptied on every process).
    emit_after_commit(db.session, "track:updated", {"id": order.id, "status": str(order.status)},
                      link_room(order.id))
    if order.is_final:
        close_after_commit(db.session, link_room(order.id))


def finish(order: Order) -> Order:
    """Announce the change and commit it: the one commit of an order action."""
    announce(order)
    db.session.commit()
    return order
