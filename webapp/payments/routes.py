"""Paying online: the gateways' notifications (no login, no form token: only a correctly signed
message is acted on), and the buyer's pay page for an order awaiting its online payment (pay on
this phone, or show a QR code to scan with another; check; change channel)."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Response, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import csrf, limiter
from webapp.models import Purpose, Role, Status
from webapp.orders.queries import order_for
from webapp.payments import bp, records
from webapp.payments.accounts import NoChannel, channels_for, clients
from webapp.payments.channels import NotificationError, PaymentError, PaymentKind
from webapp.payments.qr import qr_svg
from webapp.payments.refunds import send_due
from webapp.web import ServiceError, redirect_to, render, role_required

log = logging.getLogger(__name__)
KINDS = {kind.value: kind for kind in PaymentKind}


@bp.post("/payments/notify/<channel>")
@csrf.exempt
@limiter.exempt
def notify(channel: str):
    """A gateway's asynchronous notification: verified with the channel's own scheme, matched
    to the payment it names (shop, amount), acted on once; answered as the gateway expects."""
    client = clients().get(channel)
    if client is None:
        abort(404)
    try:
        result = client.parse_notification(request.headers, _body())
        payment = records.settle(result)
    except NotificationError as refused:
        log.warning("%s notification refused: %r", channel, refused)
        answer = client.failure_answer(type(refused).__name__)
        return Response(answer.body, answer.status, content_type=answer.content_type)
    send_due(order_id=payment.order_id)  # a late or double payment is owed back at once
    answer = client.success_answer()
    return Response(answer.body, answer.status, content_type=answer.content_type)


def _body() -> bytes:
    """The notification as sent. A form (Alipay's) was parsed already by the app's NUL check,
    which consumed the raw body: its fields are encoded again (the signature covers the
    parameters, sorted, not the bytes)."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return urlencode(list(request.form.items(multi=True))).encode()
    return request.get_data(cache=False)


def _awaiting(order_id: int):
    order = order_for(current_user, order_id)
    if order.buyer_id != current_user.id or not order.prepaid:
        abort(404)
    return order


@bp.get("/orders/<int:order_id>/pay")
@role_required(Role.BUYER)
def pay_page(order_id: int):
    """Where the buyer pays an order awaiting its online payment."""
    order = _awaiting(order_id)
    payment = records.pending_for(order, Purpose.PREPAY)
    qr = (qr_svg(payment.link) if payment is not None and payment.kind == PaymentKind.QR.value
          and payment.link and str(payment.status) == "pending" else None)
    return render("payments/pay.html", order=order, payment=payment, qr=qr,
                  channels=channels_for(order.shop_id), chosen=records.channel_of(order))


@bp.post("/orders/<int:order_id>/pay")
@role_required(Role.BUYER)
def pay(order_id: int):
    """Start paying through the channel picked, on this phone or as a QR code."""
    order = _awaiting(order_id)
    if order.status is not Status.AWAITING_PAYMENT:
        raise ServiceError(_("这笔订单已无需付款。"), 409)
    channel, kind = request.form.get("channel", ""), KINDS.get(request.form.get("kind", ""))
    if channel not in channels_for(order.shop_id) or kind is None:
        raise ServiceError(_("请选择本店支持的支付方式。"), 422)
    try:
        payment = records.start(
            order, channel, Purpose.PREPAY, kind, client_ip=request.remote_addr or "",
            return_url=url_for("payments.pay_page", order_id=order.id, _external=True))
    except (PaymentError, NoChannel) as error:
        log.warning("order %s: %s payment not started: %r", order.id, channel, error)
        raise ServiceError(_("支付渠道暂时不可用，请稍后再试或换一种支付方式。"), 503) from None
    if kind is PaymentKind.MOBILE_WEB:
        return redirect_to(payment.link)
    return redirect_to(url_for("payments.pay_page", order_id=order.id))


@bp.post("/orders/<int:order_id>/pay/check")
@role_required(Role.BUYER)
def check(order_id: int):
    """Ask the gateway now (the buyer paid and the notification is late)."""
    order = _awaiting(order_id)
    payment = records.pending_for(order, Purpose.PREPAY)
    if payment is not None:
        try:
            records.check(payment)
        except (PaymentError, NoChannel) as error:
            log.warning("order %s: payment check failed: %r", order.id, error)
            raise ServiceError(_("暂时查不到支付结果，请稍后再试。"), 503) from None
    return redirect_to(url_for("orders.detail", order_id=order.id))
