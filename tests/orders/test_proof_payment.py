"""The payment in the proof of delivery (issue 18, scheme 3): an order paid online has its
channel, transaction id, amount paid and the refund owed on rejected lines in the digest; an order
paid at the door has its method and the amount due at the signature. Each fact altered breaks the
digest; the proof page shows them in both languages."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.support.helpers import url
from tests.support.orders import as_older_scheme, take_steps, two_line_order, words
from tests.support.payments import WECHAT_SHOP, Gateways, approve_account, block_outside_connections
from webapp.extensions import db
from webapp.models import Order, Payment, ProofOfDelivery, Purpose, Refund, Status
from webapp.orders.proof import proof_digest, proof_intact
from webapp.payments import records
from webapp.payments.channels import PaymentKind

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

DOOR = ["accept", "assign", "start", "arrive"]


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture
def paid_online(app, world, make_product, gateways, monkeypatch):
    """The two-line order (33.50) paid by WeChat Pay, confirmed by the gateway, at the door."""
    block_outside_connections(monkeypatch)
    gateways.reset()
    app.extensions["payment_channels"] = gateways.channels()
    approve_account(world.shop, "wechat", WECHAT_SHOP)
    order = two_line_order(app, world, make_product, payment_method="wechat_online")
    payment = records.start(order, "wechat", Purpose.PREPAY, PaymentKind.QR)
    gateways.wechat.mark_paid(payment.out_trade_no)
    records.check(db.session.get(Payment, payment.id))
    take_steps(order.id, world, DOOR)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def proof_of(order_id: int) -> ProofOfDelivery:
    db.session.expire_all()
    return db.session.scalar(select(ProofOfDelivery).where(ProofOfDelivery.order_id == order_id))


def test_a_prepaid_order_signed_with_a_rejected_line_has_its_payment_in_the_proof(
        app, world, paid_online, as_party):
    take_steps(paid_online.id, world, ["sign_refusing_one"])
    proof = proof_of(paid_online.id)
    payment = db.session.scalar(select(Payment).where(Payment.order_id == paid_online.id))
    refund = db.session.scalar(select(Refund).where(Refund.order_id == paid_online.id))
    assert payment.transaction_id and refund.amount_fen == 1600
    # Scheme 3's facts, where it was signed (4) and the name and image by their hashes (5).
    assert proof.scheme == 5
    assert proof.payment == {"method": "wechat_online", "due_fen": 1750, "paid_fen": 3350,
                             "channel": "wechat", "transaction_id": payment.transaction_id,
                             "refund_fen": 1600}
    assert proof_intact(proof.order)
    page = url(app, "orders.proof", order_id=paid_online.id)
    for party in (world.buyer, world.merchant, world.courier):
        text = words(as_party(party).get(page).text)
        assert ("✔ 数字指纹一致：凭证自签收后未被改动 "
                "指纹包含付款：微信支付 已付 ¥33.50，应退 ¥16.00。") in text
        assert "付款 已在线付款：微信支付 ¥33.50 交易号" in text
        assert f"交易号 {payment.transaction_id}" in text
        assert "拒收金额 ¥16.00 · 已付款，应退还买家 ¥16.00" in text
    english = words(as_party(world.buyer).get(page, headers={"Accept-Language": "en"}).text)
    assert "The digest covers the payment: WeChat Pay paid ¥33.50, ¥16.00 to refund." in english
    assert "Paid online: WeChat Pay ¥33.50" in english
    assert f"transaction {payment.transaction_id}" in english


# Each payment fact of a scheme 3 proof, with another value a tamperer might write.
ALTERED = {"method": "cod", "due_fen": 3350, "paid_fen": 1750, "channel": "alipay",
           "transaction_id": "4200000000000000000000000000", "refund_fen": 0}


@pytest.mark.parametrize("fact", [*ALTERED, "dropped", "scheme 2"])
def test_the_digest_covers_each_payment_fact(app, world, paid_online, as_party, fact):
    take_steps(paid_online.id, world, ["sign_refusing_one"])
    proof = proof_of(paid_online.id)
    assert set(ALTERED) == set(proof.payment)
    assert all(proof.payment[key] != value for key, value in ALTERED.items())
    if fact == "dropped":
        values = {"payment": None}
    elif fact == "scheme 2":  # passed off as a proof from before payments were covered
        values = {"scheme": 2}
    else:
        values = {"payment": {**proof.payment, fact: ALTERED[fact]}}
    db.session.execute(update(ProofOfDelivery).values(values))
    db.session.commit()
    assert not proof_intact(proof_of(paid_online.id).order)
    text = as_party(world.buyer).get(url(app, "orders.proof", order_id=paid_online.id)).text
    assert "数字指纹不一致" in text and "数字指纹一致" not in text


def test_an_order_paid_at_the_door_has_the_method_and_amount_due_in_its_proof(
        app, world, make_product, as_party):
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED)
    proof = proof_of(order.id)
    assert proof.payment == {"method": "cod", "due_fen": 1750, "paid_fen": None,
                             "channel": None, "transaction_id": "", "refund_fen": 0}
    page = url(app, "orders.proof", order_id=order.id)
    text = words(as_party(world.courier).get(page).text)
    assert "指纹包含付款方式与签收时应付的 ¥17.50。" in text
    assert "付款 货到付款（现金） · 签收时应付 ¥17.50 付款在签收之后，另有记录，不在本凭证内" in text
    # Collected after the signature: the proof stays as signed, and intact.
    take_steps(order.id, world, ["pay"])
    assert proof_of(order.id).payment["paid_fen"] is None
    assert "数字指纹一致" in as_party(world.buyer).get(page).text
    english = words(as_party(world.buyer).get(page, headers={"Accept-Language": "en"}).text)
    assert "The digest covers the payment method and the ¥17.50 due at signing." in english


def test_cash_taken_before_signing_is_in_the_proof_with_what_goes_back(app, world, make_product,
                                                                      as_party):
    """Until issue 19 the courier could confirm cash at the door before the inspection: an order
    at the door paid then (as the payment service recorded it) keeps it in its proof."""
    order = two_line_order(app, world, make_product, Status.ARRIVED)
    db.session.execute(update(Order).where(Order.id == order.id).values(
        payment_status="paid", paid_fen=order.total_fen))
    db.session.commit()
    take_steps(order.id, world, ["sign_refusing_one"])
    proof = proof_of(order.id)
    assert proof.payment == {"method": "cod", "due_fen": 1750, "paid_fen": 3350,
                             "channel": None, "transaction_id": "", "refund_fen": 1600}
    text = words(as_party(world.buyer).get(url(app, "orders.proof", order_id=order.id)).text)
    assert "签收前已收款 ¥33.50" in text and "已付款，应退还买家 ¥16.00" in text
    assert "数字指纹一致" in text


def test_a_proof_signed_before_payments_were_covered_still_verifies(app, world, make_product,
                                                                    as_party):
    """Proofs from before migration 0015 (scheme 2: no payment) keep matching, and breaking."""
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED)
    proof = proof_of(order.id)
    as_older_scheme(proof, 2)
    proof.payment = None
    proof.digest = proof_digest(proof)
    db.session.commit()
    page = url(app, "orders.proof", order_id=order.id)
    text = words(as_party(world.buyer).get(page).text)
    assert "数字指纹一致" in text and "拒收金额 ¥16.00 · 不计入应收款" in text
    assert "指纹包含" not in text and "签收时应付" not in text
    db.session.execute(update(ProofOfDelivery).values(refund_fen=0))
    db.session.commit()
    assert "数字指纹不一致" in as_party(world.buyer).get(page).text
