"""The cart-to-order path end to end through the routes (the detailed rules have their own tests)."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import (
    HX,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    input_value,
    url,
)
from webapp.extensions import db
from webapp.models import Address, CartItem, Order, Product

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def test_cart_address_checkout_makes_one_order_and_empties_the_cart(app, client, login_as, world,
                                                                      make_product):
    second = make_product(world.shop, stock=3, price_fen=300)
    login_as(world.buyer)
    for product, quantity in ((world.product, 2), (second, 1), (world.product, 1)):
        response = client.post(url(app, "cart.add"), headers=HX,
                               data={"product_id": product.id, "quantity": quantity})
        assert_fragment(response, "add-to-cart")
    assert db.session.query(CartItem).filter_by(user_id=world.buyer.id).count() == 2
    page = assert_page(client.get(url(app, "cart.index")), f"cart-shop-{world.shop.id}")
    assert "¥40.50" in page  # 3 × 12.50 + 3.00
    # One cart link (the top bar's), with the count; the page holds no out-of-band copy.
    assert page.count('id="cart-link"') == 1 and '<span class="badge">4</span>' in page

    checkout = url(app, "orders.checkout", shop_id=world.shop.id)
    response = client.post(url(app, "addresses.new", next=checkout), data={
        "contact_name": "李四", "mobile": "13912345678", "province": "11", "city": "1101",
        "district": "110105", "street": "建国路 1 号", "lat": "39.9", "lng": "116.4"})
    address = db.session.query(Address).filter_by(user_id=world.buyer.id).one()
    assert address.is_default and address.lat == 39.9
    assert response.headers["Location"] == f"{checkout}?address={address.id}"

    page = assert_page(client.get(f"{checkout}?address={address.id}"), "checkout-form")
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    window = re.search(r'<option value="([^"]+)"', page).group(1)
    form = {"address_id": address.id, "window": window, "payment_method": "wechat",
            "note": "放门口", "idempotency_key": key, "shown": input_value(page, "shown")}
    first = client.post(checkout, headers=HX, data=form)
    order = db.session.query(Order).one()
    assert_htmx_redirect(first, url(app, "orders.detail", order_id=order.id))
    again = client.post(checkout, headers=HX, data=form)
    assert_htmx_redirect(again, url(app, "orders.detail", order_id=order.id))
    assert db.session.query(Order).count() == 1
    assert order.total_fen == 4050 and order.district_code == "110105"
    assert order.address == "北京市 朝阳区 建国路 1 号" and order.dest_lng == 116.4
    assert sorted((line.title, line.quantity) for line in order.lines) == sorted(
        [(world.product.title, 3), (second.title, 1)])
    assert db.session.query(CartItem).filter_by(user_id=world.buyer.id).count() == 0
    db.session.expire_all()
    assert db.session.get(Product, world.product.id).stock == 2
