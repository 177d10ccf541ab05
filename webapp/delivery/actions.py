"""The courier's steps on an order: start from the shop, arrive at the door (near its pin, or
with a reason: webapp/delivery/arrival.py), or report that the delivery failed. Each goes through
the order's state machine like every other action."""
from __future__ import annotations

from flask_babel import gettext as _

from webapp.delivery.arrival import NotAtTheDoor, check_arrival, stated_reason
from webapp.extensions import db
from webapp.models import EventKind, Order, User, utcnow
from webapp.orders.queries import order_for
from webapp.orders.reasons import FAIL_REASONS
from webapp.orders.state import Action
from webapp.orders.transitions import apply, check, finish, stop_tracking
from webapp.uploads import CleanImage, discard, store
from webapp.web import ServiceError

# A failed delivery's photo is evidence shown at phone width and opened full screen.
PHOTO_MAX_SIDE = 1600


def start(order_id: int, actor: User) -> Order:
    """Start the delivery from the courier's phone; positions are accepted from now on."""
    order = order_for(actor, order_id)
    apply(order, Action.START, actor, EventKind.STARTED)
    order.delivery.started_at = utcnow()
    return finish(order)


def arrive(order_id: int, actor: User, reason: str = "", words: str = "") -> Order:
    """Mark the courier as arrived at the buyer's address: near its pin by a recent position,
    or with a stated reason (a code of ARRIVE_REASONS, its words, or the courier's own, in
    `words` when `reason` is "other"); else NotAtTheDoor says how far. The event records the
    check and the reason; an order without a pin is taken and recorded as unchecked."""
    order = order_for(actor, order_id)
    check(order, Action.ARRIVE, actor)  # a wrong step is a 409 before any distance
    now = utcnow()
    found = check_arrival(order, now)
    stated = stated_reason(reason, words) if found.needs_reason else ""
    if found.needs_reason and not stated:
        raise NotAtTheDoor(found)
    apply(order, Action.ARRIVE, actor, EventKind.ARRIVED, **found.params(stated))
    order.delivery.arrived_at = now
    return finish(order)


def fail_reason(reason: str | None) -> str:
    """The code of a reason from FAIL_REASONS, given as its code or its words; or refuse."""
    reason = (reason or "").strip()
    code = reason if reason in FAIL_REASONS else next(
        (key for key, label in FAIL_REASONS.items() if label == reason), None)
    if code is None:
        raise ServiceError(_("请选择配送失败的原因。"), 422)
    return code


def may_fail(order_id: int, actor: User, reason: str) -> None:
    """Refuse a failure report as fail() would, before its photo is decoded."""
    order = order_for(actor, order_id)
    fail_reason(reason)
    check(order, Action.FAIL, actor)


def fail(order_id: int, actor: User, reason: str, note: str = "",
         photo: CleanImage | None = None) -> Order:
    """The courier cannot complete the delivery: a reason from FAIL_REASONS (its code or its
    words), an optional note and photo. Tracking stops; the shop can assign it again."""
    order = order_for(actor, order_id)  # a stranger learns nothing, not even what is missing
    code = fail_reason(reason)
    check(order, Action.FAIL, actor)
    name = store(photo, "failures") if photo is not None else None
    try:
        apply(order, Action.FAIL, actor, EventKind.FAILED, photo=name, reason=code,
              note=(note or "").strip()[:150])
        stop_tracking(order.delivery)
        return finish(order)
    except BaseException:
        db.session.rollback()
        if name:
            discard(name)
        raise
