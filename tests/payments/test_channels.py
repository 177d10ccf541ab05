"""Each channel, through its real SDK against its development gateway: create both kinds of
payment, query, pay, verify the notification, refund and query the refund."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from tests.support.payments import ALIPAY_SHOP, WECHAT_SHOP
from webapp.payments import configured_channels
from webapp.payments.channels import (
    PaymentKind,
    PaymentNotFound,
    PaymentStatus,
    RefundStatus,
)
from webapp.payments.devgateway import Running

KINDS = [PaymentKind.MOBILE_WEB, PaymentKind.QR]


def gateway(world, name):
    return world.alipay if name == "alipay" else world.wechat


def new_payment(world, channels, name, shop, kind, amount_fen=6580):
    out_trade_no = "T" + uuid.uuid4().hex[:20]
    link = channels[name].create_payment(
        shop, kind=kind, out_trade_no=out_trade_no, amount_fen=amount_fen, subject="Navel oranges 5 kg",
        notify_url=world.notify_url, return_url="http://127.0.0.1:9/back", client_ip="127.0.0.1",
        expires_at=datetime.now(UTC) + timedelta(minutes=15))
    if name == "alipay" and kind is PaymentKind.MOBILE_WEB:
        # An Alipay wap trade exists once the buyer's browser opens the signed URL.
        page = requests.get(link.url, timeout=5)
        assert page.status_code == 200 and out_trade_no in page.text, page.text
    return link


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.value)
def test_create_query_pay_notify(world, channels, channel_name, shop, kind):
    link = new_payment(world, channels, channel_name, shop, kind)
    channel = channels[channel_name]
    expected_url = {("alipay", "mobile_web"): world.config["ALIPAY_GATEWAY_URL"] + "?",
                    ("alipay", "qr"): "https://qr.alipay.com/",
                    ("wechat", "mobile_web"): world.config["WECHATPAY_GATEWAY_URL"] + "/dev/h5/",
                    ("wechat", "qr"): "weixin://wxpay/bizpayurl?pr="}[channel_name, kind.value]
    assert link.url.startswith(expected_url)

    before = channel.query_payment(shop, link.out_trade_no)
    assert (before.status, before.amount_fen, before.transaction_id) == (PaymentStatus.PENDING, 6580, "")

    delivery = gateway(world, channel_name).pay(link.out_trade_no)
    assert delivery.status == 200
    [received] = world.receiver.received
    notice = channel.parse_notification(received.headers, received.body)
    assert (notice.out_trade_no, notice.amount_fen, notice.merchant_id, notice.status) == (
        link.out_trade_no, 6580, shop.merchant_id, PaymentStatus.PAID)
    assert notice.transaction_id and notice.app_id in {world.config["ALIPAY_APP_ID"],
                                                        world.config["WECHATPAY_SP_APPID"]}
    assert abs(notice.paid_at - datetime.now(UTC)) < timedelta(minutes=1)
    notice.ensure_matches(out_trade_no=link.out_trade_no, amount_fen=6580, merchant_id=shop.merchant_id)

    after = channel.query_payment(shop, link.out_trade_no)
    assert (after.status, after.transaction_id, after.amount_fen) == (
        PaymentStatus.PAID, notice.transaction_id, 6580)


def test_refund_in_parts_and_query(world, channels, channel_name, shop):
    channel = channels[channel_name]
    link = new_payment(world, channels, channel_name, shop, PaymentKind.QR)
    gateway(world, channel_name).pay(link.out_trade_no)

    first = channel.refund(shop, out_trade_no=link.out_trade_no, out_refund_no=link.out_trade_no + "R1",
                           amount_fen=1280, total_fen=6580, reason="Rejected at the door")
    assert (first.amount_fen, first.out_refund_no) == (1280, link.out_trade_no + "R1")
    assert first.status in {RefundStatus.SUCCEEDED, RefundStatus.PROCESSING}
    again = channel.refund(shop, out_trade_no=link.out_trade_no, out_refund_no=link.out_trade_no + "R1",
                           amount_fen=1280, total_fen=6580, reason="Rejected at the door")
    assert again.amount_fen == 1280  # a retry of the same refund is not a second refund

    queried = channel.query_refund(shop, out_trade_no=link.out_trade_no,
                                   out_refund_no=link.out_trade_no + "R1")
    assert (queried.status, queried.amount_fen) == (RefundStatus.SUCCEEDED, 1280)
    assert queried.refunded_at is not None

    rest = channel.refund(shop, out_trade_no=link.out_trade_no, out_refund_no=link.out_trade_no + "R2",
                          amount_fen=6580 - 1280, total_fen=6580, reason="Cancelled")
    assert rest.amount_fen == 5300
    with pytest.raises(PaymentNotFound):
        channel.query_refund(shop, out_trade_no=link.out_trade_no, out_refund_no=link.out_trade_no + "R9")


def test_unknown_payment_is_not_found(world, channels, channel_name, shop):
    with pytest.raises(PaymentNotFound):
        channels[channel_name].query_payment(shop, "T-never-created")


@pytest.mark.parametrize("fen", [1, 99, 100, 6580, 123_456_789])
def test_amounts_reach_the_gateway_exactly(world, channels, channel_name, shop, fen):
    link = new_payment(world, channels, channel_name, shop, PaymentKind.QR, amount_fen=fen)
    gateway(world, channel_name).pay(link.out_trade_no)
    [received] = world.receiver.received
    assert channels[channel_name].parse_notification(received.headers, received.body).amount_fen == fen
    assert channels[channel_name].query_payment(shop, link.out_trade_no).amount_fen == fen


def test_the_buyer_pays_on_the_development_page(world, channels, channel_name, shop):
    """What `make run` will show a phone instead of the channel's cashier: a marked page whose
    button pays and sends the notification."""
    link = new_payment(world, channels, channel_name, shop, PaymentKind.MOBILE_WEB, amount_fen=1999)
    page = requests.get(link.url, timeout=5)
    assert "Development gateway" in page.text and "19.99" in page.text
    action = page.text.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    paid = requests.post(requests.compat.urljoin(link.url, action), allow_redirects=False, timeout=5)
    assert paid.status_code in {200, 303}
    if channel_name == "alipay":
        assert paid.headers["Location"] == "http://127.0.0.1:9/back"
    [received] = world.receiver.received
    notice = channels[channel_name].parse_notification(received.headers, received.body)
    assert (notice.out_trade_no, notice.amount_fen, notice.status) == (
        link.out_trade_no, 1999, PaymentStatus.PAID)


def test_the_gateways_work_mounted_under_a_path(world, tmp_path):
    """As `make run` may serve them, beside the app under one address."""
    mounted = DispatcherMiddleware(Response("the app", status=404), {
        "/dev-gateway/alipay": world.alipay, "/dev-gateway/wechatpay": world.wechat})
    with Running(mounted) as server:
        config = world.keys.app_config(alipay_url=f"{server.url}/dev-gateway/alipay/gateway.do",
                                       wechatpay_url=f"{server.url}/dev-gateway/wechatpay",
                                       cert_dir=tmp_path)
        channels = configured_channels(config)
        for name, shop in (("alipay", ALIPAY_SHOP), ("wechat", WECHAT_SHOP)):
            link = new_payment(world, channels, name, shop, PaymentKind.MOBILE_WEB, amount_fen=500)
            page = requests.get(link.url, timeout=5)
            action = page.text.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
            assert action.startswith(f"/dev-gateway/{'alipay' if name == 'alipay' else 'wechatpay'}/")
            requests.post(requests.compat.urljoin(link.url, action), allow_redirects=False, timeout=5)
            assert channels[name].query_payment(shop, link.out_trade_no).status is PaymentStatus.PAID
