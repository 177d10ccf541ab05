"""The cart: one per shop, quantities within 1..99 and the stock, only the buyer's own lines."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checkout_data,
    input_value,
    url,
)
from webapp.extensions import db
from webapp.models import CartItem, Order, Role

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def quantities(buyer) -> dict[int, int]:
    """{product id: quantity} of the buyer's cart, read from the database."""
    return dict(db.session.execute(select(CartItem.product_id, CartItem.quantity)
                                   .where(CartItem.user_id == buyer.id)).all())


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return list(session.get("_flashes", []))


@pytest.fixture
def two_shops(world, make_product):
    """A product in each of two shops."""
    return world.product, make_product(world.other_shop, price_fen=800, stock=4)


def test_an_empty_cart_says_so(app, client, login_as, world):
    login_as(world.buyer)
    text = assert_page(client.get(url(app, "cart.index")))
    assert "购物车是空的" in text and 'id="cart-shop-' not in text


def test_each_shop_has_its_own_cart_and_checkout(app, client, login_as, world, two_shops,
                                                 make_address):
    mine, theirs = two_shops
    address = make_address(world.buyer)
    login_as(world.buyer)
    for product in (mine, theirs):
        response = client.post(url(app, "cart.add"), headers=HX,
                               data={"product_id": product.id, "quantity": "2"})
        assert_fragment(response, "add-to-cart")
    page = assert_page(client.get(url(app, "cart.index")))
    for shop in (world.shop, world.other_shop):
        assert f'id="cart-shop-{shop.id}"' in page
        assert f'href="{url(app, "orders.checkout", shop_id=shop.id)}"' in page
    # The checkout page of one shop lists that shop's lines only.
    checkout = client.get(url(app, "orders.checkout", shop_id=world.shop.id)).text
    assert mine.title in checkout and theirs.title not in checkout

    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id), headers=HX,
                           data=checkout_data(app, address, world.shop))
    order = db.session.scalar(select(Order))
    assert_htmx_redirect(response, url(app, "orders.detail", order_id=order.id))
    assert [line.product_id for line in order.lines] == [mine.id]
    assert quantities(world.buyer) == {theirs.id: 2}  # the other shop's cart is untouched
    page = client.get(url(app, "cart.index")).text
    assert f'id="cart-shop-{world.other_shop.id}"' in page
    assert f'id="cart-shop-{world.shop.id}"' not in page


def test_adding_twice_adds_up(app, client, login_as, world):
    login_as(world.buyer)
    first = client.post(url(app, "cart.add"), headers=HX,
                        data={"product_id": world.product.id, "quantity": "2"})
    text = assert_fragment(first, "add-to-cart")
    assert "已加入购物车" in text
    assert url(app, "orders.checkout", shop_id=world.shop.id) in text
    # The badge in the top bar is updated out of band.
    assert re.search(r'id="cart-link" hx-swap-oob="true"[^>]*>(<svg [^>]*aria-hidden="true".*?</svg>)?购物车'
                     r'<span class="badge">2<', text)
    second = client.post(url(app, "cart.add"),
                         data={"product_id": world.product.id, "quantity": "1"})
    assert_redirect(second, url(app, "shops.product", product_id=world.product.id))
    assert ("success", f"已加入购物车：{world.product.title} × 1") in flashes(client)
    assert quantities(world.buyer) == {world.product.id: 3}
    assert db.session.scalar(select(func.count(CartItem.id))) == 1


def test_adding_up_beyond_the_stock_is_refused(app, client, login_as, world, add_to_cart):
    add_to_cart(world.buyer, world.product, 4)
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"), headers=HX,
                           data={"product_id": world.product.id, "quantity": "2"})
    text = assert_fragment(response, "add-to-cart", status=409)
    assert "库存不足，仅剩 5 件" in text
    assert quantities(world.buyer) == {world.product.id: 4}


BAD_QUANTITIES = ["0", "-1", "100", "", "abc", "1.5", "99999999999999999999"]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_adding_a_bad_quantity_changes_nothing(app, client, login_as, world, add_to_cart,
                                               quantity):
    add_to_cart(world.buyer, world.product, 1)
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"), headers=HX,
                           data={"product_id": world.product.id, "quantity": quantity})
    text = assert_fragment(response, "add-to-cart", status=422)
    assert "数量需为 1 到 99" in text and input_value(text, "quantity") == quantity
    assert text.count('id="add-qty-error"') == 1  # the one aria-describedby points at
    assert quantities(world.buyer) == {world.product.id: 1}


def test_adding_a_bad_quantity_without_htmx_says_why(app, client, login_as, world):
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"),
                           data={"product_id": world.product.id, "quantity": "0"})
    assert_redirect(response, url(app, "shops.product", product_id=world.product.id))
    assert ("error", "数量需为 1 到 99") in flashes(client)
    assert quantities(world.buyer) == {}


@pytest.mark.parametrize("product_id", ["999999", "abc", "", "0", "99999999999999999999"])
def test_adding_an_unknown_product_is_404(app, client, login_as, world, product_id):
    login_as(world.buyer)
    response = client.post(url(app, "cart.add"), headers=HX,
                           data={"product_id": product_id, "quantity": "1"})
    assert_flash_error(response, 404, "该商品已下架或不存在")
    assert quantities(world.buyer) == {}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_changing_a_quantity(app, client, login_as, world, add_to_cart, htmx):
    item = add_to_cart(world.buyer, world.product, 1)
    login_as(world.buyer)
    response = client.post(url(app, "cart.quantity", item_id=item.id),
                           headers=HX if htmx else {}, data={"quantity": "4"})
    if htmx:
        text = assert_fragment(response, f"cart-shop-{world.shop.id}")
        assert input_value(text, "quantity") == "4" and "¥50.00" in text
        assert '<span class="badge">4</span>' in text  # the top-bar badge, out of band
    else:
        assert_redirect(response, url(app, "cart.index"))
    assert quantities(world.buyer) == {world.product.id: 4}


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_changing_to_a_bad_quantity_changes_nothing(app, client, login_as, world, add_to_cart,
                                                    quantity):
    item = add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    response = client.post(url(app, "cart.quantity", item_id=item.id), headers=HX,
                           data={"quantity": quantity})
    assert_flash_error(response, 422, "数量需为 1 到 99")
    assert quantities(world.buyer) == {world.product.id: 2}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_changing_a_quantity_beyond_the_stock_is_refused(app, client, login_as, world,
                                                         add_to_cart, htmx):
    item = add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    response = client.post(url(app, "cart.quantity", item_id=item.id),
                           headers=HX if htmx else {}, data={"quantity": "6"})
    if htmx:
        assert_flash_error(response, 409, "库存不足，仅剩 5 件")
    else:
        assert_error_page(response, 409, "库存不足，仅剩 5 件")
    assert quantities(world.buyer) == {world.product.id: 2}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_removing_a_line(app, client, login_as, world, add_to_cart, make_product, htmx):
    keep = add_to_cart(world.buyer, make_product(world.shop), 1)
    item = add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    response = client.post(url(app, "cart.remove", item_id=item.id),
                           headers=HX if htmx else {})
    if htmx:
        text = assert_fragment(response, f"cart-shop-{world.shop.id}")
        assert f'id="cart-item-{item.id}"' not in text and f'id="cart-item-{keep.id}"' in text
    else:
        assert_redirect(response, url(app, "cart.index"))
        assert ("success", "已从购物车移除。") in flashes(client)
    assert quantities(world.buyer) == {keep.product_id: 1}


def test_removing_the_last_line_empties_that_shops_cart(app, client, login_as, world,
                                                        add_to_cart):
    item = add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    response = client.post(url(app, "cart.remove", item_id=item.id), headers=HX)
    text = assert_fragment(response, f"cart-shop-{world.shop.id}")
    assert "该店铺的购物车已清空" in text
    assert url(app, "orders.checkout", shop_id=world.shop.id) not in text
    assert quantities(world.buyer) == {}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_another_buyers_cart_line_is_404_and_stays(app, client, login_as, world, add_to_cart,
                                                   htmx):
    theirs = add_to_cart(world.other_buyer, world.product, 2)
    login_as(world.buyer)
    for endpoint, data in (("cart.quantity", {"quantity": "1"}), ("cart.remove", {})):
        response = client.post(url(app, endpoint, item_id=theirs.id),
                               headers=HX if htmx else {}, data=data)
        if htmx:
            assert_flash_error(response, 404, "找不到")
        else:
            assert_error_page(response, 404, "找不到")
    assert quantities(world.other_buyer) == {world.product.id: 2}
    assert quantities(world.buyer) == {}


def test_a_line_taken_off_sale_blocks_checkout_until_removed(app, client, login_as, world,
                                                             add_to_cart, make_product):
    gone = make_product(world.shop, title="下架的梨")
    add_to_cart(world.buyer, world.product, 1)
    item = add_to_cart(world.buyer, gone, 1)
    gone.published = False
    db.session.commit()
    login_as(world.buyer)
    text = client.get(url(app, "cart.index")).text
    assert "该商品已下架，请移除" in text and "请先处理上面标红的商品再结算" in text
    assert f'href="{url(app, "orders.checkout", shop_id=world.shop.id)}"' not in text
    text = assert_fragment(client.post(url(app, "cart.remove", item_id=item.id), headers=HX),
                           f"cart-shop-{world.shop.id}")
    assert f'href="{url(app, "orders.checkout", shop_id=world.shop.id)}"' in text


CART_ENDPOINTS = [("cart.index", "get", {}), ("cart.add", "post", {}),
                  ("cart.quantity", "post", {"item_id": 1}), ("cart.remove", "post", {"item_id": 1})]


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.COURIER, Role.ADMIN])
@pytest.mark.parametrize(("endpoint", "method", "values"), CART_ENDPOINTS,
                         ids=[e for e, _, _ in CART_ENDPOINTS])
def test_only_buyers_have_a_cart(app, client, login_as, world, add_to_cart, role, endpoint,
                                 method, values):
    item = add_to_cart(world.buyer, world.product, 2)
    user = {Role.MERCHANT: world.merchant, Role.COURIER: world.courier,
            Role.ADMIN: world.admin}[role]
    login_as(user)
    path = url(app, endpoint, **{k: item.id for k in values})
    data = {"product_id": world.product.id, "quantity": "1"} if method == "post" else None
    send = getattr(client, method)
    assert_flash_error(send(path, headers=HX, data=data), 403, "你没有权限")
    assert_error_page(send(path, data=data), 403, "你没有权限查看或操作此内容")
    assert db.session.scalar(select(func.count(CartItem.id))) == 1
    assert quantities(world.buyer) == {world.product.id: 2}


@pytest.mark.parametrize(("endpoint", "method", "values"), CART_ENDPOINTS,
                         ids=[e for e, _, _ in CART_ENDPOINTS])
def test_an_anonymous_visitor_is_sent_to_log_in(app, client, world, add_to_cart, endpoint,
                                                method, values):
    item = add_to_cart(world.buyer, world.product, 2)
    path = url(app, endpoint, **{k: item.id for k in values})
    data = {"product_id": world.product.id, "quantity": "1"} if method == "post" else None
    send = getattr(client, method)
    response = send(path, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(url(app, "auth.login"))
    # htmx gets a 401 and HX-Redirect back to the page it was on, not a login page to swap in.
    here = url(app, "shops.product", product_id=world.product.id)
    response = send(path, data=data, headers={**HX, "HX-Current-URL": f"http://localhost{here}"})
    assert response.status_code == 401 and response.data == b""
    assert response.headers["HX-Redirect"] == url(app, "auth.login", next=here)
    assert quantities(world.buyer) == {world.product.id: 2}
