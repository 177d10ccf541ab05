"""Upload routes: the rest of a form is checked before its photos are decoded, posts that carry a
photo are limited per user, and a big phone photo is stored at the size its page shows."""
from __future__ import annotations

import functools
import secrets
from datetime import timedelta

import pytest
from PIL import Image

from tests.support.database import app_with_limits
from tests.support.demands import HERE, local
from tests.support.helpers import HX, assert_flash_error, post_multipart, stored_files, upload, url
from tests.support.images import bilevel_png, jpeg_bytes, phone_jpeg
from webapp.extensions import db
from webapp.models import Role, Status

TOO_LARGE = "图片尺寸过大"
LIMITED = "上传照片太频繁了，请稍后再试。"
PRODUCT = {"title": "有机西兰花", "description": "", "category": "produce", "price": "8.80",
           "stock": "3", "low_stock_at": "2", "published": "y"}
DEMAND = {"title": "20 斤妃子笑荔枝", "description": "", "category": "produce", "quantity": "2",
          "budget": "150", "province": "11", "city": "1101", "district": HERE,
          "idempotency_key": "c" * 32}


@functools.cache
def bomb() -> bytes:
    """Refused as too large whenever it is looked at: its message shows whether it was."""
    return bilevel_png(20000, 20000)


@functools.cache
def phone_photo() -> bytes:
    return phone_jpeg((8000, 6000))  # 48 MP


# ---- the rest of the form first --------------------------------------------------------------

def _product(app, world, changes):
    return "catalog.products", {}, world.merchant, {**PRODUCT, **changes}


def _edit(app, world, changes):
    return ("catalog.edit", {"product_id": world.product.id}, world.merchant,
            {**PRODUCT, **changes})


def _demand(app, world, changes):
    return "demands.new", {}, world.buyer, {**DEMAND, "needed_by": local(timedelta(days=2)),
                                            **changes}


FORMS = {  # a form refused for another field, the message it shows
    "product-price": (_product, {"price": "1.234"}, "请输入大于 0 的价格"),
    "product-title": (_product, {"title": ""}, "请输入商品名称"),
    "edit-price": (_edit, {"price": "0"}, "请输入大于 0 的价格"),
    "demand-quantity": (_demand, {"quantity": "0"}, "数量"),
}


@pytest.mark.parametrize("case", FORMS)
def test_a_form_refused_for_another_field_does_not_decode_its_photo(app, world, as_party, case):
    build, changes, message = FORMS[case]
    endpoint, args, user, data = build(app, world, changes)
    response = as_party(user).post(url(app, endpoint, **args), headers=HX,
                              data={**data, "photo": upload(bomb(), "huge.png")})
    assert response.status_code == 422
    assert message in response.text
    assert TOO_LARGE not in response.text  # the photo was never looked at
    assert stored_files(app) == []


@pytest.mark.parametrize("reason", ["", "外星人"])
def test_a_failure_report_without_a_good_reason_does_not_decode_its_photo(app, world, advance,
                                                                          as_party, reason):
    order = advance(Status.ARRIVED)
    response = as_party(world.courier).post(url(app, "delivery.fail", order_id=order.id), headers=HX,
                                       data={"reason": reason, "photo": upload(bomb(), "x.png")})
    assert_flash_error(response, 422, "请选择配送失败的原因")
    assert TOO_LARGE not in response.text


def test_a_sign_form_without_a_signature_does_not_decode_a_lines_photo(app, world, advance, as_party):
    order = advance(Status.ARRIVED)
    line = order.lines[0]
    response = as_party(world.buyer).post(url(app, "orders.sign", order_id=order.id), headers=HX, data={
        "signer_name": "张三", "signature": "", f"line-{line.id}": "rejected",
        f"reason-{line.id}": "商品破损", f"photo-{line.id}": upload(bomb(), "x.png")})
    assert response.status_code == 422
    assert "请在签名区内签名" in response.text and TOO_LARGE not in response.text


def test_a_valid_form_still_refuses_a_bad_photo(app, world, as_party):
    response = as_party(world.merchant).post(url(app, "catalog.products"), headers=HX,
                                        data={**PRODUCT, "photo": upload(bomb(), "huge.png")})
    assert response.status_code == 422 and TOO_LARGE in response.text


# ---- a big phone photo -----------------------------------------------------------------------

def test_a_48_megapixel_phone_photo_is_stored_at_the_products_size(app, world, as_party):
    response = post_multipart(as_party(world.merchant), url(app, "catalog.products"),
                              {**PRODUCT, "photo": upload(phone_photo(), "IMG_0001.jpg")})
    assert response.status_code == 303
    [path] = stored_files(app)
    with Image.open(path) as image:
        assert (image.format, image.size) == ("JPEG", (1200, 900))


# ---- the per-user limit ----------------------------------------------------------------------

@pytest.fixture
def limited_app(tmp_path):
    yield from app_with_limits(tmp_path / "uploads", UPLOAD_LIMIT="2 per minute")


def merchant_client(app):
    from webapp.models import Shop, User

    user = User(role=Role.MERCHANT, email=f"{secrets.token_hex(4)}@example.com",
                display_name="商家", password_hash="x")
    db.session.add(user)
    db.session.flush()
    db.session.add(Shop(owner_id=user.id, handle=secrets.token_hex(4), name="店",
                        district_code=HERE))
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return client


def test_posts_with_a_photo_are_limited_per_user(limited_app):
    app = limited_app
    path = url(app, "catalog.products")
    merchant = merchant_client(app)
    for n in range(3):  # without a photo: not counted
        assert merchant.post(path, data={**PRODUCT, "title": f"无图 {n}"}).status_code == 303
    # A photo refused for another field counts: the limit is on what a client asks of us.
    assert merchant.post(path, headers=HX, data={**PRODUCT, "price": "x",
                                                 "photo": upload(jpeg_bytes())}).status_code == 422
    assert merchant.post(path, data={**PRODUCT, "photo": upload(jpeg_bytes())}).status_code == 303
    assert_flash_error(merchant.post(path, headers=HX, data={**PRODUCT, "photo": upload(
        jpeg_bytes())}), 429, LIMITED)
    page = merchant.post(url(app, "merchants.shop_settings"),
                         data={"name": "店", "logo": upload(jpeg_bytes())})
    assert page.status_code == 429 and LIMITED in page.text and "<html" in page.text
    assert merchant.post(path, data={**PRODUCT, "title": "还是无图"}).status_code == 303
    # Another merchant is not held back.
    other = merchant_client(app)
    assert other.post(path, data={**PRODUCT, "photo": upload(jpeg_bytes())}).status_code == 303


def test_the_limit_message_is_in_english_too(limited_app):
    app = limited_app
    merchant = merchant_client(app)
    path = url(app, "catalog.products")
    for _ in range(2):
        merchant.post(path, data={**PRODUCT, "photo": upload(jpeg_bytes())})
    response = merchant.post(path, headers={**HX, "Accept-Language": "en"},
                             data={**PRODUCT, "photo": upload(jpeg_bytes())})
    assert response.status_code == 429
    assert "Too many photo uploads" in response.text
