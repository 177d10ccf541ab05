"""Inspection at the door, the signed proof of delivery, and a failed delivery reassigned."""
from __future__ import annotations

import base64
import io
import secrets
from datetime import datetime

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select, text, update

from tests.support.delivery import arrive_at_pin
from tests.support.factories import window_value
from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_page,
    input_value,
    post_multipart,
    selected_option,
    upload,
    url,
)
from tests.support.images import jpeg_bytes, signature_data_url
from tests.support.orders import as_older_scheme
from webapp.delivery import actions as courier_actions
from webapp.extensions import db
from webapp.models import Order, OrderEvent, OrderLine, ProofOfDelivery, Status
from webapp.orders import actions as order_actions
from webapp.orders import checkout as order_checkout
from webapp.orders import proof as order_proof
from webapp.orders import signing as order_signing

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.fixture
def arrived(app, world, make_product):
    """An order of two lines (1 x 12.50 and 2 x 8.00, delivery fee 5.00), courier at the door."""
    world.shop.delivery_fee_fen = 500
    second = make_product(world.shop, title="草莓", price_fen=800)
    order = order_checkout.place_order(
        world.buyer, world.shop.id, {world.product.id: 1, second.id: 2},
        destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105",
                                       39.9087, 116.4605),
        window=window_value(app), payment_method="cod", idempotency_key=secrets.token_hex(16))
    order_actions.accept(order.id, world.merchant)
    order_actions.assign(order.id, world.merchant, world.courier.id)
    courier_actions.start(order.id, world.courier)
    arrive_at_pin(order.id, world.courier)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def sign_form(order, verdicts=None, **extra) -> dict:
    """The sign form as the buyer's browser posts it; `verdicts` {line index: (reason, note)}."""
    data = {"signer_name": "张三", "signature": signature_data_url()}
    for i, line in enumerate(order.lines):
        data[f"line-{line.id}"] = "accepted"
        if verdicts and i in verdicts:
            reason, note = verdicts[i]
            data.update({f"line-{line.id}": "rejected", f"reason-{line.id}": reason,
                         f"note-{line.id}": note})
    data.update(extra)
    return data


def status_of(order) -> Status:
    db.session.expire_all()
    return db.session.scalar(select(Order.status).where(Order.id == order.id))


def proofs() -> int:
    return db.session.scalar(select(func.count(ProofOfDelivery.id)))


def test_all_lines_accepted_completes(app, world, arrived, as_party):
    buyer = as_party(world.buyer)
    response = buyer.post(url(app, "orders.sign", order_id=arrived.id), headers=HX,
                          data=sign_form(arrived))
    text = assert_fragment(response, f"order-{arrived.id}-panel")
    assert status_of(arrived) is Status.COMPLETED
    assert "已验收" in text and "数字指纹一致" in text
    proof = db.session.scalar(select(ProofOfDelivery))
    assert [line["title"] for line in proof.accepted_lines] == [world.product.title, "草莓"]
    assert (proof.rejected_lines, proof.refund_fen, proof.scheme) == ([], 0, 5)
    assert (proof.signed_on, proof.code_matched) == ("buyer", None)  # on the buyer's own phone


def test_one_line_rejected_with_a_photo_is_partially_refused(app, world, arrived, as_party):
    buyer = as_party(world.buyer)
    data = sign_form(arrived, {1: ("商品破损", "两盒都压坏了")})
    data[f"photo-{arrived.lines[1].id}"] = upload(jpeg_bytes(), "broken.jpg")
    response = post_multipart(buyer, url(app, "orders.sign", order_id=arrived.id), data,
                              headers=HX)
    text = assert_fragment(response, f"order-{arrived.id}-panel")
    assert status_of(arrived) is Status.PARTIALLY_REFUSED
    proof = db.session.scalar(select(ProofOfDelivery))
    [rejected] = proof.rejected_lines
    assert (rejected["title"], rejected["quantity"], rejected["amount_fen"], rejected["reason"],
            rejected["note"]) == ("草莓", 2, 1600, "商品破损", "两盒都压坏了")
    assert len(rejected["photo_sha256"]) == 64
    assert proof.refund_fen == 1600
    assert "拒收金额" in text and "¥16.00" in text and "商品破损：两盒都压坏了" in text
    line = db.session.get(OrderLine, arrived.lines[1].id)
    assert (line.inspection, line.reject_photo is not None) == ("rejected", True)
    # The photo is the order's parties' only.
    photo = url(app, "orders.photo", order_id=arrived.id, kind="line", item_id=line.id)
    for who in ("buyer", "merchant", "courier"):
        with as_party(getattr(world, who)).get(photo) as got:
            assert got.status_code == 200 and got.mimetype == "image/jpeg", who
    for who in ("other_buyer", "other_merchant", "other_courier"):
        assert as_party(getattr(world, who)).get(photo).status_code == 404, who
    accepted_line = url(app, "orders.photo", order_id=arrived.id, kind="line",
                        item_id=arrived.lines[0].id)
    assert as_party(world.buyer).get(accepted_line).status_code == 404
    # Cash on delivery: the courier collects the total less the rejected line, and says so.
    courier = as_party(world.courier)
    page = courier.get(url(app, "delivery.detail", order_id=arrived.id)).text
    assert "确认已收款 ¥17.50" in page  # 12.50 + 5.00 delivery
    assert courier.post(url(app, "orders.paid", order_id=arrived.id), headers=HX).status_code == 200
    db.session.expire_all()
    order = db.session.get(Order, arrived.id)
    assert (order.payment_status, order.paid_fen) == ("paid", 1750)
    assert (order.events[-1].kind, order.events[-1].params) == (
        "paid", {"method": "cod", "amount_fen": 1750, "refused_fen": 1600})
    assert "已收款：货到付款（现金） ¥17.50（已扣除拒收 ¥16.00）" in courier.get(
        url(app, "orders.detail", order_id=arrived.id)).text


def test_every_line_rejected_is_refused_and_nothing_is_due(app, world, arrived, as_party):
    buyer = as_party(world.buyer)
    response = buyer.post(url(app, "orders.sign", order_id=arrived.id),
                          data=sign_form(arrived, {0: ("质量问题", ""), 1: ("与描述不符", "")}))
    assert response.status_code == 303
    assert status_of(arrived) is Status.REFUSED
    # The last move (after it, the refused goods are recorded as coming back: no move).
    event = db.session.scalar(select(OrderEvent).where(OrderEvent.action.is_not(None))
                              .order_by(OrderEvent.id.desc()).limit(1))
    assert (event.action, event.to_status) == ("refuse", "refused")
    proof = db.session.scalar(select(ProofOfDelivery))
    assert proof.accepted_lines == [] and proof.refund_fen == arrived.total_fen
    page = buyer.get(url(app, "orders.detail", order_id=arrived.id)).text
    assert "拒收凭证" in page and "已拒收全部商品" in page
    assert "确认已收款" not in as_party(world.courier).get(
        url(app, "delivery.detail", order_id=arrived.id)).text


@pytest.mark.parametrize(("change", "message"), [
    ({"reason": ""}, "请选择拒收原因"),
    ({"reason": "我不喜欢"}, "请选择拒收原因"),
    ({"verdict": "maybe"}, "请选择验收或拒收"),
    ({"photo": upload(b"not an image", "x.jpg")}, "请上传 JPEG、PNG 或 WebP 图片"),
])
def test_a_bad_line_verdict_is_refused_with_the_form_kept(app, world, arrived, as_party, change,
                                                          message):
    line = arrived.lines[1]
    data = sign_form(arrived, {1: (change.get("reason", "商品破损"), "压坏了")},
                     signer_name="李四")
    if "verdict" in change:
        data[f"line-{line.id}"] = change["verdict"]
    if "photo" in change:
        data[f"photo-{line.id}"] = change["photo"]
    response = post_multipart(as_party(world.buyer), url(app, "orders.sign", order_id=arrived.id),
                              data, headers=HX)
    text = assert_fragment(response, f"order-{arrived.id}-panel", status=422)
    assert message in text
    assert input_value(text, "signer_name") == "李四"
    assert input_value(text, f"note-{line.id}") == "压坏了"
    assert input_value(text, "signature") == data["signature"]  # no need to sign again
    if "reason" not in change:
        assert selected_option(text, f"reason-{line.id}") == "商品破损"
    assert status_of(arrived) is Status.ARRIVED and proofs() == 0


def _signature(draw_on) -> str:
    image = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
    draw_on(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.mark.parametrize(("signature", "message"), [
    (_signature(lambda d: d.ellipse((300, 150, 306, 156), fill="black")), "签名过于简单"),
    (_signature(lambda d: d.line([(300, 150), (330, 152)], fill="black", width=4)), "签名过于简单"),
    (_signature(lambda d: d.rectangle((0, 0, 600, 300), fill="black")), "签名格式无效"),
    (_signature(lambda d: None), "签名为空"),
    ("data:image/png;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
     "签名格式无效"),
], ids=["dot", "tick", "filled", "empty", "forged-not-an-image"])
def test_an_empty_trivial_or_forged_signature_is_refused(app, world, arrived, as_party,
                                                         signature, message):
    response = as_party(world.buyer).post(url(app, "orders.sign", order_id=arrived.id),
                                          headers=HX, data=sign_form(arrived, signature=signature))
    assert_flash_error(response, 422, message)
    assert status_of(arrived) is Status.ARRIVED and proofs() == 0


def test_signing_twice_or_before_arrival_is_a_conflict(app, world, arrived, advance, as_party):
    buyer = as_party(world.buyer)
    path = url(app, "orders.sign", order_id=arrived.id)
    assert buyer.post(path, data=sign_form(arrived)).status_code == 303
    assert_flash_error(buyer.post(path, headers=HX, data=sign_form(arrived)), 409,
                       "订单当前为「已完成」，不能签收")
    assert proofs() == 1
    delivering = advance(Status.DELIVERING)
    response = buyer.post(url(app, "orders.sign", order_id=delivering.id), headers=HX,
                          data={"signer_name": "张三", "signature": signature_data_url()})
    assert_flash_error(response, 409, "订单当前为「配送中」，不能签收")
    assert proofs() == 1


def test_a_refused_sign_leaves_no_photo_behind(app, world, arrived, as_party):
    from tests.support.helpers import stored_files

    data = sign_form(arrived, {1: ("商品破损", "")}, signature=_signature(lambda d: None))
    data[f"photo-{arrived.lines[1].id}"] = upload(jpeg_bytes(), "broken.jpg")
    response = post_multipart(as_party(world.buyer), url(app, "orders.sign", order_id=arrived.id),
                              data, headers=HX)
    assert response.status_code == 422
    assert stored_files(app) == [] and proofs() == 0


@pytest.mark.parametrize("who", ["buyer", "merchant", "courier"])
def test_the_proof_page_is_shown_to_each_party_and_the_digest_matches(app, world, arrived,
                                                                      as_party, who):
    order_signing.sign(arrived.id, world.buyer, "张三", signature_data_url(),
                {arrived.lines[0].id: order_signing.LineCheck(True),
                 arrived.lines[1].id: order_signing.LineCheck(False, "数量或规格不符")})
    page = assert_page(as_party(getattr(world, who)).get(url(app, "orders.proof",
                                                             order_id=arrived.id)), "proof-page")
    proof = db.session.scalar(select(ProofOfDelivery))
    assert "数字指纹一致" in page and proof.digest in page
    assert "数量或规格不符" in page and "¥16.00" in page and "张三" in page


def test_no_proof_page_before_signing(app, world, arrived, as_party):
    response = as_party(world.buyer).get(url(app, "orders.proof", order_id=arrived.id))
    assert_error_page(response, 404, "该订单尚未签收")


# Every stored column of a proof but its id, with a changed value a tamperer might write.
TAMPERED = {
    "order_id": None,  # filled in: another order's id
    "signature_png": None,  # filled in: another drawing
    "signer_name": "李四",
    "signer_id": None,  # filled in: another user
    "signed_at": datetime(2026, 1, 1, 8),
    "lat": 39.0,
    "lng": 116.0,
    "accuracy": 500.0,
    "position_at": datetime(2026, 1, 1, 8),
    "accepted_lines": [{"id": 1, "title": "x", "quantity": 9, "unit_price_fen": 1, "amount_fen": 9}],
    "rejected_lines": [],
    "refund_fen": 0,
    "payment": {"method": "cod", "due_fen": 0, "paid_fen": None, "channel": None,
                "transaction_id": "", "refund_fen": 0},
    # Scheme 4 (issue 19): a buyer's own signature passed off as one handed over with the code.
    "signed_on": "courier",
    "code_matched": True,
    # Scheme 5 (migration 0034): the name and the image by their hashes; an erasure claimed
    # while the name is still there.
    "signer_name_salt": "0" * 32,
    "signer_name_sha256": "0" * 64,
    "signature_sha256": "0" * 64,
    "erased_at": datetime(2026, 1, 1, 8),
    "scheme": 1,
    "digest": "0" * 64,
}


def test_the_tamper_table_covers_every_column():
    assert set(TAMPERED) | {"id"} == set(ProofOfDelivery.__table__.columns.keys())


@pytest.mark.parametrize("column", TAMPERED)
def test_tampering_with_any_stored_field_breaks_the_digest(app, world, arrived, as_party, place,
                                                           column):
    order_signing.sign(arrived.id, world.buyer, "张三", signature_data_url(),
                {arrived.lines[0].id: order_signing.LineCheck(True),
                 arrived.lines[1].id: order_signing.LineCheck(False, "商品破损")})
    page = url(app, "orders.proof", order_id=arrived.id)
    assert "数字指纹一致" in as_party(world.buyer).get(page).text
    value = TAMPERED[column]
    if column == "order_id":
        # Move the proof to another order of the same buyer; that order's page shows it.
        other = place(world.buyer, world.product)
        value, page = other.id, url(app, "orders.proof", order_id=other.id)
    elif column == "signature_png":
        value = base64.b64decode(_signature(
            lambda d: d.line([(10, 10), (590, 290)], fill="black", width=6)).split(",")[1])
    elif column == "signer_id":
        value = world.other_buyer.id
    db.session.execute(update(ProofOfDelivery).values({column: value}))
    db.session.commit()
    text = as_party(world.buyer).get(page).text
    assert "数字指纹不一致" in text and "数字指纹一致" not in text


def test_replacing_a_rejected_lines_photo_breaks_the_digest(app, world, arrived, as_party):
    from webapp.uploads import clean_image, path_of

    order_signing.sign(arrived.id, world.buyer, "张三", signature_data_url(),
                {arrived.lines[0].id: order_signing.LineCheck(True),
                 arrived.lines[1].id: order_signing.LineCheck(False, "商品破损",
                                                       clean_image(jpeg_bytes()))})
    page = url(app, "orders.proof", order_id=arrived.id)
    assert "数字指纹一致" in as_party(world.buyer).get(page).text
    line = db.session.get(OrderLine, arrived.lines[1].id)
    path_of(line.reject_photo).write_bytes(clean_image(jpeg_bytes(colour=(200, 0, 0))).data)
    assert "数字指纹不一致" in as_party(world.merchant).get(page).text


def test_a_proof_signed_before_the_new_scheme_still_verifies(app, world, arrived, as_party):
    """Proofs from before migration 0006 (scheme 1: line ids, no accuracy) keep matching."""
    order_signing.sign(arrived.id, world.buyer, "张三", signature_data_url())
    proof = db.session.scalar(select(ProofOfDelivery))
    as_older_scheme(proof, 1)
    proof.accepted_lines = [line.id for line in arrived.lines]
    proof.accuracy = proof.position_at = None
    proof.rejected_lines, proof.refund_fen = [], 0
    proof.digest = order_proof.proof_digest(proof)
    db.session.commit()
    page = as_party(world.buyer).get(url(app, "orders.proof", order_id=arrived.id)).text
    assert "数字指纹一致" in page and world.product.title in page
    db.session.execute(text("UPDATE proof_of_delivery SET lat = 1.0"))
    db.session.commit()
    assert "数字指纹不一致" in as_party(world.buyer).get(
        url(app, "orders.proof", order_id=arrived.id)).text


def test_a_failed_delivery_is_recorded_reassigned_and_then_completed(app, world, arrived,
                                                                     as_party, make_courier):
    courier = as_party(world.courier)
    path = url(app, "delivery.fail", order_id=arrived.id)
    refused = courier.post(path, headers=HX, data={"reason": "太远了"})
    assert_flash_error(refused, 422, "请选择配送失败的原因")
    bad_photo = post_multipart(courier, path, {"reason": "absent", "photo": upload(b"GIF89a")},
                               headers=HX)
    assert_flash_error(bad_photo, 422, "照片无法使用")
    assert status_of(arrived) is Status.ARRIVED
    response = post_multipart(courier, path, {"reason": "absent", "note": "敲门无人应答",
                                              "photo": upload(jpeg_bytes(), "door.jpg")},
                              headers=HX)
    assert_fragment(response, f"delivery-{arrived.id}-panel")
    assert status_of(arrived) is Status.DELIVERY_FAILED
    event = db.session.scalar(select(OrderEvent).where(OrderEvent.to_status == "delivery_failed"))
    assert event.params == {"reason": "absent", "note": "敲门无人应答"} and event.photo
    # The shop sees the reason and the photo, and reassigns.
    merchant = as_party(world.merchant)
    page = merchant.get(url(app, "orders.detail", order_id=arrived.id)).text
    photo = url(app, "orders.photo", order_id=arrived.id, kind="event", item_id=event.id)
    assert "配送失败：收件人不在（敲门无人应答）" in page and photo in page
    with merchant.get(photo) as got:
        assert got.mimetype == "image/jpeg"
    assert as_party(world.other_merchant).get(photo).status_code == 404
    second = make_courier(world.shop)
    assert merchant.post(url(app, "orders.assign", order_id=arrived.id),
                         data={"courier_id": second.id}).status_code == 303
    courier_actions.start(arrived.id, second)
    arrive_at_pin(arrived.id, second)
    order_signing.sign(arrived.id, world.buyer, "张三", signature_data_url())
    assert status_of(arrived) is Status.COMPLETED
    steps = [(e.action, e.to_status) for e in db.session.get(Order, arrived.id).events]
    assert steps[-5:] == [("fail", "delivery_failed"), ("assign", "dispatched"),
                          ("start", "delivering"), ("arrive", "arrived"), ("sign", "completed")]


def test_the_courier_sees_todays_deliveries_with_items_and_a_masked_call_link(app, world,
                                                                            arrived, as_party):
    """The list's card: where, and a masked call link; the items are on the delivery's page."""
    page = assert_page(as_party(world.courier).get(url(app, "delivery.index")))
    assert f'id="courier-order-{arrived.id}"' in page
    assert "建国路 1 号" in page
    detail = as_party(world.courier).get(url(app, "delivery.detail", order_id=arrived.id)).text
    assert "草莓 × 2" in detail
    assert 'href="tel:13912345678"' in page and "139****5678" in page
    assert ">13912345678<" not in page
