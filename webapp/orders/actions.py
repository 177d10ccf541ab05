"""One function per action the shop or the buyer takes on an order. Each checks the state
machine, applies the change with a conditional UPDATE, records the event, commits, and only
then announces it. The courier's steps are in webapp.delivery.actions, signing in
webapp.orders.signing."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.cas import compare_and_set
from webapp.demands.reopening import reopen_for
from webapp.extensions import db
from webapp.models import Delivery, EventKind, Order, Role, Status, User, utcnow
from webapp.orders.queries import order_for
from webapp.orders.returns import goods_back
from webapp.orders.state import LABELS, PAYABLE, Action
from webapp.orders.transitions import apply, finish, record, restock, stop_tracking
from webapp.payments.pending import close_pending
from webapp.payments.refunds import owed_on, send_due
from webapp.web import MAX_ID, Conflict, ServiceError


def accept(order_id: int, actor: User) -> Order:
    """Accept a placed order as its shop's owner."""
    order = order_for(actor, order_id)
    apply(order, Action.ACCEPT, actor, EventKind.ACCEPTED)
    return finish(order)


def refuse(order_id: int, actor: User, reason: str) -> Order:
    """Refuse a placed order with a reason; its stock goes back on sale."""
    order = order_for(actor, order_id)
    if actor.role is not Role.MERCHANT:
        raise ServiceError(_("你不能对该订单执行此操作。"), 403)
    apply(order, Action.REFUSE, actor, EventKind.REFUSED_BY_SHOP, reason=reason.strip()[:200])
    restock(order)
    reopen_for(order)
    return _refunded(order)


def cancel(order_id: int, actor: User, reason: str = "") -> Order:
    """Cancel an order: the buyer before the shop accepts it, the shop after accepting it and
    before a courier is assigned (with a reason the buyer sees), either after a failed delivery.
    The stock goes back on sale; a failed delivery's goods come back as a return the shop
    confirms on receipt, which restocks them."""
    order = order_for(actor, order_id)
    reason = (reason or "").strip()[:200]
    by_shop = actor.role is Role.MERCHANT
    if by_shop and not reason and order.status in (Status.ACCEPTED, Status.DELIVERY_FAILED):
        raise ServiceError(_("请选择取消原因，买家会看到它。"), 422)
    unpaid = order.status is Status.AWAITING_PAYMENT
    failed = order.status is Status.DELIVERY_FAILED
    apply(order, Action.CANCEL, actor,
          EventKind.CANCELLED_BY_SHOP if by_shop else EventKind.CANCELLED_BY_BUYER, reason=reason)
    if failed:
        goods_back(order)
    else:
        restock(order)
        reopen_for(order)
    if unpaid:
        close_pending(order)
    return _refunded(order)


def _refunded(order: Order) -> Order:
    """Commit a cancellation; an order paid online owes its payment back, sent at once."""
    if order.prepaid and owed_on(order, "cancelled") is not None:
        finish(order)
        send_due(order_id=order.id)
        return order
    return finish(order)


def assign(order_id: int, actor: User, courier_id: int | None) -> Order:
    """Hand an accepted (or failed) order to one of the shop's couriers."""
    order = order_for(actor, order_id)
    courier = db.session.scalar(select(User).where(
        User.id == courier_id, User.role == Role.COURIER, User.shop_id == order.shop_id,
        User.active.is_(True))) if courier_id and 0 < courier_id <= MAX_ID else None
    if courier is None:
        raise ServiceError(_("请选择本店的骑手。"), 422)
    # The courier's id beside the name: an account deletion finds the events that name them
    # (webapp/me/deletion.py), on orders since given to someone else too.
    apply(order, Action.ASSIGN, actor, EventKind.ASSIGNED, courier=courier.display_name,
          courier_id=courier.id)
    if order.delivery is None:
        db.session.add(Delivery(order_id=order.id, courier_id=courier.id))
    else:
        order.delivery.courier_id = courier.id
        order.delivery.assigned_at = utcnow()
        order.delivery.started_at = order.delivery.arrived_at = None
        stop_tracking(order.delivery)
    db.session.flush()
    db.session.refresh(order, ["delivery"])
    return finish(order)


def confirm_payment(order_id: int, actor: User) -> Order:
    """The courier (at the door) or the shop records that the buyer has paid; once."""
    order = order_for(actor, order_id)
    if actor.role not in (Role.COURIER, Role.MERCHANT):
        raise ServiceError(_("只有骑手或商家可以确认收款。"), 403)
    if order.status is Status.REFUSED:
        raise Conflict(_("商品已全部拒收，本单无需付款。"))
    if order.status not in PAYABLE:
        raise Conflict(_("订单当前为「%(status)s」，买家验货签收后才能确认收款。",
                         status=_(LABELS[order.status])))
    due, refused = order.amount_due_fen, order.refused_fen
    compare_and_set(Order, Order.id == order.id, Order.payment_status == "unpaid",
                    conflict=_("该订单已确认收款。"), payment_status="paid", paid_fen=due)
    # Payment is kept apart from the order's status: the event records it without a move.
    record(order, actor, EventKind.PAID, method=str(order.payment_method), amount_fen=due,
           refused_fen=refused)
    db.session.expire(order, ["payment_status", "paid_fen"])
    return finish(order)
