"""A checkout refused for stock, posted by htmx from the checkout form on the page, is answered
with the message and the cart's lines only, swapped out of band into that form (HX-Reswap:
none), so the buyer's choices stay as they are on the page; every other case still gets the
whole form (or the page) with everything chosen kept (webapp/orders/refused.py)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.factories import stock_of
from tests.support.helpers import (
    HX,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    checked_radio,
    checkout_data,
    selected_option,
    textarea_value,
    url,
)
from webapp.extensions import db
from webapp.models import CartItem, Order

pytestmark = pytest.mark.db

FROM_FORM = {**HX, "HX-Target": "checkout-form", "HX-Trigger": "checkout-form"}


@pytest.fixture
def short(world, make_address, add_to_cart, place):
    """The buyer with an address and 3 of the product in the cart, of which 1 is left."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 3)
    place(world.other_buyer, world.product, quantity=4)
    return address


def post(app, client, world, data, headers):
    return client.post(url(app, "orders.checkout", shop_id=world.shop.id), data=data,
                       headers=headers)


def parts(text: str) -> list[str]:
    """The opening tag of each top-level element of an out-of-band answer."""
    return re.findall(r"(?m)^<(?:div|section)\b[^>]*>", text)


def test_a_refusal_for_stock_answers_the_message_and_the_lines(app, client, login_as, world,
                                                              short):
    login_as(world.buyer)
    response = post(app, client, world, checkout_data(app, short), FROM_FORM)
    assert response.status_code == 409 and response.headers["HX-Reswap"] == "none"
    assert "HX-Request" in response.headers["Vary"]
    text = response.text
    assert parts(text) == [
        '<div id="checkout-alerts" hx-swap-oob="true">',
        '<section id="checkout-lines" class="checkout-lines" aria-label="商品" hx-swap-oob="true">']
    alert = re.search(r'<p class="notice error" role="alert">([^<]*)</p>', text)[1]
    assert alert == f"「{world.product.title}」库存不足，仅剩 1 件"
    # The line says what is left and leads back to the cart; nothing of the form is sent.
    assert "库存不足，仅剩 1 件</span>" in text and url(app, "cart.index") in text
    assert "<form" not in text and "<input" not in text and "<!doctype" not in text.lower()
    assert stock_of(world.product) == 1 and db.session.scalar(select(func.count(Order.id))) == 1
    assert db.session.scalar(select(CartItem.quantity).where(
        CartItem.user_id == world.buyer.id)) == 3


@pytest.mark.parametrize("change, message", [
    ({"stock": 0}, "「{title}」已售罄"),
    ({"published": False}, "「{title}」已下架，请从购物车移除后再结算。"),
])
def test_sold_out_or_off_sale_is_answered_the_same_way(app, client, login_as, world,
                                                       make_address, add_to_cart, change,
                                                       message):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    for name, value in change.items():
        setattr(world.product, name, value)
    db.session.commit()
    login_as(world.buyer)
    response = post(app, client, world, checkout_data(app, address), FROM_FORM)
    assert response.status_code == 409 and response.headers["HX-Reswap"] == "none"
    assert message.format(title=world.product.title) in response.text


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx from elsewhere"])
def test_without_the_form_asking_the_whole_form_comes_back(app, client, login_as, world, short,
                                                           headers):
    login_as(world.buyer)
    data = checkout_data(app, short)
    response = post(app, client, world, data, headers)
    text = (assert_fragment if headers else assert_page)(response, "checkout-form", status=409)
    assert "HX-Reswap" not in response.headers
    assert f"「{world.product.title}」库存不足，仅剩 1 件" in text
    assert (checked_radio(text, "address_id"), selected_option(text, "window"),
            checked_radio(text, "payment_method"), textarea_value(text, "note")) == (
        data["address_id"], data["window"], data["payment_method"], data["note"])


def test_figures_changed_as_well_redraw_the_form_with_the_new_ones(app, client, login_as,
                                                                   world, short):
    """The page's hidden figures must be the cart's: a price changed too, so the form (with the
    new figures to post next time) comes back."""
    login_as(world.buyer)
    data = checkout_data(app, short)
    world.product.price_fen += 100
    db.session.commit()
    response = post(app, client, world, data, FROM_FORM)
    text = assert_fragment(response, "checkout-form", status=409)
    assert f"{world.product.id}:{world.product.price_fen}x3" in text


def test_a_form_drawn_with_a_fields_error_is_drawn_whole_on_the_next_refusal(
        app, client, login_as, world, make_address, add_to_cart, place):
    """An error shown under a field goes once the field is right: the form drawn with it asks
    (X-Checkout-Redraw) for the whole form, which the brief answer would have left as it was."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 3)
    login_as(world.buyer)
    data = checkout_data(app, address)
    clean = client.get(url(app, "orders.checkout", shop_id=world.shop.id)).text
    assert "X-Checkout-Redraw" not in clean
    wrong = assert_fragment(post(app, client, world, {**data, "window": ""}, FROM_FORM),
                            "checkout-form", status=422)
    form_tag = re.search(r"<form [^>]*>", wrong)[0]
    assert """hx-headers='{"X-Checkout-Redraw": "fields"}'""" in form_tag
    place(world.other_buyer, world.product, quantity=4)  # then the stock runs short
    response = post(app, client, world, data, {**FROM_FORM, "X-Checkout-Redraw": "fields"})
    text = assert_fragment(response, "checkout-form", status=409)
    assert "请选择送达时间" not in text and selected_option(text, "window") == data["window"]


def test_a_key_that_placed_an_order_answers_that_order(app, client, login_as, world,
                                                       make_address, add_to_cart):
    """The order this key placed is the answer, even when the cart, filled again, is short."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    data = checkout_data(app, address)
    first = post(app, client, world, data, FROM_FORM)
    order_id = db.session.scalar(select(Order.id))
    assert_htmx_redirect(first, url(app, "orders.detail", order_id=order_id))
    add_to_cart(world.buyer, world.product, 3)
    world.product.stock = 1
    db.session.commit()
    again = post(app, client, world, {**data, "shown": f"f0;{world.product.id}:1250x3"}, FROM_FORM)
    assert_htmx_redirect(again, url(app, "orders.detail", order_id=order_id))
    assert db.session.scalar(select(func.count(Order.id))) == 1 and stock_of(world.product) == 1
