"""When the gateway fails, lies or refuses, the channel says so with a typed error."""
from __future__ import annotations

import uuid

import pytest

from webapp.payments.channels import (
    BadGatewayResponse,
    GatewayRejected,
    GatewayUnavailable,
    PaymentKind,
    PaymentNotFound,
    ShopAccount,
)
from webapp.payments.devgateway import BAD_SIGNATURE, UNAVAILABLE
from webapp.payments.devgateway.keys import new_key, private_pem


def create(channel, shop, notify_url, amount_fen=6580):
    return channel.create_payment(shop, kind=PaymentKind.QR, out_trade_no="F" + uuid.uuid4().hex[:20],
                                  amount_fen=amount_fen, subject="Tea", notify_url=notify_url)


@pytest.mark.parametrize("failure, error", [(UNAVAILABLE, GatewayUnavailable),
                                            (BAD_SIGNATURE, BadGatewayResponse)])
def test_gateway_failures(world, channels, channel_name, shop, failure, error):
    gateway = world.alipay if channel_name == "alipay" else world.wechat
    link = create(channels[channel_name], shop, world.notify_url)
    gateway.failure = failure
    for call in (lambda: create(channels[channel_name], shop, world.notify_url),
                 lambda: channels[channel_name].query_payment(shop, link.out_trade_no)):
        with pytest.raises(error):
            call()
    gateway.failure = None
    assert channels[channel_name].query_payment(shop, link.out_trade_no).out_trade_no == link.out_trade_no


def test_a_signature_the_gateway_does_not_trust_is_refused(world, channel_name, shop):
    """The platform's key is not the one the gateway knows: the gateway refuses the request."""
    key = "ALIPAY_APP_PRIVATE_KEY" if channel_name == "alipay" else "WECHATPAY_PRIVATE_KEY"
    channel = world.channels(**{key: private_pem(new_key())})[channel_name]
    with pytest.raises(GatewayRejected) as refused:
        create(channel, shop, world.notify_url)
    assert "signature" in str(refused.value).lower()
    assert not isinstance(refused.value, PaymentNotFound)


@pytest.mark.parametrize("name, account", [
    ("alipay", ShopAccount(merchant_id="2088000000000102", auth_token="token-of-no-one")),
    ("wechat", ShopAccount(merchant_id="1900000102")),
])
def test_a_shop_the_platform_may_not_act_for(world, channels, name, account):
    with pytest.raises(GatewayRejected):
        create(channels[name], account, world.notify_url)


@pytest.mark.parametrize("refund_fen", [6581, 0])
def test_refunds_beyond_the_payment_are_refused(world, channels, channel_name, shop, refund_fen):
    channel = channels[channel_name]
    link = create(channel, shop, world.notify_url)
    (world.alipay if channel_name == "alipay" else world.wechat).pay(link.out_trade_no)
    with pytest.raises(GatewayRejected):
        channel.refund(shop, out_trade_no=link.out_trade_no, out_refund_no=link.out_trade_no + "R",
                       amount_fen=refund_fen, total_fen=6580, reason="Too much")


def test_an_unpaid_payment_cannot_be_refunded(world, channels, channel_name, shop):
    link = create(channels[channel_name], shop, world.notify_url)
    with pytest.raises(GatewayRejected):
        channels[channel_name].refund(shop, out_trade_no=link.out_trade_no, out_refund_no="R1",
                                      amount_fen=100, total_fen=6580, reason="Nothing paid")


def test_a_gateway_that_is_not_there(world, channel_name, shop):
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens
    key = "ALIPAY_GATEWAY_URL" if channel_name == "alipay" else "WECHATPAY_GATEWAY_URL"
    channel = world.channels(**{key: closed + ("/gateway.do" if channel_name == "alipay" else "")})
    with pytest.raises(GatewayUnavailable):
        channel[channel_name].query_payment(shop, "F-anything")
