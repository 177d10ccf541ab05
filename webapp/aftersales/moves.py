"""Applying the after-sales state machine to a stored request: check the table, move the status
with one conditional UPDATE (webapp/cas.py), write the request's history and the order's event,
and when it ends refunded, owe the money back through the payments package."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.aftersales import policy
from webapp.aftersales.door_state import DoorAction, door_transition
from webapp.aftersales.labels import ACTION_LABELS, STATUS_LABELS
from webapp.aftersales.state import (
    Action,
    IllegalTransition,
    RoleNotAllowed,
    Status,
    outcome_of,
    transition,
)
from webapp.cas import compare_and_set
from webapp.extensions import db
from webapp.models import AfterSale, AfterSaleEvent, EventKind, Payment, Refund, User
from webapp.orders.transitions import SYSTEM, announce, record
from webapp.payments.refunds import owe
from webapp.payments.state import PaymentState
from webapp.web import Conflict, ServiceError

A, S, K = Action, Status, EventKind

# The order event each move writes: by action, and for a timeout by the status it left.
ORDER_KINDS = {A.AGREE: K.AFTER_SALE_AGREED, A.REFUSE: K.AFTER_SALE_REFUSED,
               A.ESCALATE: K.AFTER_SALE_ESCALATED, A.RULE_FOR_BUYER: K.AFTER_SALE_FOR_BUYER,
               A.RULE_FOR_SHOP: K.AFTER_SALE_FOR_SHOP, A.SHIP: K.AFTER_SALE_SHIPPED,
               A.RECEIVE: K.AFTER_SALE_RECEIVED, A.WITHDRAW: K.AFTER_SALE_WITHDRAWN}
TIMEOUT_KINDS = {S.REQUESTED: K.AFTER_SALE_AGREED, S.REFUSED: K.AFTER_SALE_CLOSED,
                 S.AWAITING_RETURN: K.AFTER_SALE_CLOSED, S.RETURNING: K.AFTER_SALE_RECEIVED}
# What each action records of what was said (the column it fills).
SAID = {A.REFUSE: "shop_note", A.ESCALATE: "buyer_statement", A.SHIP: "return_note",
        A.RULE_FOR_BUYER: "ruling_note", A.RULE_FOR_SHOP: "ruling_note"}


def check(request: AfterSale, action: Action, actor) -> Status:
    """The status `action` leads to, or the error the user sees (before anything is stored)."""
    try:
        return transition(request.status, action, actor.role,
                          outcome_of(request.kind, action, request.status))
    except RoleNotAllowed:
        raise ServiceError(_("你不能对该售后申请执行此操作。"), 403) from None
    except IllegalTransition:
        raise Conflict(_("售后申请当前为「%(status)s」，不能%(action)s。",
                         status=_(STATUS_LABELS[request.status]),
                         action=_(ACTION_LABELS[action]))) from None


def apply(request: AfterSale, action: Action, actor: User, note: str = "") -> Status:
    """Move `request` by `action` once, with what the actor said: a second tap, another tab or
    the sweep that got there first get a Conflict (and the transaction is rolled back). The
    caller commits (finish)."""
    current = request.status
    target = check(request, action, actor)
    now = policy.now()
    said = {SAID[action]: note.strip()} if action in SAID else {}
    compare_and_set(AfterSale, AfterSale.id == request.id, AfterSale.status == current,
                    conflict=_("售后申请状态已变化，请刷新后重试。"), status=target,
                    due_at=policy.due_for(target, now), updated_at=now, **said)
    params = {"note": note.strip()} if note.strip() else {}
    order = request.order
    if target is S.REFUNDED:
        params.update(_pay_back(request))
    db.session.add(AfterSaleEvent(after_sale_id=request.id, actor_id=actor.id, action=action,
                                  from_status=current, to_status=target, params=params, at=now))
    kind = TIMEOUT_KINDS[current] if action is A.TIMEOUT else ORDER_KINDS[action]
    facts = {"request": request.id}
    if kind is K.AFTER_SALE_REFUSED:
        facts["note"] = note.strip()
    if action is A.TIMEOUT:
        facts["timeout"] = 1
    record(order, actor, kind, **facts)
    db.session.expire(request)
    return target


def paid_payment(order_id: int) -> Payment | None:
    """The gateway payment the order was paid by (online at checkout, or the courier's code)."""
    return db.session.scalar(select(Payment).where(
        Payment.order_id == order_id, Payment.status == PaymentState.PAID)
        .order_by(Payment.id).limit(1))


def _pay_back(request: AfterSale) -> dict:
    """Owe the request's amount back: through the channel it was paid by (what is left of that
    payment), or, paid at the door in cash or by card, recorded as owed by the shop."""
    order = request.order
    lines = [(line.order_line_id, line.quantity) for line in request.lines]
    payment = paid_payment(order.id)
    if payment is None:
        record(order, SYSTEM, K.REFUND_OWED, amount_fen=request.amount_fen,
               reason="after_sales_door")
        # Owed by the shop until it says it paid it back (webapp/aftersales/door.py).
        compare_and_set(AfterSale, AfterSale.id == request.id, AfterSale.door_refund.is_(None),
                        conflict=_("售后申请状态已变化，请刷新后重试。"),
                        door_refund=door_transition(None, DoorAction.OWE, SYSTEM.role))
        return {"amount_fen": request.amount_fen, "refund": "door"}
    owed = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.payment_id == payment.id))
    refund = owe(order, payment, min(request.amount_fen, payment.amount_fen - owed),
                 "after_sales", lines)
    if refund is None:
        return {"amount_fen": 0, "refund": "none"}
    db.session.flush()
    compare_and_set(AfterSale, AfterSale.id == request.id, conflict=_("售后申请状态已变化，请刷新后重试。"),
                    refund_id=refund.id)
    return {"amount_fen": refund.amount_fen, "refund": "gateway"}


def finish(request: AfterSale) -> AfterSale:
    """Announce the change to the order's parties and commit: the one commit of a move."""
    announce(request.order)
    db.session.commit()
    return request
