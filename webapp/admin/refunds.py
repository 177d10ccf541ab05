"""Refunds the admin looks after (issue 18): those the channel could not take after every
attempt (FAILED), and those still being tried after a failure (REQUESTED or PROCESSING with
attempts), oldest first, a page at a time; "send again" sends one now. Each is audited."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from webapp import audit, paging
from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import Order, Payment, Refund, Shop, User, utcnow
from webapp.paging import Key
from webapp.payments.refunds import retry_failed, send_due
from webapp.payments.state import RefundState
from webapp.web import Conflict, ServiceError

QUEUE_PAGE = 12
QUEUE_KEY = (Key(Refund.id, value=lambda row: row.Refund.id),)
TRYING = (RefundState.REQUESTED, RefundState.PROCESSING)
# Read along ix_refund_status_due (status first): the failed and unfinished refunds only, never
# the succeeded ones, which are nearly all of them; those few are then sorted by id.
NEEDS_LOOKING_AT = or_(Refund.status == RefundState.FAILED,
                       and_(Refund.status.in_(TRYING), Refund.attempts > 0))


def _rows():
    return (select(Refund, Shop.name.label("shop_name"), Shop.handle, Payment.channel)
            .join(Order, Order.id == Refund.order_id).join(Shop, Shop.id == Order.shop_id)
            .join(Payment, Payment.id == Refund.payment_id))


def queue(after: tuple | None = None) -> paging.Page:
    """A page of the refunds to look at, oldest first, after the cursor `after`."""
    return paging.keyset(_rows().where(NEEDS_LOOKING_AT), QUEUE_KEY, after, QUEUE_PAGE,
                         scalars=False)


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Refund).where(NEEDS_LOOKING_AT))


def row_of(refund_id: int):
    """One refund as a row of the queue (with its shop and channel), whatever its status."""
    row = db.session.execute(_rows().where(Refund.id == refund_id)).one_or_none()
    if row is None:
        raise ServiceError(_("找不到该退款"), 404)
    return row


def needs_looking_at(refund: Refund) -> bool:
    return refund.status is RefundState.FAILED or (refund.status in TRYING and refund.attempts > 0)


def send_again(refund_id: int, actor: User):
    """Send a refund to its channel again now, at the admin's word (its cause fixed): a failed
    one starts its attempts over (retry_failed), one still being tried is tried now rather than
    at its next time. The audit log keeps who did it and where the refund stood; the refund's
    own events say how it went. Returns the refund's row after the attempt."""
    refund = row_of(refund_id).Refund
    if not needs_looking_at(refund):
        raise Conflict(_("这笔退款已经不需要处理了，请刷新列表。"))
    audit.record(actor, "refund.sent_again", refund, status=str(refund.status),
                 attempts=refund.attempts, last_error=refund.last_error)
    if refund.status is RefundState.FAILED:
        retry_failed(refund)  # commits the audit row with the move
    else:
        update_where(Refund, Refund.id == refund.id, Refund.status == refund.status,
                     Refund.attempts == refund.attempts, next_attempt_at=utcnow())
        db.session.commit()
    send_due(order_id=refund.order_id)
    db.session.expire_all()
    return row_of(refund_id)
