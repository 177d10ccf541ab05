"""Paying at the door through the gateway: for an order paid by WeChat Pay or Alipay scan, once
the buyer has inspected and signed, the courier's page shows the channel's QR code for exactly
the amount due (rejected lines left out). The gateway's notification marks the order paid
(webapp/payments/records.settle) and every party's page follows. Cash and card stay a
confirmation by the courier (orders.paid), and so does a scan where the shop cannot take the
channel here."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from markupsafe import Markup

from webapp.models import Order, Payment, Purpose, User
from webapp.models.order import METHOD_CHANNEL
from webapp.orders.queries import order_for
from webapp.orders.state import PAYABLE
from webapp.payments import records
from webapp.payments.accounts import NoChannel, channels_for
from webapp.payments.channels import PaymentError, PaymentKind
from webapp.payments.qr import qr_svg
from webapp.payments.state import PaymentState
from webapp.web import Conflict, ServiceError

log = logging.getLogger(__name__)

# The code is shown once the buyer has inspected and signed: the amount due is then final.
SIGNED = PAYABLE


@dataclass(frozen=True)
class DoorCode:
    """What the courier's page shows of a payment by scan: the channel, whether the shop can be
    paid through it here, and the code of the pending payment for the amount due, if any."""

    channel: str
    available: bool
    payment: Payment | None = None
    qr: Markup | None = None
    stale: bool = False  # a code was shown for another amount: a new one is started

    @property
    def amount_fen(self) -> int | None:
        return self.payment.amount_fen if self.qr is not None else None


def channel_of(order: Order) -> str | None:
    """The channel of an order paid by scanning at the door; None for cash, card or online."""
    return None if order.prepaid else METHOD_CHANNEL.get(order.payment_method)


def code_for(order: Order) -> DoorCode | None:
    """The code part of the courier's page, or None where there is none to show (not a scan,
    not signed yet, paid already, nothing due)."""
    channel = channel_of(order)
    if (channel is None or order.status not in SIGNED or order.payment_status != "unpaid"
            or order.amount_due_fen <= 0):
        return None
    if channel not in channels_for(order.shop_id):
        return DoorCode(channel, available=False)
    payment = records.pending_for(order, Purpose.AT_DOOR)
    if payment is None or payment.status is not PaymentState.PENDING or not payment.link:
        return DoorCode(channel, available=True)
    if payment.amount_fen != order.amount_due_fen:
        return DoorCode(channel, available=True, stale=True)
    return DoorCode(channel, available=True, payment=payment, qr=qr_svg(payment.link))


def _scannable(order: Order) -> str:
    channel = channel_of(order)
    if channel is None:
        raise Conflict(_("这笔订单不是扫码付款，请按订单的支付方式收款。"))
    if order.payment_status != "unpaid":
        raise Conflict(_("该订单已确认收款。"))
    if order.status not in SIGNED:
        raise Conflict(_("买家验货签收后才能出示收款码。"))
    if order.amount_due_fen <= 0:
        raise Conflict(_("商品已全部拒收，本单无需付款。"))
    return channel


def show_code(order_id: int, actor: User) -> Order:
    """Start a payment of the amount due through the order's channel, shown as a QR code; one
    pending for that amount already is shown again (a double tap starts nothing new), one for
    another amount is closed and replaced."""
    order = order_for(actor, order_id)
    channel = _scannable(order)
    current = code_for(order)
    if current is not None and current.qr is not None:
        return order
    try:
        records.start(order, channel, Purpose.AT_DOOR, PaymentKind.QR,
                      client_ip=request.remote_addr or "")
    except NoChannel:
        raise Conflict(_("本店暂未开通该扫码收款，请用其他方式收款后确认。")) from None
    except PaymentError as error:
        log.warning("order %s: %s code at the door not started: %r", order.id, channel, error)
        raise ServiceError(_("支付渠道暂时不可用，请稍后再试或改用其他方式收款。"), 503) from None
    return order


def check_code(order_id: int, actor: User) -> tuple[Order, bool]:
    """Ask the gateway about the code shown (its notification is late); the order, and whether
    it is paid now."""
    order = order_for(actor, order_id)
    payment = records.pending_for(order, Purpose.AT_DOOR)
    if channel_of(order) is None or payment is None:
        raise Conflict(_("这笔订单还没有出示过收款码。"))
    if payment.status is PaymentState.PENDING:
        try:
            records.check(payment)
        except (PaymentError, NoChannel) as error:
            log.warning("order %s: code at the door not checked: %r", order.id, error)
            raise ServiceError(_("暂时查不到支付结果，请稍后再试。"), 503) from None
    return order, order.payment_status == "paid"
