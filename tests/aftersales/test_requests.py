"""Opening requests (what is left of each line, the category's rules, double submits) and what
a decision does with the money: owed back through the gateway it was paid by, or recorded as
owed by the shop for an order paid at the door."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from tests.support.aftersales import SIGN, ask, signed_order
from tests.support.helpers import stored_files
from tests.support.orders import take_steps
from tests.support.payments import WECHAT_SHOP, Gateways, approve_account, block_outside_connections
from webapp.aftersales import door, opening, services
from webapp.aftersales.state import Action, Status
from webapp.extensions import db
from webapp.models import AfterSale, EventKind, OrderEvent, Purpose, Refund
from webapp.payments import records
from webapp.payments.channels import PaymentKind
from webapp.payments.state import RefundState
from webapp.web import Conflict, ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S, A = Status, Action


def refused(call, status, words):
    with pytest.raises(ServiceError) as error:
        call()
    assert error.value.status == status and words in error.value.message, error.value.message
    db.session.rollback()


def test_no_more_than_was_accepted_less_what_is_covered(app, world):
    order = signed_order(app, world, {world.goods: 3})
    opening.open_request(order.id, world.buyer, ask(order, {0: 2}))
    refused(lambda: opening.open_request(order.id, world.buyer, ask(order, {0: 2})), 422,
            "最多还能申请 1 件")
    last = opening.open_request(order.id, world.buyer, ask(order, {0: 1}))
    refused(lambda: opening.open_request(order.id, world.buyer, ask(order, {0: 1})), 422,
            "最多还能申请 0 件")
    services.act(last.id, world.buyer, A.WITHDRAW)  # a withdrawn request covers nothing
    assert opening.open_request(order.id, world.buyer, ask(order, {0: 1})).amount_fen == 5000


def test_a_line_refused_at_the_door_has_nothing_to_ask_for(app, world):
    order = signed_order(app, world, {world.goods: 2, world.product: 1},
                         steps=[*SIGN[:-1], "sign_refusing_one"])
    refused_line = order.lines[1]
    assert refused_line.inspection == "rejected"
    refused(lambda: opening.open_request(order.id, world.buyer, ask(order, {1: 1})), 422,
            "最多还能申请 0 件")
    assert opening.open_request(order.id, world.buyer, ask(order, {0: 1})).status is S.REQUESTED


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"kind": "return_refund"}, 422, "只能申请仅退款"),
    ({"reason": "no_reason"}, 422, "不支持七天无理由退货"),
    ({"reason": "bogus"}, 422, "请选择售后类型和原因"),
    ({"kind": "bogus"}, 422, "请选择售后类型和原因"),
    ({"note": "字" * 501}, 422, "说明最多"),
    ({"quantities": {}}, 422, "请选择要申请售后的商品和数量"),
    ({"quantities": {0: -1}}, 422, "最多还能申请"),
])
def test_the_request_is_checked(app, world, _cache, change, status, words):
    if "fresh" not in _cache:
        _cache["fresh"] = signed_order(app, world, {world.fresh: 2})
    order = db.session.get(type(_cache["fresh"]), _cache["fresh"].id)
    quantities = change.pop("quantities", {0: 1})
    refused(lambda: opening.open_request(order.id, world.buyer, ask(order, quantities, **change)),
            status, words)


def test_only_the_buyers_signed_order(app, world, advance):
    order = signed_order(app, world, {world.goods: 1}, steps=["accept"])
    refused(lambda: opening.open_request(order.id, world.buyer, ask(order)), 409, "签收后")
    signed = signed_order(app, world, {world.goods: 1})
    with pytest.raises(NotFound):
        opening.open_request(signed.id, world.other_buyer, ask(signed))
    other = ask(signed)
    bad = other.__class__(**{**other.__dict__, "quantities": {order.lines[0].id: 1}})
    refused(lambda: opening.open_request(signed.id, world.buyer, bad), 422, "没有这件商品")


def test_a_double_tap_makes_one_request(app, world):
    order = signed_order(app, world, {world.goods: 2})
    first = ask(order, {0: 1}, photos=1)
    made = opening.open_request(order.id, world.buyer, first)
    again = opening.open_request(order.id, world.buyer, first)
    assert again.id == made.id
    assert db.session.scalar(select(func.count(AfterSale.id)).where(
        AfterSale.order_id == order.id)) == 1
    assert db.session.scalar(select(func.count(OrderEvent.id)).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == EventKind.AFTER_SALE_OPENED)) == 1


def test_two_requests_at_once_one_gets_in(app, world, monkeypatch):
    """Both read what was left before either was stored: the second takes the same number and
    the database refuses it (409), leaving no photo behind; the quantity is asked for once."""
    order = signed_order(app, world, {world.goods: 1})
    opening.open_request(order.id, world.buyer, ask(order, {0: 1}))
    monkeypatch.setattr(opening, "covered", lambda order_id: {})  # read before the first
    monkeypatch.setattr(opening, "next_seq", lambda order_id: 1)
    files = stored_files(app)
    with pytest.raises(Conflict, match="刚刚提交了另一个售后申请"):
        opening.open_request(order.id, world.buyer, ask(order, {0: 1}, photos=2))
    assert stored_files(app) == files
    assert db.session.scalar(select(func.count(AfterSale.id)).where(
        AfterSale.order_id == order.id)) == 1


@pytest.mark.parametrize(("ruling", "final"), [(A.RULE_FOR_BUYER, S.REFUNDED),
                                               (A.RULE_FOR_SHOP, S.CLOSED)])
def test_escalation_and_decision(app, world, ruling, final):
    order = signed_order(app, world, {world.goods: 1})
    request = opening.open_request(order.id, world.buyer, ask(order, note="杯盖裂了"))
    services.act(request.id, world.merchant, A.REFUSE, "人为损坏")
    services.act(request.id, world.buyer, A.ESCALATE, "收到就是裂的")
    decided = services.act(request.id, world.admin, ruling, "看照片")
    assert decided.status is final
    assert (decided.shop_note, decided.buyer_statement, decided.ruling_note) == (
        "人为损坏", "收到就是裂的", "看照片")
    kinds = [e.kind for e in db.session.scalars(select(OrderEvent).where(
        OrderEvent.order_id == order.id).order_by(OrderEvent.id))][-5:]
    if final is S.REFUNDED:  # paid at the door: recorded as owed by the shop
        assert kinds[-2:] == [EventKind.REFUND_OWED, EventKind.AFTER_SALE_FOR_BUYER]
        owed = db.session.scalars(select(OrderEvent).where(
            OrderEvent.order_id == order.id, OrderEvent.kind == EventKind.REFUND_OWED)).one()
        assert owed.params == {"amount_fen": 5000, "reason": "after_sales_door"}
        assert decided.history[-1].params["refund"] == "door"
    else:
        assert kinds[-1] == EventKind.AFTER_SALE_FOR_SHOP
    with pytest.raises(Conflict):  # a second decision
        services.act(request.id, world.admin, A.RULE_FOR_BUYER, "再判一次")


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


def test_paid_online_the_money_goes_back_through_the_gateway(app, world, gateways, monkeypatch):
    block_outside_connections(monkeypatch)
    gateways.reset()
    app.extensions["payment_channels"] = gateways.channels()
    approve_account(world.shop, "wechat", WECHAT_SHOP)
    order = signed_order(app, world, {world.goods: 2}, payment_method="wechat_online", steps=[])
    payment = records.start(order, "wechat", Purpose.PREPAY, PaymentKind.QR)
    gateways.wechat.mark_paid(payment.out_trade_no)
    records.check(payment)
    take_steps(order.id, world, SIGN)
    request = opening.open_request(order.id, world.buyer, ask(order, {0: 1}))
    done = services.act(request.id, world.merchant, A.AGREE)
    assert done.status is S.REFUNDED
    refund = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert (refund.amount_fen, refund.reason, refund.lines) == (5000, "after_sales",
                                                               [[order.lines[0].id, 1]])
    # Sent to the gateway at once, after the commit (WeChat Pay answers "processing" first).
    assert refund.status in (RefundState.PROCESSING, RefundState.SUCCEEDED) and refund.refund_id
    assert done.refund_id == refund.id and done.history[-1].params["refund"] == "gateway"
    assert done.door_refund is None  # nothing for the shop to pay back itself
    with pytest.raises(Conflict, match="没有待商家退还的款项"):
        door.confirm(done.id, world.merchant, "cash")
    kinds = [e.kind for e in db.session.get(type(order), order.id).events]
    assert kinds[-2:] == [EventKind.REFUND_OWED, EventKind.AFTER_SALE_AGREED]
