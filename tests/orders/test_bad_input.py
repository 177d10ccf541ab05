"""Bad input and trespassing on orders: a clear Chinese message and a 4xx, never a 500 or a leak."""
import base64
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.support.factories import stock_of
from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_page,
    assert_redirect,
    checked_radio,
    checkout_data,
    input_value,
    selected_option,
    textarea_value,
    url,
)
from tests.support.images import signature_data_url
from webapp.extensions import db
from webapp.models import CartItem, Delivery, Order, ProofOfDelivery, ShopStatus, Status


def status_of(order: Order) -> Status:
    return db.session.scalar(select(Order.status).where(Order.id == order.id))


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id)))


def cart_quantity(buyer, product) -> int | None:
    return db.session.scalar(select(CartItem.quantity).where(CartItem.user_id == buyer.id,
                                                             CartItem.product_id == product.id))


@pytest.fixture
def ready(world, make_address, add_to_cart):
    """The buyer with an address in the book and 3 of the product (stock 5) in the cart."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 3)
    return address


def assert_form_kept(text: str, data: dict, *, except_field: str | None = None) -> None:
    """Everything the buyer chose at checkout comes back chosen."""
    if except_field != "address_id":
        assert checked_radio(text, "address_id") == data["address_id"]
    if except_field != "window":
        assert selected_option(text, "window") == data["window"]
    if except_field != "payment_method":
        assert checked_radio(text, "payment_method") == data["payment_method"]
    if except_field != "note":
        assert textarea_value(text, "note") == data["note"]
    if except_field != "idempotency_key":
        assert input_value(text, "idempotency_key") == data["idempotency_key"]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_adding_more_than_the_stock_to_the_cart(app, client, login_as, world, htmx):
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"), headers=HX if htmx else {},
                           data={"product_id": world.product.id, "quantity": "6"})
    if htmx:
        text = assert_fragment(response, "add-to-cart", status=409)
        assert "库存不足，仅剩 5 件" in text and input_value(text, "quantity") == "6"
    else:
        assert_redirect(response, url(app, "shops.product", product_id=world.product.id))
        with client.session_transaction() as session:
            assert ("error", "库存不足，仅剩 5 件。") in session["_flashes"]
    assert cart_quantity(world.buyer, world.product) is None and stock_of(world.product) == 5


def test_adding_a_sold_out_product(app, client, login_as, world, make_product):
    sold_out = make_product(world.shop, stock=0)
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"), headers=HX,
                           data={"product_id": sold_out.id, "quantity": "1"})
    text = assert_fragment(response, "add-to-cart", status=409)
    assert "已售罄" in text
    assert cart_quantity(world.buyer, sold_out) is None


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_checkout_after_someone_else_took_the_stock(app, client, login_as, world, place, ready,
                                                     htmx):
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    client.get(path)
    place(world.other_buyer, world.product, quantity=4)  # someone else was quicker
    data = checkout_data(app, ready)
    response = client.post(path, headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "checkout-form", status=409)
    assert "库存不足，仅剩 1 件" in text
    assert_form_kept(text, data)
    assert stock_of(world.product) == 1 and count_orders() == 1  # only the other buyer's
    assert cart_quantity(world.buyer, world.product) == 3


def test_checkout_after_the_product_sold_out(app, client, login_as, world, place, ready):
    login_as(world.buyer)
    place(world.other_buyer, world.product, quantity=5)
    data = checkout_data(app, ready)
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id), headers=HX,
                           data=data)
    text = assert_fragment(response, "checkout-form", status=409)
    # The message names the product, and so does its cart line.
    assert f"「{world.product.title}」已售罄" in text and "已售罄，请移除" in text
    assert_form_kept(text, data)
    assert count_orders() == 1 and cart_quantity(world.buyer, world.product) == 3


def test_the_cart_shown_after_a_refusal_is_the_current_one(app, client, login_as, world, place,
                                                           ready):
    login_as(world.buyer)
    place(world.other_buyer, world.product, quantity=3)
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id), headers=HX,
                           data=checkout_data(app, ready))
    text = assert_fragment(response, "checkout-form", status=409)
    # The line says what is left now and points back to the cart to change it.
    assert text.count("库存不足，仅剩 2 件") == 2 and url(app, "cart.index") in text
    assert stock_of(world.product) == 2


BAD_CHECKOUT = [
    ("address_id", "", "请选择收货地址"),
    ("address_id", "abc", "请选择收货地址"),
    ("address_id", "999999", "请选择收货地址"),
    ("address_id", "99999999999999999999", "请选择收货地址"),
    ("window", "2000-01-01T09:00/2000-01-01T11:00", "该送达时段已不可选"),
    ("window", "2000-01-01T09:00", "该送达时段已不可选"),
    ("window", "not-a-time", "该送达时段已不可选"),
    ("window", "", "请选择送达时间"),
    ("payment_method", "bitcoin", "不是有效的选择"),
    ("payment_method", "", "请选择支付方式"),
    ("note", "长" * 201, "200"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_CHECKOUT,
                         ids=[f"{f}={v[:20]!r}" for f, v, _ in BAD_CHECKOUT])
def test_checkout_with_a_bad_field_keeps_the_form(app, client, login_as, world, ready, field,
                                                  value, message):
    login_as(world.buyer)
    data = checkout_data(app, ready, **{field: value})
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id), headers=HX,
                           data=data)
    text = assert_fragment(response, "checkout-form", status=422)
    assert message in text
    assert_form_kept(text, data, except_field=field)
    assert stock_of(world.product) == 5 and count_orders() == 0
    assert cart_quantity(world.buyer, world.product) == 3


def test_checkout_to_another_buyers_address_is_refused(app, client, login_as, world, ready,
                                                       make_address):
    theirs = make_address(world.other_buyer, detail="别人家 9 号")
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    assert "别人家 9 号" not in client.get(path).text
    assert "别人家 9 号" not in client.get(f"{path}?address={theirs.id}").text
    response = client.post(path, headers=HX, data=checkout_data(app, theirs))
    text = assert_fragment(response, "checkout-form", status=422)
    assert "请选择收货地址" in text and "别人家 9 号" not in text
    assert count_orders() == 0 and cart_quantity(world.buyer, world.product) == 3


def test_a_window_the_shop_does_not_offer_is_refused(app, client, login_as, world, ready):
    world.shop.delivery_slots, world.shop.delivery_days = "9-11", 2
    db.session.commit()
    with app.test_request_context():
        from webapp.shops.windows import delivery_windows

        offered = [choice.value for choice in delivery_windows(world.shop)]
    tomorrow = (datetime.now(ZoneInfo(app.config["TIMEZONE"])) + timedelta(days=1)).date()
    later = tomorrow + timedelta(days=5)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    for window in (f"{tomorrow}T13:00/{tomorrow}T15:00",  # a slot the shop does not run
                   f"{later}T09:00/{later}T11:00",  # beyond the days it takes orders for
                   f"{tomorrow}T09:00/{tomorrow}T13:00"):  # not one of its windows
        assert window not in offered
        response = client.post(path, headers=HX, data=checkout_data(app, ready, window=window))
        assert "该送达时段已不可选" in assert_fragment(response, "checkout-form", status=422)
    assert count_orders() == 0
    # The shop's own window goes through, so the refusals above were about the window.
    response = client.post(path, headers=HX, data=checkout_data(app, ready, window=offered[0]))
    assert response.status_code == 204 and count_orders() == 1


def test_checkout_without_the_idempotency_key_places_nothing(app, client, login_as, world, ready):
    login_as(world.buyer)
    for key in ("", "not-hex", "A" * 32, "b" * 31):
        response = client.post(url(app, "orders.checkout", shop_id=world.shop.id),
                               headers=HX, data=checkout_data(app, ready, idempotency_key=key))
        assert_fragment(response, "checkout-form", status=422)
    assert count_orders() == 0 and cart_quantity(world.buyer, world.product) == 3


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_an_unpublished_product_cannot_be_added(app, client, login_as, world, htmx):
    world.product.published = False
    db.session.commit()
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"), headers=HX if htmx else {},
                           data={"product_id": world.product.id, "quantity": "1"})
    if htmx:
        assert_flash_error(response, 404, "该商品已下架")
    else:
        assert_error_page(response, 404, "该商品已下架")
    assert cart_quantity(world.buyer, world.product) is None and stock_of(world.product) == 5


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_checkout_of_a_product_taken_off_sale_after_adding(app, client, login_as, world, ready,
                                                           htmx):
    world.product.published = False
    db.session.commit()
    login_as(world.buyer)
    data = checkout_data(app, ready)
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id),
                           headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "checkout-form", status=409)
    assert f"「{world.product.title}」已下架" in text
    assert_form_kept(text, data)
    assert count_orders() == 0 and stock_of(world.product) == 5
    assert cart_quantity(world.buyer, world.product) == 3


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_suspended_shop_takes_no_cart_and_no_checkout(app, client, login_as, world, ready,
                                                        make_product, htmx):
    other = make_product(world.shop)
    world.shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    login_as(world.buyer)
    headers = HX if htmx else {}

    def refused(response, message):
        if htmx:
            assert_flash_error(response, 404, message)
        else:
            assert_error_page(response, 404, message)

    refused(client.post(url(app, "cart.add"), headers=headers,
                        data={"product_id": other.id, "quantity": "1"}), "该商品已下架或不存在")
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    refused(client.get(path, headers=headers), "该店铺已暂停营业或不存在")
    refused(client.post(path, headers=headers, data=checkout_data(app, ready)),
            "该店铺已暂停营业或不存在")
    assert count_orders() == 0 and stock_of(world.product) == 5
    assert cart_quantity(world.buyer, world.product) == 3
    assert cart_quantity(world.buyer, other) is None


def test_checkout_of_an_unknown_shop(app, client, login_as, world):
    login_as(world.buyer)
    assert_error_page(client.get(url(app, "orders.checkout", shop_id=999)), 404,
                      "该店铺已暂停营业或不存在")


def test_a_courier_of_the_same_shop_not_assigned_is_a_stranger_too(app, world, advance,
                                                                   as_party, make_courier):
    order = advance(Status.DISPATCHED)
    colleague = as_party(make_courier(world.shop))
    assert_flash_error(colleague.post(url(app, "delivery.start", order_id=order.id), headers=HX),
                       404, "找不到")
    assert status_of(order) is Status.DISPATCHED


def test_signature_before_signing_is_404(app, world, advance, as_party):
    order = advance(Status.ARRIVED)
    response = as_party(world.buyer).get(url(app, "orders.signature", order_id=order.id))
    assert_error_page(response, 404, "该订单尚未签收")


def test_a_buyer_cannot_skip_ahead(app, world, advance, as_party):
    order = advance(Status.DELIVERING)
    response = as_party(world.buyer).post(
        url(app, "orders.sign", order_id=order.id), headers=HX,
        data={"signer_name": "张三", "signature": signature_data_url()})
    assert_flash_error(response, 409, "订单当前为「配送中」，不能签收")
    assert status_of(order) is Status.DELIVERING


@pytest.mark.parametrize("target", ["board-order-{id}", "order-{id}-panel"])
def test_a_second_accept_is_a_conflict_in_the_flash(app, world, advance, as_party, target):
    order = advance(Status.PLACED)
    merchant = as_party(world.merchant)
    headers = {**HX, "HX-Target": target.format(id=order.id)}
    assert merchant.post(url(app, "orders.accept", order_id=order.id),
                         headers=headers).status_code == 200
    response = merchant.post(url(app, "orders.accept", order_id=order.id), headers=headers)
    assert_flash_error(response, 409, "订单当前为「已接单」，不能接单。")
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert 'role="alert"' in response.text
    assert_error_page(merchant.post(url(app, "orders.accept", order_id=order.id)), 409,
                      "不能接单")
    assert status_of(order) is Status.ACCEPTED
    events = db.session.scalar(select(func.count()).select_from(Order).join(Order.events)
                               .where(Order.id == order.id))
    assert events == 2  # placed, accepted: the refused second tap left no trace


def test_refuse_without_a_reason(app, world, advance, as_party):
    order = advance(Status.PLACED)
    response = as_party(world.merchant).post(url(app, "orders.refuse", order_id=order.id),
                                             headers=HX, data={"reason": "  "})
    assert_flash_error(response, 422, "请填写拒单原因")
    assert status_of(order) is Status.PLACED and stock_of(world.product) == 4


def _data_url(image: Image.Image, fmt: str, mime: str = "image/png") -> str:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return f"data:{mime};base64," + base64.b64encode(out.getvalue()).decode()


BAD_SIGNATURES = {
    "jpeg-labelled-png": (_data_url(Image.new("RGB", (300, 150), "black"), "JPEG"),
                          "签名格式无效"),
    "jpeg": (_data_url(Image.new("RGB", (300, 150), "black"), "JPEG", "image/jpeg"),
             "签名格式无效"),
    "gif-labelled-png": (_data_url(Image.new("P", (30, 15), 1), "GIF"), "签名格式无效"),
    "blank-canvas": (_data_url(Image.new("RGBA", (300, 150), (0, 0, 0, 0)), "PNG"), "签名为空"),
    "not-base64": ("data:image/png;base64,!!!not base64!!!", "签名格式无效"),
    "base64-text": ("data:image/png;base64," + base64.b64encode(b"hello world").decode(),
                    "签名格式无效"),
    "truncated-png": (signature_data_url()[:120], "签名格式无效"),
    "prefix-only": ("data:image/png;base64,", "签名格式无效"),
    "javascript": ("javascript:alert(1)", "签名格式无效"),
    "svg": ("data:image/svg+xml;base64," + base64.b64encode(b"<svg/>").decode(), "签名格式无效"),
}


@pytest.mark.parametrize("case", BAD_SIGNATURES)
def test_a_bad_signature_is_refused_and_the_order_stays_arrived(app, world, advance, as_party,
                                                                case):
    data_url, message = BAD_SIGNATURES[case]
    order = advance(Status.ARRIVED)
    buyer = as_party(world.buyer)
    response = buyer.post(url(app, "orders.sign", order_id=order.id), headers=HX,
                          data={"signer_name": "张三", "signature": data_url})
    assert_flash_error(response, 422, message)
    assert status_of(order) is Status.ARRIVED
    assert db.session.scalar(select(func.count(ProofOfDelivery.id))) == 0


def test_an_empty_signature_is_refused_with_the_form_kept(app, world, advance, as_party):
    order = advance(Status.ARRIVED)
    response = as_party(world.buyer).post(url(app, "orders.sign", order_id=order.id), headers=HX,
                                          data={"signer_name": "李四", "signature": ""})
    text = assert_fragment(response, f"order-{order.id}-panel", status=422)
    assert "请在签名区内签名" in text
    assert input_value(text, "signer_name") == "李四"
    assert status_of(order) is Status.ARRIVED


def test_a_missing_signer_name_is_refused(app, world, advance, as_party):
    order = advance(Status.ARRIVED)
    response = as_party(world.buyer).post(url(app, "orders.sign", order_id=order.id),
                                          data={"signer_name": "", "signature":
                                                signature_data_url()})
    text = assert_page(response, f"order-{order.id}-panel", status=422)
    assert "请输入签收人姓名" in text
    assert status_of(order) is Status.ARRIVED


def test_an_oversized_signature_is_refused(app, world, advance, as_party):
    app.config["SIGNATURE_MAX_BYTES"] = 100
    order = advance(Status.ARRIVED)
    response = as_party(world.buyer).post(url(app, "orders.sign", order_id=order.id), headers=HX,
                                          data={"signer_name": "张三",
                                                "signature": signature_data_url()})
    assert_flash_error(response, 413, "签名图片过大")
    assert status_of(order) is Status.ARRIVED


@pytest.mark.parametrize("courier_id", ["other-shop", "", "abc", "999", "buyer"])
def test_assign_needs_a_courier_of_this_shop(app, world, advance, as_party, courier_id):
    order = advance(Status.ACCEPTED)
    value = {"other-shop": str(world.other_courier.id),
             "buyer": str(world.buyer.id)}.get(courier_id, courier_id)
    response = as_party(world.merchant).post(url(app, "orders.assign", order_id=order.id),
                                             headers=HX, data={"courier_id": value})
    assert_flash_error(response, 422, "请选择本店的骑手")
    assert status_of(order) is Status.ACCEPTED
    assert db.session.scalar(select(func.count(Delivery.id))) == 0


def test_an_inactive_courier_cannot_be_assigned(app, world, advance, as_party):
    order = advance(Status.ACCEPTED)
    world.courier.active = False
    db.session.commit()
    response = as_party(world.merchant).post(url(app, "orders.assign", order_id=order.id),
                                             headers=HX, data={"courier_id": world.courier.id})
    assert_flash_error(response, 422, "请选择本店的骑手")
    assert status_of(order) is Status.ACCEPTED


@pytest.mark.parametrize("path", [
    "/no/such/page", "/orders/999999", "/orders/abc", "/orders/-1", "/delivery/999999",
    "/orders/9223372036854775808", "/orders/99999999999999999999999999",
    "/orders/checkout/99999999999999999999", "/catalog/99999999999999999999/edit",
    "/s/no-such-shop", "/s/",
])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_unknown_urls_are_404(app, world, as_party, path, htmx):
    client = as_party(world.buyer if "catalog" not in path else world.merchant)
    if "delivery" in path:
        client = as_party(world.courier)
    response = client.get(path, headers=HX if htmx else {})
    if htmx:
        assert_flash_error(response, 404, "找不到该页面或内容")
    else:
        assert_error_page(response, 404, "找不到该页面或内容")


def test_a_wrong_method_is_405_not_500(app, world, advance, as_party):
    order = advance(Status.PLACED)
    response = as_party(world.merchant).get(url(app, "orders.accept", order_id=order.id))
    assert_error_page(response, 405, "不支持该操作")
    assert status_of(order) is Status.PLACED
