"""The payments' scheduled commands (cron, every minute) against the development gateways:
`flask payments reconcile` finds a payment whose notification was lost (asking only about
payments pending for more than a minute and less than a day, skipping a gateway that is away),
and `flask payments refunds` sends a refund the gateway could not take at first."""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.factories import window_value
from tests.support.orders import take_steps
from tests.support.payments import (
    ALIPAY_SHOP,
    WECHAT_SHOP,
    Gateways,
    approve_account,
    block_outside_connections,
)
from webapp.extensions import db
from webapp.models import Order, Payment, Purpose, Refund, Status, utcnow
from webapp.orders import checkout as order_checkout
from webapp.payments import records
from webapp.payments.channels import PaymentKind
from webapp.payments.devgateway import UNAVAILABLE
from webapp.payments.state import PaymentState, RefundState

pytestmark = pytest.mark.db

ACCOUNTS = {"alipay": ALIPAY_SHOP, "wechat": WECHAT_SHOP}


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture(params=["alipay", "wechat"])
def channel(request):
    return request.param


@pytest.fixture
def gateway(gateways, channel):
    return gateways.alipay if channel == "alipay" else gateways.wechat


@pytest.fixture
def paying(app, world, gateways, channel, monkeypatch):
    """An order of `world`'s buyer awaiting its online payment, the payment started."""
    block_outside_connections(monkeypatch)
    gateways.reset()
    app.extensions["payment_channels"] = gateways.channels()
    approve_account(world.shop, channel, ACCOUNTS[channel])
    order = order_checkout.place_order(
        world.buyer, world.shop.id, {world.product.id: 2},
        destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105"),
        window=window_value(app, world.shop), payment_method=f"{channel}_online",
        idempotency_key=secrets.token_hex(16))
    return order, records.start(order, channel, Purpose.PREPAY, PaymentKind.QR)


def run(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["payments", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def started(payment: Payment, ago: timedelta) -> None:
    db.session.get(Payment, payment.id).created_at = utcnow() - ago
    db.session.commit()


def test_reconcile_finds_a_payment_whose_notification_was_lost(app, channel, gateway, paying, caplog):
    order, payment = paying
    gateway.mark_paid(payment.out_trade_no)  # the buyer paid; the notification never came
    # Just started: its notification may still be on its way. A day old: long expired.
    assert run(app, "reconcile").endswith("asked about 0 pending payments, 0 changed\n")
    started(payment, timedelta(days=1, minutes=1))
    assert "asked about 0 pending payments" in run(app, "reconcile")
    started(payment, timedelta(minutes=2))
    gateway.failure = UNAVAILABLE  # logged, left for the next run
    with caplog.at_level(logging.WARNING, logger="webapp.payments.commands"):
        assert run(app, "reconcile").endswith("asked about 1 pending payments, 0 changed\n")
    assert f"{payment.out_trade_no} (order {order.id}): not reconciled" in caplog.text
    assert db.session.get(Payment, payment.id).status is PaymentState.PENDING
    gateway.failure = None
    printed = run(app, "reconcile")
    assert f"order {order.id}: {channel} payment {payment.out_trade_no} pending -> paid\n" in printed
    assert printed.endswith("asked about 1 pending payments, 1 changed\n")
    stored = db.session.get(Order, order.id)
    assert (stored.status, stored.payment_status) == (Status.PLACED, "paid")
    assert run(app, "reconcile").endswith("asked about 0 pending payments, 0 changed\n")


def test_a_refund_the_gateway_could_not_take_is_sent_on_a_later_run(app, world, channel, gateway,
                                                                    paying):
    order, payment = paying
    gateway.mark_paid(payment.out_trade_no)
    records.check(payment)
    gateway.failure = UNAVAILABLE  # away when the buyer refuses everything at the door
    take_steps(order.id, world, ["accept", "assign", "start", "arrive", "sign_refusing_all"])
    refund = db.session.scalar(select(Refund).where(Refund.order_id == order.id))
    assert (refund.status, refund.attempts) == (RefundState.REQUESTED, 1)
    gateway.failure = None
    assert run(app, "refunds") == "finished 0 refunds\n"  # its next attempt is not due yet
    finished = []
    for _ in range(2):  # a minute later, and (WeChat Pay said "processing") a minute after
        db.session.get(Refund, refund.id).next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        finished.append(run(app, "refunds"))
        if db.session.get(Refund, refund.id).status is RefundState.SUCCEEDED:
            break
    assert finished[-1] == "finished 1 refunds\n"
    assert db.session.get(Refund, refund.id).status is RefundState.SUCCEEDED
    # The gateway refunded it once, in full.
    if channel == "alipay":
        assert gateway.trades[payment.out_trade_no].refunds == {refund.out_refund_no: order.total_fen}
    else:
        refunds = gateway.payments[payment.out_trade_no].refunds
        assert [r["amount"]["refund"] for r in refunds.values()] == [order.total_fen]
