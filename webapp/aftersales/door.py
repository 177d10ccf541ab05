"""A refund owed at the door (an order paid in cash or by card, no gateway payment): the shop
pays the buyer back itself and says so here, once, for its own requests only; the shop's 待退款
tab; and the admin's list of those the shop has not confirmed in DOOR_REFUND_OVERDUE_DAYS.
Moves only as webapp/aftersales/door_state.py says."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp import paging
from webapp.aftersales import moves, policy, services
from webapp.aftersales.door_state import (
    DoorAction,
    DoorIllegal,
    DoorMethod,
    DoorRefund,
    DoorRoleNotAllowed,
    door_transition,
)
from webapp.cas import compare_and_set
from webapp.extensions import db
from webapp.models import AfterSale, EventKind, Shop, User
from webapp.orders.transitions import record
from webapp.paging import Key, Page
from webapp.web import Conflict, ServiceError

# Oldest owed first: the longest-waiting buyer on top (owed since the request was refunded,
# its updated_at; nothing else moves a refunded request until the shop confirms).
OWED_KEY = (Key(AfterSale.updated_at), Key(AfterSale.id))
NOTE_MAX = 200
METHODS = frozenset(m.value for m in DoorMethod)


def check(request: AfterSale, action: DoorAction, actor) -> DoorRefund:
    """The door refund's status after `action`, or the error the user sees."""
    try:
        return door_transition(request.door_refund, action, actor.role)
    except DoorRoleNotAllowed:
        raise ServiceError(_("你不能对该售后申请执行此操作。"), 403) from None
    except DoorIllegal:
        if request.door_refund is not None:
            raise Conflict(_("这笔退款已确认退还过，不能重复确认。")) from None
        raise Conflict(_("这个售后申请没有待商家退还的款项。")) from None


def confirm(request_id: int, actor: User, method: str, note: str = "") -> AfterSale:
    """Record that the shop paid the buyer back (cash or transfer, with an optional note), once:
    a second tap or another tab gets a Conflict. The order's history says the shop says so."""
    request = services.request_for(actor, request_id)
    target = check(request, DoorAction.CONFIRM, actor)
    if method not in METHODS:
        raise ServiceError(_("请选择退还方式"), 422)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("备注不能超过 %(n)s 字", n=NOTE_MAX), 422)
    now = policy.now()
    compare_and_set(AfterSale, AfterSale.id == request.id,
                    AfterSale.door_refund == request.door_refund,
                    conflict=_("售后申请状态已变化，请刷新后重试。"), door_refund=target,
                    door_refund_paid_at=now, door_refund_method=DoorMethod(method),
                    door_refund_note=note, updated_at=now)
    record(request.order, actor, EventKind.AFTER_SALE_DOOR_REFUNDED, request=request.id,
           amount_fen=request.amount_fen, way=str(method))
    db.session.expire(request)
    return moves.finish(request)


def shop_owed(shop: Shop, after: tuple | None) -> Page:
    """A page of the shop's door refunds it has not said it paid back, oldest first."""
    return paging.keyset(select(AfterSale).where(
        AfterSale.door_refund == DoorRefund.OWED, AfterSale.shop_id == shop.id),
        OWED_KEY, after, services.PAGE)


def overdue_since() -> datetime:
    """Door refunds owed since before this are overdue (DOOR_REFUND_OVERDUE_DAYS)."""
    return policy.now() - timedelta(days=current_app.config["DOOR_REFUND_OVERDUE_DAYS"])


def _overdue():
    return select(AfterSale).where(AfterSale.door_refund == DoorRefund.OWED,
                                   AfterSale.updated_at <= overdue_since())


def overdue(after: tuple | None) -> Page:
    """A page of door refunds no shop confirmed in time, oldest first (the admin's view)."""
    return paging.keyset(_overdue(), OWED_KEY, after, services.PAGE)


def overdue_count() -> int:
    return db.session.scalar(select(func.count()).select_from(_overdue().subquery()))
