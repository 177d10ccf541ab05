"""Deleting an account erases the signer's typed name and the signature from the proofs of
delivery sealed with scheme 5 (migration 0034), whose digest covers their hashes: the proof
still verifies on the rest and says what was erased, in the reader's language, and its signature
is gone (404). A change to the name, the image or a fact is still found, before and after the
erasure. A proof sealed before (scheme 4) keeps both, and still verifies."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from tests.support.aftersales import ask
from tests.support.helpers import HX, url
from tests.support.images import signature_data_url
from tests.support.orders import STEPS, as_older_scheme, take_steps, words
from webapp.aftersales import opening, services
from webapp.aftersales.state import Action
from webapp.extensions import db
from webapp.i18n import COOKIE
from webapp.me.deletion import delete_account
from webapp.models import Order, OrderEvent, ProofOfDelivery, Status, User
from webapp.models.user import DELETED_NAME
from webapp.orders import signing
from webapp.orders.events import SIGNER_EVENTS
from webapp.orders.proof import proof_digest, proof_intact
from webapp.web import local_time

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

SIGNER = "王小明"  # the buyer's own name, typed when signing on their own phone
PASSWORD = "password123"  # tests/support/factories.new_user's


def fresh(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


@pytest.fixture
def signed(app, world, place):
    """An order of the world's buyer (named 王小明), signed on their phone with their own name."""
    world.buyer.display_name = SIGNER
    db.session.commit()
    order = place(world.buyer, world.product)
    take_steps(order.id, world, STEPS[Status.COMPLETED], signer=SIGNER)
    return fresh(order.id)


@pytest.fixture
def erased(app, world, signed):
    """`signed` with an after-sales request the buyer withdrew, then the buyer's account deleted."""
    request = opening.open_request(signed.id, world.buyer, ask(signed))
    services.act(request.id, world.buyer, Action.WITHDRAW)
    delete_account(db.session.get(User, world.buyer.id))
    return fresh(signed.id), request


def test_deleting_the_account_erases_the_signer_and_the_proof_still_verifies(
        app, client, login_as, as_party, world, signed):
    proof = signed.proof
    assert (proof.scheme, proof.signer_name, len(proof.signer_name_salt)) == (5, SIGNER, 32)
    assert proof.signature_png and proof.erased_at is None and proof_intact(signed)
    merchant = as_party(world.merchant)
    page = url(app, "orders.proof", order_id=signed.id)
    signature = url(app, "orders.signature", order_id=signed.id)
    before = merchant.get(page).text
    assert SIGNER in before and signature in before and "数字指纹一致" in before
    assert merchant.get(signature).mimetype == "image/png"

    login_as(world.buyer)
    done = client.post(url(app, "me.delete"), headers=HX,
                       data={"password": PASSWORD, "confirmation": "注销"})
    assert done.status_code == 204

    order = fresh(signed.id)
    proof = order.proof
    assert db.session.scalar(select(func.count(ProofOfDelivery.id)).where(
        ProofOfDelivery.signer_name == SIGNER)) == 0
    assert (proof.signer_name, proof.signature_png, proof.signer_name_salt) == (
        DELETED_NAME, b"", None)
    # What the digest covers stays: the hashes, and every other fact.
    assert proof.erased_at is not None and proof.digest == proof_digest(proof)
    assert len(proof.signer_name_sha256) == len(proof.signature_sha256) == 64
    assert proof_intact(order)
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    assert not [e.id for e in events if SIGNER in (e.params or {}).values()]
    assert [e.params["name"] for e in events if e.kind in SIGNER_EVENTS] == [DELETED_NAME]

    text = merchant.get(page).text
    with app.test_request_context():
        day = local_time(proof.erased_at, "%Y-%m-%d")
    seen = words(text)
    assert SIGNER not in text and signature not in text and 'class="signature"' not in text
    assert "✔ 数字指纹一致：其余记录自签收后未被改动" in seen and "数字指纹不一致" not in seen
    assert f"签名与签收人姓名已随账号注销删除（{day}）；数字指纹仍可核对其余记录" in seen
    assert "签收人 已注销用户" in seen
    gone = merchant.get(signature)
    assert gone.status_code == 404 and "签名已随账号注销删除" in gone.text


# (who reads, which page) of an erased proof.
PAGES = [("merchant", "orders.proof"), ("courier", "orders.proof"), ("merchant", "orders.detail"),
         ("admin", "aftersales.admin_case")]


@pytest.mark.parametrize("lang, says", [
    ("zh_CN", ["✔ 数字指纹一致：其余记录自签收后未被改动", "签名与签收人姓名已随账号注销删除（",
               "签收人 已注销用户"]),
    ("en", ["✔ Fingerprint matches: the rest of the record has not been altered since signing",
            "The signature and the signer's name were deleted with the account (",
            "Signed by Deleted user"])])
@pytest.mark.parametrize("reader, endpoint", PAGES, ids=[p[1] + "-" + p[0] for p in PAGES])
def test_an_erased_proof_says_so_in_the_reader_s_language(app, as_party, world, erased, lang,
                                                          says, reader, endpoint):
    order, request = erased
    client = as_party(getattr(world, reader))
    client.set_cookie(COOKIE, lang)
    values = {"request_id": request.id} if endpoint.startswith("aftersales") else {
        "order_id": order.id}
    response = client.get(url(app, endpoint, **values))
    assert response.status_code == 200
    seen = words(response.text)
    for words_said in says:
        assert words_said in seen, words_said
    assert SIGNER not in response.text and not re.search(r'<img class="signature"', response.text)
    if lang == "en":
        assert DELETED_NAME not in response.text


@pytest.mark.parametrize("reader, endpoint", [("merchant", "orders.signature"),
                                              ("courier", "orders.signature"),
                                              ("admin", "aftersales.signature")])
def test_an_erased_signature_is_not_found(app, as_party, world, erased, reader, endpoint):
    order, request = erased
    values = {"request_id": request.id} if endpoint.startswith("aftersales") else {
        "order_id": order.id}
    response = as_party(getattr(world, reader)).get(url(app, endpoint, **values))
    assert response.status_code == 404 and response.mimetype == "text/html"


ORIGINAL = object()  # filled in: the value the column had before the erasure

# A scheme 5 proof's column, with what a tamperer might write before the erasure: each breaks it.
BEFORE = {"signer_name": "李四", "signature_png": b"", "signer_name_salt": "0" * 32,
          "signer_name_sha256": "0" * 64, "signature_sha256": "0" * 64, "refund_fen": 100,
          "erased_at": datetime(2026, 12, 8, 10)}
# And after it: a fact changed, or what was erased put back (which no longer reads as erased).
AFTER = {"refund_fen": 100, "lat": 1.0, "signature_sha256": "0" * 64, "signer_name": ORIGINAL,
         "signature_png": ORIGINAL, "signer_name_salt": ORIGINAL, "erased_at": None}


def _tamper(order_id: int, column: str, value) -> None:
    db.session.execute(update(ProofOfDelivery).where(ProofOfDelivery.order_id == order_id)
                       .values({column: value}))
    db.session.commit()


@pytest.mark.parametrize("column", BEFORE)
def test_a_change_before_the_erasure_breaks_the_proof(app, as_party, world, signed, column):
    _tamper(signed.id, column, BEFORE[column])
    assert not proof_intact(fresh(signed.id))
    text = as_party(world.merchant).get(url(app, "orders.proof", order_id=signed.id)).text
    assert "数字指纹不一致" in text and "数字指纹一致" not in text


@pytest.mark.parametrize("column", AFTER)
def test_a_change_after_the_erasure_breaks_the_proof(app, world, signed, column):
    kept = {"signer_name": SIGNER, "signature_png": signed.proof.signature_png,
            "signer_name_salt": signed.proof.signer_name_salt}
    delete_account(db.session.get(User, world.buyer.id))
    assert proof_intact(fresh(signed.id))
    _tamper(signed.id, column, kept[column] if AFTER[column] is ORIGINAL else AFTER[column])
    assert not proof_intact(fresh(signed.id))


# Who deletes the account -> whether a proof signed on the courier's phone for the buyer's
# relative loses its name and signature: the buyer's order, so the buyer's deletion does; the
# courier's does not (the hand and name are the relative's, and the proof the buyer's evidence).
DELETERS = [("buyer", True), ("courier", False), ("other_buyer", False), ("merchant", False)]


@pytest.mark.parametrize("who, erases", DELETERS, ids=[d[0] for d in DELETERS])
def test_whose_deletion_erases_a_proof(app, world, advance, who, erases):
    order = advance(Status.ARRIVED)
    signing.sign(order.id, world.courier, "李四（家人）", signature_data_url(),
                 code=order.receipt_code)
    delete_account(db.session.get(User, getattr(world, who).id))
    order = fresh(order.id)
    assert (order.proof.erased_at is not None, order.proof.signer_name == DELETED_NAME,
            order.proof.signature_png == b"") == (erases, erases, erases)
    event = next(e for e in order.events if e.kind in SIGNER_EVENTS)
    assert event.params["name"] == (DELETED_NAME if erases else "李四（家人）")
    assert proof_intact(order)


def test_a_proof_sealed_before_scheme_5_keeps_the_name_and_still_verifies(app, as_party, world,
                                                                          signed):
    """Scheme 4 covers the name and the image themselves: erasing them would break a true
    proof, so the deletion leaves them (its history's signing event is not sealed: erased)."""
    proof = signed.proof
    as_older_scheme(proof, 4)
    proof.digest = proof_digest(proof)
    db.session.commit()
    delete_account(db.session.get(User, world.buyer.id))
    order = fresh(signed.id)
    assert (order.proof.signer_name, order.proof.erased_at) == (SIGNER, None)
    assert order.proof.signature_png and proof_intact(order)
    merchant = as_party(world.merchant)
    text = merchant.get(url(app, "orders.proof", order_id=order.id)).text
    assert "✔ 数字指纹一致：凭证自签收后未被改动" in text and "随账号注销删除" not in text
    assert merchant.get(url(app, "orders.signature", order_id=order.id)).mimetype == "image/png"
    assert [e.params["name"] for e in order.events if e.kind in SIGNER_EVENTS] == [DELETED_NAME]
    _tamper(order.id, "signer_name", "李四")
    assert not proof_intact(fresh(order.id))
    # A scheme 4 proof cannot be erased: one that claims to be reads as altered.
    _tamper(order.id, "signer_name", SIGNER)
    _tamper(order.id, "erased_at", datetime(2026, 12, 8, 10))
    assert not proof_intact(fresh(order.id))
