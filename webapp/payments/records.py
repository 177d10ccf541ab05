"""Payments as records: starting one at a gateway, settling it on the gateway's verified word
(a notification or a query), and what that means for its order.

Money never passes through the platform: each payment is made for the shop's own account
(`ShopPaymentAccount`, approved by an admin) through the channel's partner mode. Statuses move as
webapp/payments/state.py says, each with one conditional UPDATE, so a notification delivered
twice, two at once, or a query racing a notification settle a payment once. The gateway is
never called inside a transaction."""
from __future__ import annotations

import logging
import secrets
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import select

from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import (
    Channel,
    EventKind,
    Order,
    Payment,
    Purpose,
    Status,
    utcnow,
)
from webapp.models.order import METHOD_CHANNEL
from webapp.orders import autoaccept
from webapp.orders.state import Action
from webapp.orders.transitions import SYSTEM, announce, apply, record
from webapp.payments.accounts import NoChannel, account_for, client_and_account
from webapp.payments.channels import (
    NotificationMismatch,
    PaymentKind,
    PaymentLink,
    PaymentResult,
    PaymentStatus,
)
from webapp.payments.refunds import owe
from webapp.payments.state import PaymentEvent, PaymentMoveError, PaymentState, payment_move
from webapp.realtime import emit_after_commit, shop_room
from webapp.web import public_url

log = logging.getLogger(__name__)


__all__ = ["NoChannel", "UnknownPayment", "check", "pending_for", "settle", "start"]


class UnknownPayment(NotificationMismatch):
    """A correctly signed result about a payment this platform never started."""


def due_fen(order: Order, purpose: Purpose) -> int:
    """What a payment of `order` is for: the whole order online, the amount due at the door."""
    return order.total_fen if purpose is Purpose.PREPAY else order.amount_due_fen


def start(order: Order, channel: str, purpose: Purpose, kind: PaymentKind, *,
          client_ip: str = "", return_url: str = "") -> Payment:
    """Record a pending payment of `order` through `channel` and ask the gateway for where the
    buyer pays (a page or a QR code). Other pending payments of the order for the same purpose
    are closed here (the buyer changed channel or asked again). Raises NoChannel, or the
    channel's PaymentError (the payment is then closed)."""
    client, account = client_and_account(order.shop_id, channel)
    now = utcnow()
    update_where(Payment, Payment.order_id == order.id, Payment.purpose == purpose,
                 Payment.status == PaymentState.PENDING, status=PaymentState.CLOSED, closed_at=now)
    payment = Payment(order_id=order.id, channel=Channel(channel), purpose=purpose,
                      kind=kind.value, amount_fen=due_fen(order, purpose),
                      merchant_id=account.merchant_id,
                      out_trade_no=f"P{order.id}T{secrets.token_hex(8)}")
    db.session.add(payment)
    db.session.commit()  # recorded before the gateway hears of it: a notification finds it
    minutes = current_app.config["PAYMENT_MINUTES"]
    try:
        link: PaymentLink = client.create_payment(
            account, kind=kind, out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen,
            subject=f"{order.shop.name} #{order.id}"[:120],
            notify_url=public_url("payments.notify", channel=channel),
            return_url=return_url, client_ip=client_ip,
            expires_at=(order.created_at + timedelta(minutes=minutes)).replace(tzinfo=UTC)
            if purpose is Purpose.PREPAY else None)
    except Exception:
        update_where(Payment, Payment.id == payment.id, Payment.status == PaymentState.PENDING,
                     status=PaymentState.CLOSED, closed_at=utcnow())
        db.session.commit()
        raise
    update_where(Payment, Payment.id == payment.id, link=link.url)
    db.session.commit()
    db.session.refresh(payment)
    return payment


def settle(result: PaymentResult) -> Payment:
    """Act on a verified result from the gateway, once: the payment PAID (or CLOSED), and its
    order moved on. Raises UnknownPayment, or NotificationMismatch for a result about another
    shop or amount. Anything already settled is left as it is."""
    payment = db.session.scalar(select(Payment).where(Payment.out_trade_no == result.out_trade_no))
    if payment is None or str(payment.channel) != result.channel:
        raise UnknownPayment(f"no {result.channel} payment {result.out_trade_no!r}")
    # The account the payment was made for (the shop's account may be under review again since).
    merchant_id = payment.merchant_id
    if not merchant_id:
        shop_account = account_for(payment.order.shop_id, payment.channel)
        merchant_id = shop_account.merchant_id if shop_account else ""
    result.ensure_matches(out_trade_no=payment.out_trade_no, amount_fen=payment.amount_fen,
                          merchant_id=merchant_id)
    if result.status is PaymentStatus.PAID:
        _confirm(payment, result)
    elif result.status is PaymentStatus.CLOSED and payment.status is PaymentState.PENDING:
        update_where(Payment, Payment.id == payment.id, Payment.status == PaymentState.PENDING,
                     status=PaymentState.CLOSED, closed_at=utcnow())
        db.session.commit()
    return payment


def _confirm(payment: Payment, result: PaymentResult) -> None:
    current = payment.status
    try:
        payment_move(current, PaymentEvent.CONFIRMED)
    except PaymentMoveError:
        return  # already paid: a second notification, or a query after one
    paid_at = (result.paid_at or utcnow()).replace(tzinfo=None)
    if update_where(Payment, Payment.id == payment.id, Payment.status == current,
                    status=PaymentState.PAID, transaction_id=result.transaction_id[:64],
                    paid_at=paid_at) != 1:
        db.session.rollback()  # settled a moment ago by the other notification or query
        return
    order = payment.order
    facts = dict(channel=str(payment.channel), amount_fen=payment.amount_fen,
                 transaction=result.transaction_id)
    if payment.purpose is Purpose.PREPAY:
        _prepaid(order, payment, facts)
    else:
        _paid_at_door(order, payment, facts)
    announce(order)
    db.session.commit()
    if payment.purpose is Purpose.PREPAY:
        # On the board now: a shop that auto-accepts takes it, as an order paid at the door.
        autoaccept.after_placed(order.id)
    db.session.refresh(payment)


def _prepaid(order: Order, payment: Payment, facts: dict) -> None:
    """An online payment at checkout: the order goes to the shop's board. Paid too late (the
    order expired or was cancelled) or twice (another channel was paid first): owed back."""
    taken = update_where(Order, Order.id == order.id, Order.status == Status.AWAITING_PAYMENT,
                         Order.payment_status == "unpaid", payment_status="paid",
                         paid_fen=payment.amount_fen, placed_at=utcnow())
    if taken:
        db.session.expire(order)
        apply(order, Action.PAY, SYSTEM, EventKind.PAID_ONLINE, **facts)
        emit_after_commit(db.session, "order:placed", {"id": order.id, "status": "placed"},
                          shop_room(order.shop_id))
        return
    db.session.expire(order)
    record(order, SYSTEM, EventKind.PAID_ONLINE, **facts)
    owe(order, payment, payment.amount_fen,
        "late_payment" if order.status is Status.CANCELLED else "duplicate_payment")


def _paid_at_door(order: Order, payment: Payment, facts: dict) -> None:
    """A payment scanned at the door: the order is paid, for the amount the code asked."""
    taken = update_where(Order, Order.id == order.id, Order.payment_status == "unpaid",
                         payment_status="paid", paid_fen=payment.amount_fen)
    db.session.expire(order)
    record(order, SYSTEM, EventKind.PAID_ONLINE, **facts)
    if not taken:  # paid already (cash confirmed, or another code): the money goes back
        owe(order, payment, payment.amount_fen, "duplicate_payment")


def check(payment: Payment) -> Payment:
    """Ask the gateway about a pending payment (a late or lost notification) and settle it."""
    if payment.status is not PaymentState.PENDING:
        return payment
    client, account = client_and_account(payment.order.shop_id, payment.channel)
    return settle(client.query_payment(account, payment.out_trade_no))


def pending_for(order: Order, purpose: Purpose) -> Payment | None:
    """The order's newest payment for `purpose` (pending, else the last one)."""
    return db.session.scalar(select(Payment).where(
        Payment.order_id == order.id, Payment.purpose == purpose).order_by(Payment.id.desc())
        .limit(1))


def channel_of(order: Order) -> str | None:
    return METHOD_CHANNEL.get(order.payment_method)
