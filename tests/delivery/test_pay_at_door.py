"""Paying at the door by scan (issue 18), through the real SDKs and the development gateways on
127.0.0.1: after inspection the courier's page shows the channel's code for the amount due (a
rejected line left out); the gateway's notification marks the order paid once, on all three
parties' pages; a check asks the gateway; cash after a gateway payment is refused, a gateway
payment after cash is owed back; without the channel here the courier confirms as for cash."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from tests.support.delivery import events
from tests.support.helpers import HX, assert_flash_error, url
from tests.support.orders import DUE, two_line_order
from tests.support.payments import (
    ALIPAY_SHOP,
    WECHAT_SHOP,
    Gateways,
    approve_account,
    block_outside_connections,
)
from webapp.extensions import db
from webapp.models import EventKind, Order, OrderEvent, Payment, Purpose, Refund, Status
from webapp.payments.refunds import send_due
from webapp.payments.state import PaymentState, RefundState

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ACCOUNTS = {"alipay": ALIPAY_SHOP, "wechat": WECHAT_SHOP}
SVG = re.compile(r'<figure class="pay-qr">\s*<svg ')


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture(params=["alipay", "wechat"])
def channel(request):
    return request.param


@pytest.fixture
def wired(app, world, gateways, channel, monkeypatch):
    """The development gateways as the app's channels, and `world`'s shop approved at `channel`."""
    block_outside_connections(monkeypatch)
    gateways.reset()
    app.extensions["payment_channels"] = gateways.channels()
    approve_account(world.shop, channel, ACCOUNTS[channel])
    return gateways


@pytest.fixture
def signed(app, world, make_product, wired, channel):
    """An order paid by scan through `channel`, its second line refused at the door: ¥17.50 due."""
    return two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED, channel)


@pytest.fixture
def courier(app, login_as, world):
    client = app.test_client()
    login_as(world.courier, client)
    return client


def gateway_of(gateways, channel):
    return gateways.alipay if channel == "alipay" else gateways.wechat


def notify(app, client, gateways, channel, out_trade_no):
    """The gateway's signed notification that `out_trade_no` was paid, posted to the app."""
    gateway = gateway_of(gateways, channel)
    gateway.mark_paid(out_trade_no)
    if channel == "alipay":
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        body = urlencode(gateway.notification(out_trade_no)).encode()
    else:
        headers, body = gateway.notification(out_trade_no)
    answer = client.post(url(app, "payments.notify", channel=channel), data=body, headers=headers)
    assert answer.status_code in (200, 204), answer.text
    return answer


def show_code(app, courier, order) -> str:
    answer = courier.post(url(app, "delivery.pay_code", order_id=order.id), headers=HX)
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


def door_payments(order_id: int) -> list[Payment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Payment).where(
        Payment.order_id == order_id, Payment.purpose == Purpose.AT_DOOR).order_by(Payment.id)))


def state(order_id: int) -> tuple:
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    count = db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order_id))
    return (order.payment_status, order.paid_fen, count,
            tuple((str(p.status), p.amount_fen) for p in door_payments(order_id)),
            tuple((r.amount_fen, r.reason) for r in order.refunds))


def test_the_code_asks_for_the_amount_due_and_the_notification_marks_it_paid_once(
        app, client, courier, world, gateways, channel, signed, connect):
    order = signed
    assert order.amount_due_fen == 1750 < order.total_fen
    page = courier.get(url(app, "delivery.detail", order_id=order.id)).text
    assert f"出示{'支付宝' if channel == 'alipay' else '微信支付'}收款码 {DUE}" in page
    assert not SVG.search(page)
    assert url(app, "orders.paid", order_id=order.id) in page  # kept, folded away, for cash
    panel = show_code(app, courier, order)
    assert SVG.search(panel) and f"扫码付款 {DUE}" in panel
    [payment] = door_payments(order.id)
    assert (payment.amount_fen, payment.status, payment.kind) == (1750, PaymentState.PENDING, "qr")
    trades = gateways.alipay.trades if channel == "alipay" else gateways.wechat.payments
    assert trades[payment.out_trade_no].total_fen == 1750  # what the gateway will charge
    # The courier's page drawn again shows the same code; tapping again starts nothing new.
    assert SVG.search(courier.get(url(app, "delivery.detail", order_id=order.id)).text)
    show_code(app, courier, order)
    assert [p.id for p in door_payments(order.id)] == [payment.id]

    watchers = {who: connect(getattr(world, who)) for who in ("buyer", "merchant", "courier")}
    for socket in watchers.values():
        assert socket.emit("order:watch", {"order_id": order.id}, callback=True)["payment"] == \
            "unpaid"
        socket.get_received()
    notify(app, client, gateways, channel, payment.out_trade_no)
    paid = state(order.id)
    assert paid[:2] == ("paid", 1750) and paid[3] == (("paid", 1750),) and paid[4] == ()
    assert db.session.get(Order, order.id).events[-1].kind is EventKind.PAID_ONLINE
    for who, socket in watchers.items():  # the event each page's payment part redraws on
        assert events(socket, "order:updated") == [
            {"id": order.id, "status": "partially_refused", "label": "部分拒收",
             "payment": "paid"}], who
    # A second notification (gateways repeat until answered) changes nothing.
    notify(app, client, gateways, channel, payment.out_trade_no)
    assert state(order.id) == paid
    assert all(socket.get_received() == [] for socket in watchers.values())


def test_each_party_sees_the_payment_when_their_part_is_redrawn(
        app, client, as_party, world, gateways, channel, signed, courier):
    order = signed
    show_code(app, courier, order)
    notify(app, client, gateways, channel, door_payments(order.id)[0].out_trade_no)
    panel = courier.get(url(app, "delivery.detail", order_id=order.id), headers=HX).text
    assert 'data-payment="paid"' in panel and f"已收款 {DUE}" in panel
    assert not SVG.search(panel) and url(app, "delivery.pay_code", order_id=order.id) not in panel
    assert url(app, "orders.paid", order_id=order.id) not in panel
    transaction = db.session.get(Order, order.id).payments[-1].transaction_id
    assert transaction and transaction in panel and "已扫码付款：" in panel
    for who in ("buyer", "merchant"):
        part = as_party(getattr(world, who)).get(url(app, "orders.detail", order_id=order.id),
                                                 headers=HX).text
        assert 'data-payment="paid"' in part and f"已收款 {DUE}" in part, who
    board = as_party(world.merchant).get(url(app, "orders.board")).text
    card = re.search(rf'<article [^>]*id="board-order-{order.id}".*?</article>', board, re.S)[0]
    assert 'data-payment="paid"' in card and "已收款" in card


def test_cash_after_a_gateway_payment_is_refused(app, client, courier, gateways, channel, signed):
    order = signed
    show_code(app, courier, order)
    notify(app, client, gateways, channel, door_payments(order.id)[0].out_trade_no)
    paid = state(order.id)
    answer = courier.post(url(app, "orders.paid", order_id=order.id), headers=HX)
    assert_flash_error(answer, 409, "该订单已确认收款")
    assert courier.post(url(app, "delivery.pay_code", order_id=order.id),
                        headers=HX).status_code == 409
    assert state(order.id) == paid


def test_a_gateway_payment_after_cash_is_owed_back(app, client, courier, world, gateways, channel,
                                                   signed):
    order = signed
    show_code(app, courier, order)
    payment = door_payments(order.id)[0]
    # The buyer paid cash after all, and the courier confirmed it; then the code was paid too.
    assert courier.post(url(app, "orders.paid", order_id=order.id), headers=HX).status_code == 200
    assert db.session.get(Order, order.id).events[-1].kind is EventKind.PAID
    assert db.session.get(Order, order.id).events[-1].actor_id == world.courier.id
    notify(app, client, gateways, channel, payment.out_trade_no)
    status, paid_fen, _, payments, refunds = state(order.id)
    assert (status, paid_fen, payments) == ("paid", 1750, (("paid", 1750),))
    assert refunds == ((1750, "duplicate_payment"),)
    for refund in db.session.scalars(select(Refund).where(Refund.order_id == order.id)):
        refund.next_attempt_at = refund.created_at  # WeChat Pay answers "processing" first
    db.session.commit()
    send_due(order_id=order.id)
    db.session.expire_all()
    assert [r.status for r in db.session.get(Order, order.id).refunds] == [RefundState.SUCCEEDED]


def test_check_asks_the_gateway_when_the_notification_is_late(app, courier, gateways, channel,
                                                              signed):
    order = signed
    show_code(app, courier, order)
    payment = door_payments(order.id)[0]
    check = url(app, "delivery.check_pay_code", order_id=order.id)
    answer = courier.post(check, headers=HX)
    assert answer.status_code == 200 and "还没有收到这笔付款" in answer.text
    assert SVG.search(answer.text) and state(order.id)[0] == "unpaid"
    gateway_of(gateways, channel).mark_paid(payment.out_trade_no)  # paid; nothing notified
    answer = courier.post(check)
    assert answer.status_code == 303
    page = courier.get(answer.headers["Location"]).text
    assert "已收到付款" in page and f"已收款 {DUE}" in page
    assert state(order.id)[:2] == ("paid", 1750)


def test_a_code_for_another_amount_is_void_and_replaced(app, courier, channel, signed):
    """The amount due cannot change after signing; if it ever does, the old code is not shown
    and the next one asks for the new amount."""
    order = signed
    show_code(app, courier, order)
    old = door_payments(order.id)[0]
    old.amount_fen = 3350
    db.session.commit()
    page = courier.get(url(app, "delivery.detail", order_id=order.id)).text
    assert not SVG.search(page) and f"应付金额已变为 {DUE}" in page
    assert 'hx-trigger="load"' in page  # started again as soon as the panel is drawn
    assert SVG.search(show_code(app, courier, order))
    assert [(p.id, str(p.status), p.amount_fen) for p in door_payments(order.id)] == [
        (old.id, "closed", 3350), (old.id + 1, "pending", 1750)]


def test_no_code_before_inspection(app, world, make_product, wired, channel, courier):
    order = two_line_order(app, world, make_product, Status.ARRIVED, channel)
    page = courier.get(url(app, "delivery.detail", order_id=order.id)).text
    assert "delivery-%d-code" % order.id not in page
    answer = courier.post(url(app, "delivery.pay_code", order_id=order.id), headers=HX)
    assert_flash_error(answer, 409, "买家验货签收后才能出示收款码")
    assert door_payments(order.id) == []


@pytest.mark.parametrize("missing", ["account", "configuration"])
def test_without_the_channel_here_the_courier_confirms_as_for_cash(
        app, world, make_product, gateways, channel, courier, monkeypatch, missing):
    block_outside_connections(monkeypatch)
    app.extensions["payment_channels"] = gateways.channels() if missing == "account" else {}
    if missing == "configuration":
        approve_account(world.shop, channel, ACCOUNTS[channel])
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED, channel)
    page = courier.get(url(app, "delivery.detail", order_id=order.id)).text
    assert "本店暂未开通" in page and not SVG.search(page)
    answer = courier.post(url(app, "delivery.pay_code", order_id=order.id), headers=HX)
    assert_flash_error(answer, 409, "本店暂未开通该扫码收款")
    assert door_payments(order.id) == []
    assert courier.post(url(app, "orders.paid", order_id=order.id), headers=HX).status_code == 200
    event = db.session.get(Order, order.id).events[-1]
    assert (event.kind, event.actor_id, state(order.id)[:2]) == (EventKind.PAID, world.courier.id,
                                                                  ("paid", 1750))


@pytest.mark.parametrize("method", ["cod", "card"])
def test_cash_and_card_stay_a_confirmation_by_the_courier(app, world, make_product, wired,
                                                          courier, method):
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED, method)
    page = courier.get(url(app, "delivery.detail", order_id=order.id)).text
    assert "delivery-%d-code" % order.id not in page
    assert f"确认已收款 {DUE}" in page
    answer = courier.post(url(app, "delivery.pay_code", order_id=order.id), headers=HX)
    assert_flash_error(answer, 409, "这笔订单不是扫码付款")
    assert courier.post(url(app, "orders.paid", order_id=order.id), headers=HX).status_code == 200
    event = db.session.get(Order, order.id).events[-1]
    assert (event.kind, event.actor_id) == (EventKind.PAID, world.courier.id)
    assert door_payments(order.id) == []
