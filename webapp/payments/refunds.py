"""Money owed back to a buyer, paid back through the channel it came by.

A refund is recorded (REQUESTED) in the same transaction as what made it owed: lines rejected at
the door, an order cancelled after it was paid, a payment that arrived after its order expired
or twice. `send_due()` (after such a commit, and from `flask payments refunds` by cron) sends it
to the channel's refund API under its own out_refund_no, so a retry can never refund twice; a
gateway that is away or says no is tried again later, with growing waits, until REFUND_ATTEMPTS
run out and the refund is FAILED for an admin to look at."""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import EventKind, Order, Payment, Purpose, Refund, utcnow
from webapp.orders.transitions import SYSTEM, announce, record
from webapp.payments.accounts import NoChannel, client_and_account
from webapp.payments.channels import PaymentError, RefundResult, RefundStatus
from webapp.payments.state import REFUND_REASONS, PaymentState, RefundEvent, RefundState, refund_move

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)  # a refund being sent is not picked up by another sweep meanwhile
PROCESSING_CHECK = timedelta(minutes=1)


def owe(order: Order, payment: Payment, amount_fen: int, reason: str,
        lines: list | tuple = ()) -> Refund | None:
    """Record that `amount_fen` of `payment` goes back to the buyer (the caller commits)."""
    if amount_fen <= 0:
        return None
    refund = Refund(order_id=order.id, payment_id=payment.id, amount_fen=amount_fen,
                    reason=reason, lines=[list(line) for line in lines],
                    out_refund_no=f"R{order.id}T{secrets.token_hex(8)}")
    db.session.add(refund)
    record(order, SYSTEM, EventKind.REFUND_OWED, amount_fen=amount_fen, reason=reason)
    return refund


def paid_prepayment(order: Order) -> Payment | None:
    """The order's online payment at checkout that the gateway confirmed (the first, if the
    buyer paid twice: the second is owed back whole)."""
    return db.session.scalar(select(Payment).where(
        Payment.order_id == order.id, Payment.purpose == Purpose.PREPAY,
        Payment.status == PaymentState.PAID).order_by(Payment.id).limit(1))


def owed_on(order: Order, reason: str, keep_fen: int = 0, lines: list | tuple = ()) -> Refund | None:
    """Owe back what the order's paid online payment holds beyond `keep_fen` and what is owed
    already: all of it for a cancellation, the rejected lines after signing."""
    payment = paid_prepayment(order)
    if payment is None:
        return None
    owed = db.session.scalar(select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.payment_id == payment.id))
    return owe(order, payment, payment.amount_fen - keep_fen - owed, reason, lines)


def send_due(limit: int = 50, *, order_id: int | None = None) -> int:
    """Send the refunds that are due (or ask about those the gateway is processing); how many
    finished. Never raises for a gateway's trouble: the refund waits for its next attempt."""
    now = utcnow()
    query = select(Refund.id).where(
        Refund.status.in_((RefundState.REQUESTED, RefundState.PROCESSING)),
        or_(Refund.next_attempt_at.is_(None), Refund.next_attempt_at <= now))
    if order_id is not None:
        query = query.where(Refund.order_id == order_id)
    done = 0
    for refund_id in db.session.scalars(query.order_by(Refund.next_attempt_at).limit(limit)).all():
        done += _attempt(refund_id, now)
    return done


def _attempt(refund_id: int, now) -> int:
    refund = db.session.get(Refund, refund_id)
    # Claim it: only the sweep whose UPDATE moved the next attempt on sends it now.
    if update_where(Refund, Refund.id == refund.id, Refund.status == refund.status,
                    Refund.attempts == refund.attempts, next_attempt_at=now + LEASE) != 1:
        db.session.rollback()
        return 0
    db.session.commit()
    payment = refund.payment
    try:
        client, account = client_and_account(refund.order.shop_id, payment.channel)
        if refund.status is RefundState.REQUESTED:
            result = client.refund(
                account, out_trade_no=payment.out_trade_no, out_refund_no=refund.out_refund_no,
                amount_fen=refund.amount_fen, total_fen=payment.amount_fen,
                reason=REFUND_REASONS.get(refund.reason, refund.reason))
        else:
            result = client.query_refund(account, out_trade_no=payment.out_trade_no,
                                         out_refund_no=refund.out_refund_no)
    except (PaymentError, NoChannel) as error:
        log.warning("refund %s not through: %r", refund.out_refund_no, error)
        return _retry(refund, repr(error)[:200], now)
    return _apply(refund, result, now)


def _apply(refund: Refund, result: RefundResult, now) -> int:
    if result.status is RefundStatus.SUCCEEDED:
        _move(refund, RefundEvent.SUCCEEDED, refund_id=result.refund_id[:64], done_at=now,
              next_attempt_at=None)
        record(refund.order, SYSTEM, EventKind.REFUNDED, amount_fen=refund.amount_fen,
               reason=refund.reason)
        announce(refund.order)
        db.session.commit()
        return 1
    if result.status is RefundStatus.PROCESSING:
        if refund.status is RefundState.REQUESTED:
            _move(refund, RefundEvent.SENT, refund_id=result.refund_id[:64])
        update_where(Refund, Refund.id == refund.id, next_attempt_at=now + PROCESSING_CHECK)
        db.session.commit()
        return 0
    return _retry(refund, "the channel reports the refund failed", now)


def _retry(refund: Refund, error: str, now) -> int:
    attempts = refund.attempts + 1
    if attempts >= current_app.config["REFUND_ATTEMPTS"]:
        _move(refund, RefundEvent.GIVE_UP, attempts=attempts, last_error=error,
              next_attempt_at=None)
        record(refund.order, SYSTEM, EventKind.REFUND_FAILED, amount_fen=refund.amount_fen,
               reason=refund.reason)
        announce(refund.order)
    else:
        wait = timedelta(minutes=min(2 ** (attempts - 1), 60))
        _move(refund, RefundEvent.RETRY, attempts=attempts, last_error=error,
              next_attempt_at=now + wait)
    db.session.commit()
    return 0


def _move(refund: Refund, event: RefundEvent, **values) -> None:
    current = refund.status
    update_where(Refund, Refund.id == refund.id, Refund.status == current,
                 status=refund_move(current, event), **values)
    db.session.expire(refund)


def retry_failed(refund: Refund) -> None:
    """An admin sends a failed refund again (its cause fixed): attempts start over."""
    _move(refund, RefundEvent.RETRY, attempts=0, next_attempt_at=utcnow(), last_error="")
    db.session.commit()
