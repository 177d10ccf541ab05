"""Every order and delivery endpoint, as a whole page and as the htmx fragment it swaps."""
import re

import pytest
from sqlalchemy import func, select

from tests.support.factories import stock_of, window_value
from tests.support.helpers import (
    HX,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    assert_redirected_page,
    checked_radio,
    checkout_data,
    input_value,
    option_values,
    selected_option,
    url,
)
from tests.support.images import signature_data_url
from webapp.extensions import db
from webapp.models import CartItem, Order, OrderEvent, ProofOfDelivery, Role, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def status_of(order: Order) -> Status:
    return db.session.scalar(select(Order.status).where(Order.id == order.id))


@pytest.fixture
def ready(world, make_address, add_to_cart):
    """The buyer with a default address and 2 of the product (stock 5) in the cart."""
    address = make_address(world.buyer, contact_name="张三", detail="建国路 1 号")
    add_to_cart(world.buyer, world.product, 2)
    return address


def test_checkout_is_a_page_or_a_fragment(app, client, login_as, world, ready, make_address):
    other = make_address(world.buyer, contact_name="李四", detail="光华路 2 号")
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    text = assert_page(client.get(path), "checkout-form")
    assert re.fullmatch(r"[0-9a-f]{32}", input_value(text, "idempotency_key"))
    assert checked_radio(text, "address_id") == str(ready.id)  # the default address
    assert "光华路 2 号" in text and url(app, "addresses.new", next=path) in text
    assert f"{world.product.title} <span class=\"muted\">× 2</span>" in text
    assert "提交订单 ¥25.00" in text
    # "As soon as possible" and pickup first (issue 21), then the windows, the first chosen.
    assert option_values(text, "window")[:3] == ["asap", "pickup", window_value(app)]
    assert selected_option(text, "window") == window_value(app)
    # ?address= (back from adding one) chooses that address instead.
    chosen = assert_fragment(client.get(f"{path}?address={other.id}", headers=HX),
                             "checkout-form")
    assert checked_radio(chosen, "address_id") == str(other.id)
    # Each visit is a new order attempt with its own key.
    assert input_value(chosen, "idempotency_key") != input_value(text, "idempotency_key")


def test_checkout_without_an_address_asks_for_one(app, client, login_as, world, add_to_cart):
    add_to_cart(world.buyer, world.product, 1)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    text = assert_page(client.get(path), "checkout-form")
    assert "还没有收货地址" in text and url(app, "addresses.new", next=path) in text
    assert re.search(r'<button type="submit"[^>]*\bdisabled', text)


def test_checkout_of_an_empty_cart_places_nothing(app, client, login_as, world, make_address):
    address = make_address(world.buyer)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    assert "购物车中没有该店铺的商品" in assert_page(client.get(path), "checkout-form")
    response = client.post(path, headers=HX, data={
        "address_id": address.id, "window": window_value(app), "payment_method": "cod",
        "idempotency_key": "c" * 32, "shown": "f0"})  # what the empty page shows
    text = assert_fragment(response, "checkout-form", status=409)
    assert "购物车中没有该店铺的商品" in text
    assert db.session.scalar(select(func.count(Order.id))) == 0


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_checkout_places_the_order(app, client, login_as, world, ready, htmx):
    login_as(world.buyer)
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id),
                           headers=HX if htmx else {},
                           data=checkout_data(app, ready, payment_method="wechat"))
    order = db.session.scalar(select(Order))
    if htmx:
        assert_htmx_redirect(response, url(app, "orders.detail", order_id=order.id))
    else:
        assert_redirect(response, url(app, "orders.detail", order_id=order.id))
    assert (order.buyer_id, order.shop_id, order.status, order.total_fen, order.note) == (
        world.buyer.id, world.shop.id, Status.PLACED, 2500, "放门口")
    assert (order.recipient_name, order.recipient_mobile, order.address,
            order.district_code) == ("张三", "13912345678", "北京市 朝阳区 建国路 1 号",
                                     "110105")
    assert order.payment_method.value == "wechat"
    assert stock_of(world.product) == 3
    assert db.session.scalar(select(func.count(CartItem.id))) == 0


def test_detail_is_a_page_or_a_fragment_for_each_party(app, world, login_as, advance):
    order = advance(Status.DISPATCHED)
    path = url(app, "orders.detail", order_id=order.id)
    for user in (world.buyer, world.merchant, world.courier):
        client = app.test_client()
        login_as(user, client)
        text = assert_page(client.get(path), f"order-{order.id}-panel")
        assert f'data-watch-order="{order.id}"' in text
        text = assert_fragment(client.get(path, headers=HX), f"order-{order.id}-panel")
        assert "待取货" in text and world.courier.display_name in text


def test_only_the_buyer_gets_the_map(app, world, login_as, advance):
    order = advance(Status.DELIVERING)
    path = url(app, "orders.detail", order_id=order.id)
    seen = {}
    for user in (world.buyer, world.merchant):
        client = app.test_client()
        login_as(user, client)
        seen[user.role] = 'id="track-map"' in client.get(path).text
    assert seen == {"buyer": True, "merchant": False}


def test_accept_from_the_board_returns_the_board_card(app, client, login_as, world, advance):
    order = advance(Status.PLACED)
    login_as(world.merchant)
    response = client.post(url(app, "orders.accept", order_id=order.id),
                           headers={**HX, "HX-Target": f"board-order-{order.id}"})
    text = assert_fragment(response, f"board-order-{order.id}")
    assert "已接单" in text and url(app, "orders.assign", order_id=order.id) in text
    assert status_of(order) is Status.ACCEPTED


def test_accept_from_the_detail_page_returns_the_panel(app, client, login_as, world, advance):
    order = advance(Status.PLACED)
    login_as(world.merchant)
    response = client.post(url(app, "orders.accept", order_id=order.id),
                           headers={**HX, "HX-Target": f"order-{order.id}-panel"})
    text = assert_fragment(response, f"order-{order.id}-panel")
    assert world.courier.display_name in text  # the assign form lists the shop's couriers
    assert status_of(order) is Status.ACCEPTED


def test_accept_without_htmx_goes_back_where_it_came_from(app, client, login_as, world,
                                                          advance):
    first, second = advance(Status.PLACED), advance(Status.PLACED)
    login_as(world.merchant)
    response = client.post(url(app, "orders.accept", order_id=first.id))
    assert_redirect(response, url(app, "orders.board"))
    detail = "http://localhost" + url(app, "orders.detail", order_id=second.id)
    response = client.post(url(app, "orders.accept", order_id=second.id),
                           headers={"Referer": detail})
    assert_redirect(response, detail)
    response = client.post(url(app, "orders.accept", order_id=advance(Status.PLACED).id),
                           headers={"Referer": "https://evil.example/"})
    assert_redirect(response, url(app, "orders.board"))
    assert status_of(first) is status_of(second) is Status.ACCEPTED


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_refuse_cancels_and_restocks(app, client, login_as, world, advance, htmx):
    order = advance(Status.PLACED)
    assert stock_of(world.product) == 4
    login_as(world.merchant)
    response = client.post(url(app, "orders.refuse", order_id=order.id),
                           headers={**HX, "HX-Target": f"board-order-{order.id}"} if htmx else {},
                           data={"reason": "今天休息"})
    if htmx:
        assert "已取消" in assert_fragment(response, f"board-order-{order.id}")
    else:
        assert_redirect(response, url(app, "orders.board"))
    assert status_of(order) is Status.CANCELLED
    assert stock_of(world.product) == 5
    assert db.session.scalar(select(OrderEvent.params).where(
        OrderEvent.order_id == order.id, OrderEvent.to_status == Status.CANCELLED)) == {
        "reason": "今天休息"}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_assign_dispatches_to_the_courier(app, client, login_as, world, advance, htmx):
    order = advance(Status.ACCEPTED)
    login_as(world.merchant)
    response = client.post(url(app, "orders.assign", order_id=order.id),
                           headers={**HX, "HX-Target": f"board-order-{order.id}"} if htmx else {},
                           data={"courier_id": str(world.courier.id)})
    if htmx:
        text = assert_fragment(response, f"board-order-{order.id}")
        assert "待取货" in text and world.courier.display_name in text
    else:
        assert_redirect(response, url(app, "orders.board"))
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status is Status.DISPATCHED and order.delivery.courier_id == world.courier.id


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_buyer_cancels_a_placed_order(app, client, login_as, world, advance, htmx):
    order = advance(Status.PLACED)
    login_as(world.buyer)
    response = client.post(url(app, "orders.cancel", order_id=order.id),
                           headers=HX if htmx else {})
    panel = f"order-{order.id}-panel"
    text = assert_fragment(response, panel) if htmx else assert_redirected_page(
        client, response, url(app, "orders.detail", order_id=order.id), panel)
    assert "已取消" in text
    assert status_of(order) is Status.CANCELLED
    assert stock_of(world.product) == 5


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_merchant_cancels_an_accepted_order(app, client, login_as, world, advance, htmx):
    order = advance(Status.ACCEPTED)
    login_as(world.merchant)
    response = client.post(url(app, "orders.cancel", order_id=order.id),
                           headers={**HX, "HX-Target": f"board-order-{order.id}"} if htmx else {},
                           data={"reason": "商品缺货"})  # the shop must say why
    if htmx:
        assert_fragment(response, f"board-order-{order.id}")
    else:
        assert_redirect(response, url(app, "orders.board"))
    assert status_of(order) is Status.CANCELLED
    assert stock_of(world.product) == 5


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_sign_completes_the_order_with_a_proof(app, client, login_as, world, advance, htmx):
    order = advance(Status.ARRIVED)
    login_as(world.buyer)
    response = client.post(url(app, "orders.sign", order_id=order.id),
                           headers=HX if htmx else {},
                           data={"signer_name": "张三", "signature": signature_data_url()})
    panel = f"order-{order.id}-panel"
    text = assert_fragment(response, panel) if htmx else assert_redirected_page(
        client, response, url(app, "orders.detail", order_id=order.id), panel)
    assert "签收凭证" in text and f'id="order-{order.id}-proof"' in text
    assert status_of(order) is Status.COMPLETED
    proof = db.session.scalar(select(ProofOfDelivery))
    assert (proof.order_id, proof.signer_name, proof.signer_id) == (order.id, "张三",
                                                                    world.buyer.id)
    assert proof.digest in text
    png = client.get(url(app, "orders.signature", order_id=order.id))
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG") and png.headers["Cache-Control"] == "private, no-store"


def test_board_is_a_page_or_a_fragment_of_this_shop_only(app, client, login_as, world, place,
                                                         make_product):
    mine = place(world.buyer, world.product)
    theirs = place(world.buyer, make_product(world.other_shop))
    login_as(world.merchant)
    path = url(app, "orders.board")
    text = assert_page(client.get(path), "order-board")
    assert f'id="board-order-{mine.id}"' in text
    text = assert_fragment(client.get(path, headers=HX), "order-board")
    assert f'id="board-order-{mine.id}"' in text and f'id="board-order-{theirs.id}"' not in text


def test_a_merchant_without_a_shop_has_no_board(app, client, login_as, make_user):
    login_as(make_user(Role.MERCHANT))
    assert_page(client.get(url(app, "orders.board")), status=403)


def test_buyer_order_list_shows_only_their_orders(app, client, login_as, world, place):
    mine = place(world.buyer, world.product)
    theirs = place(world.other_buyer, world.product)
    login_as(world.buyer)
    text = assert_page(client.get(url(app, "orders.index")))
    assert url(app, "orders.detail", order_id=mine.id) in text
    assert url(app, "orders.detail", order_id=theirs.id) not in text


def test_delivery_detail_is_a_page_or_a_fragment(app, client, login_as, world, advance):
    order = advance(Status.DISPATCHED)
    login_as(world.courier)
    path = url(app, "delivery.detail", order_id=order.id)
    text = assert_page(client.get(path), f"delivery-{order.id}-panel")
    assert f'data-watch-order="{order.id}"' in text and "courier.js" in text
    text = assert_fragment(client.get(path, headers=HX), f"delivery-{order.id}-panel")
    assert 'data-tracking="0"' in text and url(app, "delivery.start", order_id=order.id) in text
    assert "北京市 朝阳区 建国路 1 号" in text and order.recipient_mobile in text


def test_courier_list_shows_open_deliveries(app, client, login_as, world, advance):
    order = advance(Status.DISPATCHED)
    login_as(world.courier)
    text = assert_page(client.get(url(app, "delivery.index")))
    assert url(app, "delivery.detail", order_id=order.id) in text


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_start_then_arrive(app, client, login_as, world, advance, htmx):
    order = advance(Status.DISPATCHED)
    login_as(world.courier)
    here = url(app, "delivery.detail", order_id=order.id)

    def render(response, panel):
        return assert_fragment(response, panel) if htmx else assert_redirected_page(
            client, response, here, panel)

    response = client.post(url(app, "delivery.start", order_id=order.id),
                           headers=HX if htmx else {})
    text = render(response, f"delivery-{order.id}-panel")
    assert 'data-tracking="1"' in text and url(app, "delivery.arrive", order_id=order.id) in text
    assert status_of(order) is Status.DELIVERING
    response = client.post(url(app, "delivery.arrive", order_id=order.id),
                           headers=HX if htmx else {})
    text = render(response, f"delivery-{order.id}-panel")
    assert "请买家验货" in text
    assert status_of(order) is Status.ARRIVED
    db.session.expire_all()
    delivery = db.session.get(Order, order.id).delivery
    assert delivery.started_at is not None and delivery.arrived_at >= delivery.started_at


def test_every_status_change_is_in_the_audit_trail(app, world, login_as, advance):
    order = advance(Status.COMPLETED)
    events = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.id)).all()
    assert [e.actor_id for e in events] == [world.buyer.id, world.merchant.id, world.merchant.id,
                                            world.courier.id, world.courier.id, world.buyer.id]
    assert db.session.scalar(select(func.count(ProofOfDelivery.id))) == 1
