"""Orders paid online (issue 18), through the real SDKs and the development gateways on
127.0.0.1: prepay, the gateway's notification, the order on the board; forged, altered,
misdirected, replayed and out-of-order notifications changing nothing; expiry before payment, a
payment after expiry owed back and refunded; rejected lines refunded in part; a refund the
gateway could not take tried again; two settlements of one payment counted once."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from tests.support.factories import stock_of, window_value
from tests.support.helpers import HX, shown_now, url
from tests.support.orders import take_steps
from tests.support.payments import (
    ALIPAY_SHOP,
    WECHAT_SHOP,
    Gateways,
    approve_account,
    block_outside_connections,
)
from tests.support.security import HOSTILE_TEXT
from webapp.extensions import db
from webapp.models import (
    AccountStatus,
    EventKind,
    Order,
    OrderEvent,
    Payment,
    Purpose,
    Refund,
    ShopPaymentAccount,
    Status,
)
from webapp.orders import checkout as order_checkout
from webapp.orders import expiry
from webapp.payments import records
from webapp.payments.channels import PaymentKind
from webapp.payments.devgateway import UNAVAILABLE
from webapp.payments.devgateway.common import rogue_key
from webapp.payments.refunds import send_due
from webapp.payments.state import PaymentState, RefundState
from webapp.web import yuan

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

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
def prepaid(app, world, gateways, channel, monkeypatch):
    """Place an order of `world`'s buyer paid online through `channel`, as checkout does."""
    block_outside_connections(monkeypatch)
    gateways.reset()
    app.extensions["payment_channels"] = gateways.channels()
    approve_account(world.shop, channel, ACCOUNTS[channel])

    def place(quantity: int) -> Order:
        return order_checkout.place_order(
            world.buyer, world.shop.id, {world.product.id: quantity},
            destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105"),
            window=window_value(app, world.shop), payment_method=f"{channel}_online",
            idempotency_key=secrets.token_hex(16))

    return place


@pytest.fixture
def paying(prepaid, channel):
    """An order of two units awaiting its online payment, the payment started (a QR code)."""
    order = prepaid(2)
    assert order.status is Status.AWAITING_PAYMENT and order.placed_at is None
    payment = records.start(order, channel, Purpose.PREPAY, PaymentKind.QR)
    return order, payment


def gateway_of(gateways, channel):
    return gateways.alipay if channel == "alipay" else gateways.wechat


def notification(gateways, channel, out_trade_no, *, changes=None, signing_key=None):
    """(headers, body) of the gateway's notification of a paid payment, `changes` made before
    it is signed."""
    gateway = gateway_of(gateways, channel)
    gateway.mark_paid(out_trade_no)
    if channel == "alipay":
        params = gateway.notification(out_trade_no, signing_key=signing_key, **(changes or {}))
        return ({"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                urlencode(params).encode())
    return gateway.notification(out_trade_no, changes=changes, signing_key=signing_key)


def deliver(client, app, channel, headers, body):
    return client.post(url(app, "payments.notify", channel=channel), data=body,
                       headers=headers)


def refunds_due_now(order_id: int) -> None:
    """As if the wait before the next attempt (or the next look at a refund the gateway is
    processing) were over."""
    for refund in db.session.scalars(select(Refund).where(Refund.order_id == order_id)):
        refund.next_attempt_at = refund.created_at
    db.session.commit()


def state(order_id: int) -> tuple:
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    events = db.session.scalar(select(func.count()).select_from(OrderEvent).where(
        OrderEvent.order_id == order_id))
    payments = tuple(sorted((p.out_trade_no, str(p.status)) for p in order.payments))
    refunds = tuple(sorted((r.amount_fen, str(r.reason), str(r.status)) for r in order.refunds))
    return str(order.status), order.payment_status, order.paid_fen, events, payments, refunds


def test_a_shop_that_auto_accepts_accepts_an_order_once_it_is_paid(app, client, world,
                                                                     gateways, channel, paying):
    """Auto-accept (issue 21) takes a paid-online order as the payment puts it on the board,
    not before (an unpaid order is not the shop's yet), through the board's accept."""
    order, payment = paying
    world.shop.auto_accept = True
    db.session.commit()
    assert state(order.id)[0] == "awaiting_payment"
    headers, body = notification(gateways, channel, payment.out_trade_no)
    assert deliver(client, app, channel, headers, body).status_code in (200, 204)
    assert state(order.id)[:2] == ("accepted", "paid")
    moves = [(e.kind, e.actor_id) for e in db.session.get(Order, order.id).events][-2:]
    assert moves == [(EventKind.PAID_ONLINE, None), (EventKind.ACCEPTED, world.merchant.id)]


def test_a_paid_notification_puts_the_order_on_the_board_once(app, client, login_as, world,
                                                              gateways, channel, paying):
    order, payment = paying
    login_as(world.merchant)
    assert f'board-order-{order.id}"' not in client.get(url(app, "orders.board")).text
    assert client.get(url(app, "orders.detail", order_id=order.id)).status_code == 404
    headers, body = notification(gateways, channel, payment.out_trade_no)
    answer = deliver(client, app, channel, headers, body)
    assert answer.status_code in (200, 204)
    assert answer.data == (b"success" if channel == "alipay" else b"")
    after = state(order.id)
    assert after[:3] == ("placed", "paid", order.total_fen)
    assert after[4] == ((payment.out_trade_no, "paid"),)
    kinds = [e.kind for e in db.session.get(Order, order.id).events]
    assert kinds[-1] is EventKind.PAID_ONLINE
    assert f'board-order-{order.id}"' in client.get(url(app, "orders.board")).text
    # The order's payment names the channel and the amount once each (the method is
    # 微信支付（在线付款）, the status 已支付 ¥…), then the transaction number.
    payment_row = re.search(r'id="order-\d+-payment".*?</div>\s*</div>',
                            client.get(url(app, "orders.detail", order_id=order.id)).text, re.S)[0]
    named = {"wechat": "微信支付", "alipay": "支付宝"}[channel]
    assert payment_row.count(yuan(order.total_fen)) == 1 and payment_row.count(named) == 1
    assert "交易号" in payment_row
    # The same notification again (gateways repeat until answered), and a query after it.
    assert deliver(client, app, channel, headers, body).status_code in (200, 204)
    records.check(db.session.get(Payment, payment.id))
    assert state(order.id) == after


@pytest.mark.parametrize("tamper", ["forged", "amount", "merchant", "another order"])
def test_a_bad_notification_is_refused_and_changes_nothing(app, client, gateways, channel, paying,
                                                          prepaid, tamper):
    order, payment = paying
    alipay = channel == "alipay"
    target = payment.out_trade_no
    changes, key = None, None
    if tamper == "forged":
        key = rogue_key()
    elif tamper == "amount":
        changes = {"total_amount": "0.01"} if alipay else {"amount": {"total": 1, "currency": "CNY"}}
    elif tamper == "merchant":
        changes = {"seller_id": "2088999999999999"} if alipay else {"sub_mchid": "1900099999"}
    else:  # correctly signed, for a payment of another order with another amount
        other = prepaid(1)
        target = records.start(other, channel, Purpose.PREPAY, PaymentKind.QR).out_trade_no
        changes = {"out_trade_no": payment.out_trade_no}
    before = state(order.id)
    headers, body = notification(gateways, channel, target, changes=changes, signing_key=key)
    answer = deliver(client, app, channel, headers, body)
    assert 400 <= answer.status_code < 500
    assert answer.data != b"success"
    assert state(order.id) == before


def test_a_late_closed_notification_does_not_undo_a_payment(app, client, gateways, paying):
    order, payment = paying
    if payment.channel != "alipay":
        pytest.skip("WeChat Pay notifies payments only (TRANSACTION.SUCCESS)")
    headers, body = notification(gateways, "alipay", payment.out_trade_no)
    deliver(client, app, "alipay", headers, body)
    paid = state(order.id)
    headers, body = notification(gateways, "alipay", payment.out_trade_no,
                                 changes={"trade_status": "TRADE_CLOSED"})
    assert deliver(client, app, "alipay", headers, body).status_code == 200
    assert state(order.id) == paid


def test_unpaid_in_time_the_order_is_cancelled_and_a_late_payment_is_refunded(
        app, client, gateways, channel, world, paying):
    order, payment = paying
    stored = db.session.get(Order, order.id)
    stored.created_at -= timedelta(minutes=app.config["PAYMENT_MINUTES"] + 1)
    db.session.commit()
    left = stock_of(world.product)
    assert expiry.expire_overdue(order_id=order.id) == 1
    assert state(order.id)[0] == "cancelled" and stock_of(world.product) == left + 2
    assert db.session.get(Order, order.id).events[-1].kind is EventKind.PAYMENT_EXPIRED
    # The buyer paid on the old code all the same: recorded, owed back, refunded.
    headers, body = notification(gateways, channel, payment.out_trade_no)
    assert deliver(client, app, channel, headers, body).status_code in (200, 204)
    refunds_due_now(order.id)  # WeChat Pay answers "processing" first: ask again
    send_due(order_id=order.id)
    status, _, _, _, payments, refunds = state(order.id)
    assert status == "cancelled" and payments == ((payment.out_trade_no, "paid"),)
    assert refunds == ((order.total_fen, "late_payment", "succeeded"),)


def test_rejected_lines_are_refunded_and_a_refused_refund_is_tried_again(
        app, client, gateways, channel, world, paying, make_product):
    order, payment = paying
    headers, body = notification(gateways, channel, payment.out_trade_no)
    deliver(client, app, channel, headers, body)
    gateway = gateway_of(gateways, channel)
    gateway.failure = UNAVAILABLE  # the refund cannot go through at first
    take_steps(order.id, world, ["accept", "assign", "start", "arrive", "sign_refusing_all"])
    refund = db.session.scalar(select(Refund).where(Refund.order_id == order.id))
    assert (refund.amount_fen, refund.reason) == (order.total_fen, "rejected_lines")
    assert (refund.status, refund.attempts) == (RefundState.REQUESTED, 1)
    assert "GatewayUnavailable" in refund.last_error
    gateway.failure = None
    for _ in range(2):  # sent; then (WeChat Pay: "processing") asked about
        refunds_due_now(order.id)
        send_due(order_id=order.id)
    db.session.expire_all()
    refund = db.session.get(Refund, refund.id)
    assert refund.status is RefundState.SUCCEEDED and refund.attempts == 1
    assert [e.kind for e in db.session.get(Order, order.id).events][-1] is EventKind.REFUNDED


def test_two_settlements_of_one_payment_count_once(app, gateways, channel, paying):
    order, payment = paying
    gateway_of(gateways, channel).mark_paid(payment.out_trade_no)
    client_, account = records.client_and_account(order.shop_id, channel)
    result = client_.query_payment(account, payment.out_trade_no)
    stale = db.session.get(Payment, payment.id)  # read before either settles
    assert stale.status is PaymentState.PENDING
    records.settle(result)
    # The second arrives with the payment read as pending (another process): its conditional
    # UPDATE finds nothing to change, and nothing happens twice.
    db.session.expire_all()
    once = state(order.id)
    records._confirm(stale, result)
    assert state(order.id) == once
    assert once[0] == "placed" and db.session.scalar(select(func.count()).select_from(
        OrderEvent).where(OrderEvent.order_id == order.id,
                          OrderEvent.kind == EventKind.PAID_ONLINE)) == 1


def test_the_buyer_pays_from_the_pay_page(app, client, login_as, world, gateways, channel, paying):
    order, payment = paying
    login_as(world.buyer)
    page = client.get(url(app, "payments.pay_page", order_id=order.id)).text
    assert "<svg" in page  # the QR code of the payment started
    answer = client.post(url(app, "payments.pay", order_id=order.id),
                         data={"channel": channel, "kind": "mobile_web"}, headers=HX)
    assert answer.status_code == 204 and answer.headers["HX-Redirect"].startswith("http://127.0.0.1")
    # The earlier payment is closed: one pending at a time.
    assert [str(p.status) for p in db.session.get(Order, order.id).payments] == ["closed", "pending"]
    newest = db.session.get(Order, order.id).payments[-1]
    # The phone opens the gateway's page (an Alipay trade exists from then on).
    assert requests.get(answer.headers["HX-Redirect"], timeout=10).status_code == 200
    gateway_of(gateways, channel).mark_paid(newest.out_trade_no)
    assert client.post(url(app, "payments.check", order_id=order.id), headers=HX).status_code == 204
    assert state(order.id)[:2] == ("placed", "paid")
    assert client.post(url(app, "payments.pay", order_id=order.id),
                       data={"channel": channel, "kind": "qr"}, headers=HX).status_code == 409


# What a stranger may post to the notification endpoints: bodies of every shape, each channel's
# headers filled in with hostile values, a real notification with one byte changed.
WECHAT_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial",
                  "Wechatpay-Signature", "Wechatpay-Signature-Type")
BODIES = st.one_of(st.binary(max_size=300), HOSTILE_TEXT.map(lambda text: text.encode()),
                   st.dictionaries(st.sampled_from(["sign", "sign_type", "out_trade_no",
                                                    "trade_status", "total_amount", "app_id"]),
                                   HOSTILE_TEXT, max_size=6).map(lambda d: urlencode(d).encode()))


@pytest.mark.fuzz
def test_no_notification_a_stranger_sends_is_acted_on(app, client, gateways, channel, paying):
    """Whatever arrives: a 4xx with the gateway's failure answer, never a 500, nothing changed."""
    order, payment = paying
    headers, body = notification(gateways, channel, payment.out_trade_no)
    before = state(order.id)

    one_line = HOSTILE_TEXT.map(lambda text: text.replace("\r", " ").replace("\n", " "))

    @given(BODIES, st.dictionaries(st.sampled_from(WECHAT_HEADERS), one_line, max_size=5),
           st.sampled_from(["application/x-www-form-urlencoded", "application/json", "",
                            "multipart/form-data; boundary=x"]), st.integers(0, 400))
    def post(random_body, random_headers, mimetype, flip):
        for sent_headers, sent_body in (
                ({**random_headers, "Content-Type": mimetype}, random_body),
                (headers, body[:flip] + bytes([body[flip] ^ 1]) + body[flip + 1:]
                 if flip < len(body) else body + b"&x=1")):
            answer = deliver(client, app, channel, sent_headers, sent_body)
            assert 400 <= answer.status_code < 500, (sent_headers, sent_body)
            assert state(order.id) == before

    post()


def test_the_buyer_sees_what_to_do_and_may_cancel_before_paying(app, client, login_as, world,
                                                                gateways, channel, paying):
    order, payment = paying
    login_as(world.buyer)
    tabs = client.get(url(app, "orders.index", tab="to_pay")).text
    assert f'id="buyer-order-{order.id}"' in tabs
    page = client.get(url(app, "orders.detail", order_id=order.id)).text
    assert "去支付" in page and url(app, "payments.pay_page", order_id=order.id) in page
    left = stock_of(world.product)
    answer = client.post(url(app, "orders.cancel", order_id=order.id), data={"reason": ""},
                         headers=HX)
    assert answer.status_code == 200
    status, _, _, _, payments, refunds = state(order.id)
    assert (status, payments, refunds) == ("cancelled", ((payment.out_trade_no, "closed"),), ())
    assert stock_of(world.product) == left + 2
    # Paid on the old code after all: recorded, and every fen goes back.
    headers, body = notification(gateways, channel, payment.out_trade_no)
    assert deliver(client, app, channel, headers, body).status_code in (200, 204)
    refunds_due_now(order.id)
    send_due(order_id=order.id)
    assert state(order.id)[5] == ((order.total_fen, "late_payment", "succeeded"),)


def test_checkout_offers_online_payment_only_where_the_shop_takes_it(
        app, client, login_as, world, make_address, make_product, prepaid, channel):
    """`prepaid` set up `channel` for world's shop: its checkout offers it first and places the
    order awaiting payment, to the pay page; the other shop's checkout does not offer it."""
    address = make_address(world.buyer)
    login_as(world.buyer)
    elsewhere = make_product(world.other_shop, stock=5)
    for shop, product in ((world.shop, world.product), (world.other_shop, elsewhere)):
        client.post(url(app, "cart.add"), data={"product_id": product.id, "quantity": 1})
        page = client.get(url(app, "orders.checkout", shop_id=shop.id)).text
        offered = re.findall(r'name="payment_method"[^>]*value="(\w+)"', page)
        assert offered[0] == (f"{channel}_online" if shop is world.shop else "cod")
        assert (f"{channel}_online" in offered) is (shop is world.shop)
        answer = client.post(url(app, "orders.checkout", shop_id=shop.id), headers=HX, data={
            "address_id": address.id, "window": window_value(app, shop),
            "payment_method": f"{channel}_online", "note": "", "idempotency_key": "a" * 32,
            "shown": shown_now(app, world.buyer.id, shop)})
        if shop is world.other_shop:
            assert answer.status_code == 422 and "不是有效的选择" in answer.text  # WTForms' words
            continue
        assert answer.status_code == 204
        order = db.session.scalar(select(Order).where(Order.buyer_id == world.buyer.id)
                                  .order_by(Order.id.desc()).limit(1))
        assert answer.headers["HX-Redirect"] == url(app, "payments.pay_page", order_id=order.id)
        assert (order.status, order.placed_at) == (Status.AWAITING_PAYMENT, None)


def test_a_payment_under_way_settles_though_the_shop_changed_its_account(
        app, client, world, gateways, channel, paying):
    """Checked against the account it was made for, not the one now under review."""
    order, payment = paying
    db.session.execute(update(ShopPaymentAccount).where(
        ShopPaymentAccount.shop_id == world.shop.id).values(
        status=AccountStatus.SUBMITTED, merchant_id="2088000000009999"))
    db.session.commit()
    headers, body = notification(gateways, channel, payment.out_trade_no)
    assert deliver(client, app, channel, headers, body).status_code in (200, 204)
    assert state(order.id)[:2] == ("placed", "paid")
