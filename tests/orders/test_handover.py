"""Signing on the courier's phone for whoever receives the goods (issue 19): the receipt code
(收货码) every order has, shown to its buyer only; the courier signs or refuses for someone
else only with the code matched (wrong ones counted, HANDOVER_CODE_ATTEMPTS lock the order for
the courier's phone, not for the buyer's); the proof records the signer, the courier's device
and the code matched, in a digest scheme of its own (4; 5 since migration 0034 seals the name
and signature by their hashes), older schemes still verifying."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, update

from tests.support.factories import one_world_per_module
from tests.support.helpers import HX, url
from tests.support.images import signature_data_url
from tests.support.orders import as_older_scheme, two_line_order, words
from webapp.extensions import db
from webapp.models import EventKind, Order, OrderEvent, ProofOfDelivery, Status
from webapp.orders import signing
from webapp.orders.handover import Locked
from webapp.orders.proof import proof_digest, proof_intact
from webapp.web import ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


# One app and database for the module; each case takes its own order in its one world.
app, world = one_world_per_module()


@pytest.fixture
def at_door(app, world, make_product):
    """A fresh two-line order (33.50) whose courier is at the door."""
    return two_line_order(app, world, make_product, Status.ARRIVED)


def fresh(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def proof_of(order_id: int) -> ProofOfDelivery | None:
    db.session.expire_all()
    return db.session.scalar(select(ProofOfDelivery).where(ProofOfDelivery.order_id == order_id))


def sign_as_courier(order, world, code, name="李四（家人）", checks=None):
    return signing.sign(order.id, world.courier, name, signature_data_url(), checks, code=code)


def test_every_order_has_its_own_random_six_digit_code(app, world, make_product):
    orders = [two_line_order(app, world, make_product) for _ in range(12)]
    codes = [order.receipt_code for order in orders]
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(set(codes)) > 6  # random, not a counter nor one code for all


def other_code(order) -> str:
    return f"{(int(order.receipt_code) + 1) % 10**6:06d}"


# What the courier types, what is said, and whether it counts as a wrong code. A code of another
# order is a wrong code like any other (the order's own code is all that matches).
REFUSED = {
    "wrong": (other_code, 422, "收货码不正确，还可以再试 4 次", 1),
    "another order's": ("another", 422, "收货码不正确，还可以再试 4 次", 1),
    "five digits": (lambda o: o.receipt_code[:5], 422, "请输入 6 位数字收货码", 0),
    "letters": (lambda o: "abcdef", 422, "请输入 6 位数字收货码", 0),
    "none at all": (lambda o: None, 403, "你不能对该订单执行此操作", 0),
}


@pytest.mark.parametrize("case", REFUSED)
def test_the_courier_signs_only_with_the_orders_code(app, world, make_product, at_door, case):
    typed, status, message, counted = REFUSED[case]
    if typed == "another":
        another = two_line_order(app, world, make_product, Status.ARRIVED)
        db.session.execute(update(Order).where(Order.id == another.id)
                           .values(receipt_code=other_code(at_door)))
        db.session.commit()
        code = other_code(at_door)
    else:
        code = typed(at_door)
    with pytest.raises(ServiceError) as refused:
        sign_as_courier(at_door, world, code)
    assert (refused.value.status, message in refused.value.message) == (status, True)
    order = fresh(at_door.id)
    assert (order.status, order.receipt_code_misses, proof_of(order.id)) == (
        Status.ARRIVED, counted, None)


def test_with_the_code_the_courier_signs_for_someone_else(app, world, at_door):
    code = f" {at_door.receipt_code[:3]} {at_door.receipt_code[3:]} "  # as read out, spaced
    lines = at_door.lines
    order = sign_as_courier(at_door, world, code, checks={
        lines[0].id: signing.LineCheck(True), lines[1].id: signing.LineCheck(False, "商品破损")})
    assert order.status is Status.PARTIALLY_REFUSED
    proof = proof_of(order.id)
    assert (proof.signer_name, proof.signer_id, proof.signed_on, proof.code_matched,
            proof.scheme) == ("李四（家人）", world.courier.id, "courier", True, 5)
    assert proof_intact(fresh(order.id))


def test_the_signer_name_is_required_there_too(app, world, at_door):
    with pytest.raises(ServiceError) as refused:
        sign_as_courier(at_door, world, at_door.receipt_code, name="  ")
    assert refused.value.status == 422 and "签收人姓名" in refused.value.message
    assert fresh(at_door.id).status is Status.ARRIVED


def test_five_wrong_codes_lock_the_courier_out_but_not_the_buyer(app, world, at_door):
    left = []
    for _ in range(5):
        with pytest.raises(ServiceError) as refused:
            sign_as_courier(at_door, world, other_code(at_door))
        left.append(refused.value.status)
    assert left == [422, 422, 422, 422, 423]
    # Now even the right code is refused on the courier's phone, and not counted past the limit.
    with pytest.raises(Locked) as locked:
        sign_as_courier(at_door, world, at_door.receipt_code)
    assert "错误次数过多" in locked.value.message and "买家本人的手机签收" in locked.value.message
    assert fresh(at_door.id).receipt_code_misses == 5
    # The buyer signs on their own phone as before.
    order = signing.sign(at_door.id, world.buyer, "张三", signature_data_url())
    assert order.status is Status.COMPLETED
    proof = proof_of(order.id)
    assert (proof.signed_on, proof.code_matched) == ("buyer", None)


def code_events(order_id: int) -> list[tuple[str, dict, int]]:
    db.session.expire_all()
    return [(str(e.kind), e.params, e.actor_id) for e in db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id,
                                 OrderEvent.kind.in_((EventKind.RECEIPT_CODE_WRONG,
                                                      EventKind.RECEIPT_CODE_LOCKED)))
        .order_by(OrderEvent.id))]


def test_each_wrong_code_is_in_the_history_then_the_lock_out(app, world, at_door):
    for _ in range(5):
        with pytest.raises(ServiceError):
            sign_as_courier(at_door, world, other_code(at_door))
        db.session.rollback()  # as the request's teardown would: what was refused is kept anyway
    # A code that is not six digits, and one past the lock-out, are not wrong codes counted.
    with pytest.raises(ServiceError):
        sign_as_courier(at_door, world, "12")
    with pytest.raises(Locked):
        sign_as_courier(at_door, world, other_code(at_door))
    courier = world.courier.id
    assert code_events(at_door.id) == [
        *[("receipt_code_wrong", {"left": left}, courier) for left in (4, 3, 2, 1)],
        ("receipt_code_locked", {"n": 5}, courier)]


def test_the_history_shows_a_wrong_code_to_buyer_and_shop_never_the_code(app, world, at_door,
                                                                        as_party):
    wrong = other_code(at_door)
    response = as_party(world.courier).post(url(app, "handover.sign_here", order_id=at_door.id),
                                            headers=HX, data={"code": wrong, "signer_name": "李四"})
    assert response.status_code == 422
    page = url(app, "orders.detail", order_id=at_door.id)
    for party, language, says in ((world.buyer, "zh", "骑手输入的收货码不正确，还可以再试 4 次"),
                                  (world.merchant, "zh", "骑手输入的收货码不正确，还可以再试 4 次"),
                                  (world.buyer, "en", "Wrong receipt code entered on the courier's "
                                                      "phone; 4 tries left")):
        text = as_party(party).get(page, headers={"Accept-Language": language}).text
        timeline = re.search(r'<details class="timeline">.*?</details>', text, re.S).group(0)
        assert says in html.unescape(timeline) and wrong not in text
    assert wrong not in str(code_events(at_door.id))


def test_a_code_for_an_order_not_at_the_door_is_a_conflict(app, world, make_product):
    order = two_line_order(app, world, make_product, Status.DELIVERING)
    with pytest.raises(ServiceError) as refused:
        sign_as_courier(order, world, order.receipt_code)
    assert refused.value.status == 409
    assert fresh(order.id).receipt_code_misses == 0


# ---- the proof ---------------------------------------------------------------------------------

# Each handover fact of a scheme 4 proof, with what a tamperer might write instead.
TAMPERED = {"signed_on": "buyer", "code_matched": None, "signer_name": "王五",
            "scheme": 3}


@pytest.mark.parametrize("fact", TAMPERED)
def test_the_digest_covers_where_and_how_it_was_signed(app, world, at_door, as_party, fact):
    sign_as_courier(at_door, world, at_door.receipt_code)
    page = url(app, "orders.proof", order_id=at_door.id)
    assert "数字指纹一致" in as_party(world.buyer).get(page).text
    db.session.execute(update(ProofOfDelivery).where(ProofOfDelivery.order_id == at_door.id)
                       .values({fact: TAMPERED[fact]}))
    db.session.commit()
    assert not proof_intact(fresh(at_door.id))
    text = as_party(world.buyer).get(page).text
    assert "数字指纹不一致" in text and "数字指纹一致" not in text


def test_a_proof_from_before_handovers_still_verifies(app, world, at_door, as_party):
    """Scheme 3 (before migration 0019: no device, no code) keeps matching, and breaking."""
    signing.sign(at_door.id, world.buyer, "张三", signature_data_url())
    proof = proof_of(at_door.id)
    as_older_scheme(proof, 3)
    proof.signed_on, proof.code_matched = None, None
    proof.digest = proof_digest(proof)
    db.session.commit()
    page = url(app, "orders.proof", order_id=at_door.id)
    text = words(as_party(world.buyer).get(page).text)
    assert "数字指纹一致" in text and "签收方式" not in text
    db.session.execute(update(ProofOfDelivery).where(ProofOfDelivery.order_id == at_door.id)
                       .values(signer_name="王五"))
    db.session.commit()
    assert "数字指纹不一致" in as_party(world.buyer).get(page).text


def test_the_proof_page_says_it_was_handed_over_in_both_languages(app, world, at_door,
                                                                  as_party):
    sign_as_courier(at_door, world, at_door.receipt_code)
    page = url(app, "orders.proof", order_id=at_door.id)
    for party in (world.buyer, world.merchant, world.courier):
        text = words(as_party(party).get(page).text)
        assert "签收人 李四（家人） 签收方式 在骑手手机上代收签收，收货码已核对一致" in text
    english = words(as_party(world.buyer).get(page, headers={"Accept-Language": "en"}).text)
    assert "Signed on the courier's phone; the receipt code matched" in english


# ---- the pages ---------------------------------------------------------------------------------

def handover_url(app, order):
    return url(app, "handover.sign_here", order_id=order.id)


def test_the_code_opens_the_buyers_form_on_the_couriers_page(app, world, at_door, as_party):
    courier = as_party(world.courier)
    page = courier.get(url(app, "delivery.detail", order_id=at_door.id)).text
    assert "代收签收" in page and at_door.receipt_code not in page
    response = courier.post(handover_url(app, at_door), headers=HX, data={
        "code": at_door.receipt_code, "signer_name": "李四"})
    assert response.status_code == 200
    text = response.text
    assert 'id="sign-form"' in text and 'id="signature-pad"' in text
    assert f'action="{handover_url(app, at_door)}"' in text
    assert 'name="signer_name"' in text and 'value="李四"' in text
    for line in at_door.lines:
        assert f'name="line-{line.id}"' in text
    # The form signs, the code going with it.
    response = courier.post(handover_url(app, at_door), headers=HX, data={
        "code": at_door.receipt_code, "signer_name": "李四", "signature": signature_data_url(),
        f"line-{at_door.lines[1].id}": "rejected", f"reason-{at_door.lines[1].id}": "商品破损"})
    assert response.status_code == 200, response.text[:300]
    assert fresh(at_door.id).status is Status.PARTIALLY_REFUSED
    assert "签收凭证" in response.text and "李四" in response.text


@pytest.mark.parametrize(("data", "status", "says"), [
    ({"code": "000000x", "signer_name": "李四"}, 422, "请输入 6 位数字收货码"),
    ({"code": "", "signer_name": "李四"}, 422, "请输入 6 位数字收货码"),
    ({"code": "RIGHT", "signer_name": ""}, 422, "请输入签收人姓名"),
    ({"code": "WRONG", "signer_name": "李四"}, 422, "收货码不正确，还可以再试 4 次"),
])
def test_a_refused_code_says_why_on_the_form(app, world, at_door, as_party, data, status, says):
    code = {"RIGHT": at_door.receipt_code, "WRONG": other_code(at_door)}.get(data["code"],
                                                                          data["code"])
    for headers in (HX, {}):
        response = as_party(world.courier).post(handover_url(app, at_door), headers=headers,
                                                data={**data, "code": code})
        assert response.status_code == status
        assert says in response.text and 'id="sign-form"' not in response.text
        assert f"delivery-{at_door.id}-handover" in response.text
        if code == other_code(at_door):
            break  # a second try would say 3


def test_the_locked_order_says_so_on_the_couriers_page(app, world, at_door, as_party):
    db.session.execute(update(Order).where(Order.id == at_door.id).values(receipt_code_misses=5))
    db.session.commit()
    courier = as_party(world.courier)
    response = courier.post(handover_url(app, at_door), headers=HX, data={
        "code": at_door.receipt_code, "signer_name": "李四"})
    assert response.status_code == 423 and "错误次数过多" in response.text
    page = courier.get(url(app, "delivery.detail", order_id=at_door.id)).text
    assert "错误次数过多" in page and 'id="handover-code-' not in page
    english = courier.get(url(app, "delivery.detail", order_id=at_door.id),
                          headers={"Accept-Language": "en"}).text
    assert "Too many wrong receipt codes" in english


def test_only_the_buyer_sees_the_code(app, world, at_door, as_party):
    code = at_door.receipt_code
    buyer = as_party(world.buyer)
    assert code in buyer.get(url(app, "orders.detail", order_id=at_door.id)).text
    assert code in buyer.get(url(app, "orders.index")).text
    english = buyer.get(url(app, "orders.detail", order_id=at_door.id),
                        headers={"Accept-Language": "en"}).text
    assert "Receipt code" in english and code in english
    merchant = as_party(world.merchant)
    for page in (url(app, "orders.detail", order_id=at_door.id), url(app, "orders.board")):
        assert code not in merchant.get(page).text
    courier = as_party(world.courier)
    for page in (url(app, "orders.detail", order_id=at_door.id),
                 url(app, "delivery.detail", order_id=at_door.id), url(app, "delivery.index")):
        assert code not in courier.get(page).text
    # Once signed, the code is of no use and no longer shown.
    signing.sign(at_door.id, world.buyer, "张三", signature_data_url())
    assert code not in buyer.get(url(app, "orders.detail", order_id=at_door.id)).text
