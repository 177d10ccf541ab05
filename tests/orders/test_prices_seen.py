"""The buyer pays only what the checkout page showed: a price or a delivery fee changed after the
page was drawn refuses the order (409), takes no stock, and draws the page again with the new
figures and a message; the redrawn page then goes through at the new price."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.support.factories import stock_of
from tests.support.helpers import (
    HX,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checked_radio,
    filled_checkout,
    hidden_inputs,
    input_value,
    selected_option,
    textarea_value,
    url,
)
from webapp.cart import services as cart_services
from webapp.extensions import db
from webapp.models import CartItem, Order, Product, ProductVariant, Shop
from webapp.orders import checkout as order_checkout
from webapp.web import Conflict, ServiceError

pytestmark = pytest.mark.db


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id)))


def filled(text: str, address) -> dict[str, str]:
    return filled_checkout(text, address, "alipay")


def merchant_client(app, login_as, merchant):
    client = app.test_client()
    login_as(merchant, client)
    return client


def change_price(app, login_as, world, fen: int) -> None:
    """The merchant edits the product's price on their product form."""
    product = world.product
    response = merchant_client(app, login_as, world.merchant).post(
        url(app, "catalog.edit", product_id=product.id),
        data={"title": product.title, "category": product.category, "price": f"{fen / 100:.2f}",
              "stock": str(product.stock), "stock_seen": str(product.stock), "published": "y"})
    assert response.status_code in (200, 303), response.text[:300]
    db.session.expire_all()
    assert db.session.get(Product, product.id).price_fen == fen


def change_fee(app, login_as, world, fen: int) -> None:
    """The merchant changes the shop's delivery fee in its delivery settings."""
    shop = world.shop
    response = merchant_client(app, login_as, world.merchant).post(
        url(app, "merchants.delivery_settings"),
        data={"slots": shop.delivery_slots.split(","), "delivery_days": str(shop.delivery_days),
              "delivery_lead_minutes": str(shop.delivery_lead_minutes),
              "delivery_fee": f"{fen / 100:.2f}"})
    assert response.status_code in (200, 303), response.text[:300]
    db.session.expire_all()
    assert db.session.get(Shop, world.shop.id).delivery_fee_fen == fen


# (what the merchant changes, the message, the total the redrawn page asks); the product is
# ¥12.50 × 2 and the fee ¥0.00 when the page is drawn.
CHANGES = {
    "price": (lambda app, login_as, w: change_price(app, login_as, w, 1350),
              "价格已变化：{title} ¥12.50 → ¥13.50，请确认后再下单", 2700),
    "fee": (lambda app, login_as, w: change_fee(app, login_as, w, 500),
            "价格已变化：配送费 ¥0.00 → ¥5.00，请确认后再下单", 3000),
    "both": (lambda app, login_as, w: (change_price(app, login_as, w, 1199),
                                       change_fee(app, login_as, w, 800)),
             "价格已变化：{title} ¥12.50 → ¥11.99、配送费 ¥0.00 → ¥8.00，请确认后再下单", 3198),
}


@pytest.mark.parametrize("what", list(CHANGES))
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_change_after_the_page_was_drawn_is_refused_and_shown(app, client, login_as, world,
                                                                make_address, add_to_cart,
                                                                what, htmx):
    change, message, total = CHANGES[what]
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    drawn = client.get(path).text
    assert "提交订单 ¥25.00" in drawn
    data = filled(drawn, address)
    change(app, login_as, world)

    response = client.post(path, headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "checkout-form", status=409)
    assert message.format(title=world.product.title) in text
    assert f"提交订单 ¥{total // 100}.{total % 100:02d}" in text  # the new figures
    # What the buyer chose is kept.
    assert checked_radio(text, "address_id") == data["address_id"]
    assert selected_option(text, "window") == data["window"]
    assert checked_radio(text, "payment_method") == "alipay"
    assert textarea_value(text, "note") == "放门口"
    assert input_value(text, "idempotency_key") == data["idempotency_key"]
    assert count_orders() == 0 and stock_of(world.product) == 5
    assert db.session.scalar(select(CartItem.quantity).where(
        CartItem.user_id == world.buyer.id)) == 2

    # The buyer has now seen the new figures: the redrawn page goes through at them.
    again = client.post(path, headers=HX if htmx else {}, data=filled(text, address))
    order = db.session.scalar(select(Order))
    assert order is not None, again.text[:500]
    (assert_htmx_redirect if htmx else assert_redirect)(
        again, url(app, "orders.detail", order_id=order.id))
    assert order.total_fen == total and stock_of(world.product) == 3


def test_an_unchanged_page_goes_through_at_what_it_showed(app, client, login_as, world,
                                                          make_address, add_to_cart,
                                                          make_product):
    address = make_address(world.buyer)
    pear = make_product(world.shop, title="香梨", price_fen=990, stock=9)
    add_to_cart(world.buyer, world.product, 2)
    add_to_cart(world.buyer, pear, 3)
    world.shop.delivery_fee_fen = 650
    db.session.commit()
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    response = client.post(path, data=filled(client.get(path).text, address))
    order = db.session.scalar(select(Order))
    assert_redirect(response, url(app, "orders.detail", order_id=order.id))
    assert (order.items_fen, order.delivery_fee_fen, order.total_fen) == (5470, 650, 6120)


def other_buyers_page(app, login_as, world, make_address, add_to_cart) -> str:
    """The hidden field another buyer's checkout page carries (one of the product, not two)."""
    make_address(world.other_buyer)
    add_to_cart(world.other_buyer, world.product, 1)
    theirs = app.test_client()
    login_as(world.other_buyer, theirs)
    return hidden_inputs(theirs.get(url(app, "orders.checkout", shop_id=world.shop.id)).text)[
        "shown"]


# A tampered field: (value or None for missing, status, message).
TAMPERED = {
    "missing": (None, 422, "无法确认下单页显示的价格，请核对后再提交"),
    "empty": ("", 422, "无法确认下单页显示的价格，请核对后再提交"),
    "garbage": ("<script>", 422, "无法确认下单页显示的价格，请核对后再提交"),
    "negative": ("f-1", 422, "无法确认下单页显示的价格，请核对后再提交"),
    "huge": ("f0" + ";1:1x1" * 2000, 422, "无法确认下单页显示的价格，请核对后再提交"),
    "twice the same line": ("f0;{p}:1250x1;{p}:1250x1", 422,
                            "无法确认下单页显示的价格，请核对后再提交"),
    "a big number": ("f0;{p}:" + "9" * 40 + "x2", 422, "无法确认下单页显示的价格，请核对后再提交"),
    "a lower price": ("f0;{p}:1x2", 409, "价格已变化：{title} ¥0.01 → ¥12.50，请确认后再下单"),
    "another line": ("f0;{p}:1250x2;999999:100x1", 409, "购物车已有变化，请确认后再下单"),
    "another buyer's": ("theirs", 409, "购物车已有变化，请确认后再下单"),
}


@pytest.mark.parametrize("case", list(TAMPERED))
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_tampered_page_is_refused_with_a_message(app, client, login_as, world, make_address,
                                                   add_to_cart, case, htmx):
    value, status, message = TAMPERED[case]
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    if value == "theirs":
        value = other_buyers_page(app, login_as, world, make_address, add_to_cart)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    data = filled(client.get(path).text, address)
    if value is None:
        data.pop("shown", None)
    else:
        data["shown"] = value.format(p=world.product.id)
    response = client.post(path, headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "checkout-form", status=status)
    assert message.format(title=world.product.title) in text
    assert count_orders() == 0 and stock_of(world.product) == 5
    # The page drawn again carries what it shows now, so the buyer can go on from it.
    response = client.post(path, data=filled(text, address))
    assert response.status_code == 303 and count_orders() == 1


def stale_cart(world, **changes):
    """The buyer's cart as this request loaded it, then another request's committed change to
    the shop or product, which the loaded cart does not see."""
    cart = cart_services.cart_for_shop(world.buyer, world.shop.id)
    session = db.session()
    session.expire_on_commit = False
    try:
        for model, values in changes.items():
            row = {"product": (Product, world.product.id), "shop": (Shop, world.shop.id)}[model]
            db.session.execute(sa.update(row[0]).where(row[0].id == row[1]).values(**values)
                               .execution_options(synchronize_session=False))
            if model == "product":  # the product's one variant holds its price and stock
                db.session.execute(sa.update(ProductVariant).where(
                    ProductVariant.product_id == world.product.id).values(**{
                        k: v for k, v in values.items() if k in ("price_fen", "stock")})
                    .execution_options(synchronize_session=False))
        db.session.commit()
    finally:
        session.expire_on_commit = True
    return cart


@pytest.mark.parametrize(("changes", "message"), [
    ({"product": {"price_fen": 1400}}, "价格已变化：{title} ¥12.50 → ¥14.00，请确认后再下单"),
    ({"shop": {"delivery_fee_fen": 300}}, "价格已变化：配送费 ¥0.00 → ¥3.00，请确认后再下单"),
], ids=["price", "fee"])
def test_a_change_between_the_read_and_the_order_is_refused_in_the_transaction(
        app, world, add_to_cart, changes, message):
    """The page's figures are compared with the cart as read, but the transaction that takes
    the stock is the guard: a change committed after that read still refuses the order."""
    from webapp.orders.shown import of_cart

    add_to_cart(world.buyer, world.product, 2)
    shown = of_cart(cart_services.cart_for_shop(world.buyer, world.shop.id))
    title = world.product.title
    cart = stale_cart(world, **changes)
    assert cart.items[0].product.price_fen == 1250 and cart.shop.delivery_fee_fen == 0
    with pytest.raises(Conflict) as refused:
        order_checkout.place_order(
            world.buyer, world.shop.id, cart=cart, shown=shown,
            destination=order_checkout.Destination("张三", "13912345678", "x"),
            window=option_window(app), payment_method="cod",
            idempotency_key=secrets.token_hex(16))
    assert refused.value.status == 409 and message.format(title=title) in refused.value.message
    assert count_orders() == 0 and stock_of(world.product) == 5
    assert db.session.scalar(select(func.count(CartItem.id))) == 1


def option_window(app) -> str:
    from tests.support.factories import window_value

    return window_value(app)


def test_a_service_caller_without_a_page_is_not_asked_for_one(app, world):
    """Placing an order in code (the demo data, the benchmarks' seed) has no page: it orders at
    the current figures, and the snapshot is what the stock statement checked."""
    with pytest.raises(ServiceError) as nothing:
        order_checkout.place_order(
            world.buyer, world.shop.id, destination=order_checkout.Destination("张三", "1", "x"),
            window=option_window(app), payment_method="cod", idempotency_key="a" * 32)
    assert nothing.value.status == 409  # an empty cart, as before
    order = order_checkout.place_order(
        world.buyer, world.shop.id, {world.product.id: 1},
        destination=order_checkout.Destination("张三", "13912345678", "x"),
        window=option_window(app), payment_method="cod", idempotency_key="b" * 32)
    assert order.total_fen == 1250


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_form_refused_for_a_field_also_says_what_changed(app, client, login_as, world,
                                                           make_address, add_to_cart, htmx):
    """The buyer fixes the field on a page drawn with the new figures: they are told so."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    data = {**filled(client.get(path).text, address), "window": ""}
    change_price(app, login_as, world, 1350)
    response = client.post(path, headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "checkout-form", status=422)
    assert "请选择送达时间" in text and "提交订单 ¥27.00" in text
    assert f"价格已变化：{world.product.title} ¥12.50 → ¥13.50，请确认后再下单" in text
    # Nothing changed: the field's message only.
    response = client.post(path, headers=HX, data={**filled(text, address), "window": ""})
    text = assert_fragment(response, "checkout-form", status=422)
    assert "请选择送达时间" in text and "价格已变化" not in text
    assert count_orders() == 0
