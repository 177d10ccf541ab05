"""Refunds the admin looks after (issue 18): the ones the channel could not take after every
attempt, and those being tried again after a failure, listed a page at a time with order, shop,
amount, reason, attempts and last error; "send again" sends one now through the development
gateway and is audited; the courier's delivery page shows the refund's status too."""
from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import select

from tests.support.factories import window_value
from tests.support.helpers import HX, assert_fragment, assert_page, url
from tests.support.orders import take_steps, words
from tests.support.paged import BAD_CURSOR, walk
from tests.support.payments import (
    ALIPAY_SHOP,
    WECHAT_SHOP,
    Gateways,
    approve_account,
    block_outside_connections,
)
from webapp.extensions import db
from webapp.models import AuditLog, EventKind, Order, Payment, Purpose, Refund, Role
from webapp.orders import checkout as order_checkout
from webapp.payments import records
from webapp.payments.channels import PaymentKind
from webapp.payments.devgateway import UNAVAILABLE
from webapp.payments.refunds import owe, send_due
from webapp.payments.state import RefundState
from webapp.web import yuan

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ROW = r'id="refund-case-(\d+)"'


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture
def paid(app, world, gateways, monkeypatch):
    """Place an order of `quantity` units paid online through `channel`, confirmed by the
    gateway (a placed order on the shop's board); returns the order and its payment."""
    block_outside_connections(monkeypatch)
    gateways.reset()
    app.extensions["payment_channels"] = gateways.channels()
    approve_account(world.shop, "wechat", WECHAT_SHOP)
    approve_account(world.shop, "alipay", ALIPAY_SHOP)

    def pay(channel: str = "alipay", quantity: int = 2) -> tuple[Order, Payment]:
        order = order_checkout.place_order(
            world.buyer, world.shop.id, {world.product.id: quantity},
            destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105"),
            window=window_value(app, world.shop), payment_method=f"{channel}_online",
            idempotency_key=secrets.token_hex(16))
        payment = records.start(order, channel, Purpose.PREPAY, PaymentKind.QR)
        gateway = gateways.alipay if channel == "alipay" else gateways.wechat
        gateway.mark_paid(payment.out_trade_no)
        records.check(payment)
        return db.session.get(Order, order.id), db.session.get(Payment, payment.id)

    return pay


def failing(app, gateways, attempts: int = 1):
    """Refunds fail at the gateway from now on, and give up after `attempts`."""
    app.config["REFUND_ATTEMPTS"] = attempts
    gateways.alipay.failure = gateways.wechat.failure = UNAVAILABLE


def healed(app, gateways):
    app.config["REFUND_ATTEMPTS"] = 8
    gateways.alipay.failure = gateways.wechat.failure = None


@pytest.fixture
def admin(client, login_as, make_user):
    return login_as(make_user(Role.ADMIN))


def test_failed_and_retrying_refunds_are_listed_with_what_the_admin_needs(
        app, client, admin, world, gateways, paid):
    order, payment = paid("alipay")
    failing(app, gateways)
    failed = owe(order, payment, 1250, "rejected_lines")
    db.session.commit()
    send_due(order_id=order.id)
    failing(app, gateways, attempts=8)
    retrying = owe(order, payment, 300, "duplicate_payment")
    db.session.commit()
    send_due(order_id=order.id)
    healed(app, gateways)
    untried = owe(order, payment, 100, "cancelled")  # owed, not sent yet: nothing wrong with it
    db.session.commit()
    assert (failed.status, failed.attempts) == (RefundState.FAILED, 1)
    assert (retrying.status, retrying.attempts) == (RefundState.REQUESTED, 1)
    text = assert_page(client.get(url(app, "admin.refunds_queue")))
    assert [int(i) for i in re.findall(ROW, text)] == [failed.id, retrying.id]
    assert f'id="refund-case-{untried.id}"' not in text
    shown = words(text)
    assert "退款处理 2" in shown
    assert (f"订单 #{order.id} · ¥12.50 退款失败 店铺 {world.shop.name} 原因 签收时拒收的商品 "
            f"渠道 支付宝 · {failed.out_refund_no} 尝试 1 次 最近错误 GatewayUnavailable") in shown
    assert f"订单 #{order.id} · ¥3.00 退款待发起 店铺 {world.shop.name} 原因 重复付款" in shown
    assert text.count(">重新发起退款</button>") == 2
    english = words(client.get(url(app, "admin.refunds_queue"),
                               headers={"Accept-Language": "en"}).text)
    assert f"Order #{order.id} · ¥12.50 Refund failed Shop {world.shop.name}" in english
    assert "Attempts 1 Last error GatewayUnavailable" in english and "Send again" in english


def test_the_queue_comes_a_page_at_a_time(app, client, admin, gateways, paid):
    order, payment = paid("wechat", quantity=5)
    failing(app, gateways)
    made = [owe(order, payment, 10 + n, "duplicate_payment") for n in range(14)]
    db.session.commit()
    send_due(order_id=order.id)
    healed(app, gateways)
    ids, texts = walk(client, url(app, "admin.refunds_queue"), ROW)
    assert ids == [refund.id for refund in made] and len(texts) == 2
    assert "退款处理 14" in words(texts[0])
    bad = client.get(url(app, "admin.refunds_queue", after="WyJ4Il0"), headers=HX)
    assert bad.status_code == 400 and BAD_CURSOR in bad.text


@pytest.mark.parametrize("channel", ["alipay", "wechat"])
def test_send_again_sends_a_failed_refund_now_and_is_audited(app, client, admin, world,
                                                             gateways, paid, channel):
    order, payment = paid(channel)
    failing(app, gateways)
    refund = owe(order, payment, 1250, "rejected_lines")
    db.session.commit()
    send_due(order_id=order.id)
    assert db.session.get(Refund, refund.id).status is RefundState.FAILED
    healed(app, gateways)  # the cause is fixed
    response = client.post(url(app, "admin.send_refund", refund_id=refund.id), headers=HX)
    text = words(assert_fragment(response, f"refund-case-{refund.id}"))
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    # Alipay refunds at once; WeChat Pay takes it and is asked again later.
    expected = RefundState.SUCCEEDED if channel == "alipay" else RefundState.PROCESSING
    assert (refund.status, refund.attempts) == (expected, 0)
    if channel == "alipay":
        assert "退款 ¥12.50 已退回买家。" in text and "重新发起退款" not in text
        assert db.session.get(Order, order.id).events[-1].kind is EventKind.REFUNDED
    else:
        assert "已重新发起退款 ¥12.50：退款中。" in text
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "refund.sent_again"))
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (admin.id, "refund",
                                                                     refund.id)
    assert entry.detail["status"] == "failed" and "GatewayUnavailable" in entry.detail["last_error"]
    # Sent again already: a second tap (another tab) is told so, and nothing is sent twice.
    calls = len((gateways.alipay if channel == "alipay" else gateways.wechat).calls)
    again = client.post(url(app, "admin.send_refund", refund_id=refund.id), headers=HX)
    if channel == "alipay":
        assert again.status_code == 409 and "已经不需要处理" in again.text
        assert len(gateways.alipay.calls) == calls


def test_send_again_without_javascript_comes_back_to_the_queue(app, client, admin, gateways, paid):
    order, payment = paid("alipay")
    failing(app, gateways, attempts=8)
    refund = owe(order, payment, 500, "duplicate_payment")
    db.session.commit()
    send_due(order_id=order.id)
    assert (refund.status, refund.attempts) == (RefundState.REQUESTED, 1)
    healed(app, gateways)
    response = client.post(url(app, "admin.send_refund", refund_id=refund.id))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(url(app, "admin.refunds_queue"))
    page = words(client.get(response.headers["Location"]).text)
    assert "退款 ¥5.00 已退回买家。" in page and "没有需要处理的退款。" in page
    db.session.expire_all()
    assert db.session.get(Refund, refund.id).status is RefundState.SUCCEEDED


def test_the_courier_sees_the_refund_on_the_delivery_page(app, world, gateways, paid, as_party):
    order, _ = paid("wechat")
    take_steps(order.id, world, ["accept", "assign", "start", "arrive", "sign_refusing_all"])
    page = words(as_party(world.courier).get(url(app, "delivery.detail", order_id=order.id)).text)
    assert f"退款 {yuan(order.total_fen)}：签收时拒收的商品" in page
    assert re.search(r"签收时拒收的商品 (退款中|已退款)", page), page
