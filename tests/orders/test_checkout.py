"""Checkout of one shop's cart: the shop's windows and fee, one order per key, all lines or none."""
from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.support.factories import stock_of, window_value
from tests.support.helpers import (
    HX,
    assert_flash_error,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checked_boxes,
    checkout_data,
    input_value,
    option_values,
    shown_now,
    url,
)
from webapp import create_app, web
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import (
    CartItem,
    Order,
    OrderEvent,
    OrderLine,
    Product,
    ProductVariant,
    Role,
    Shop,
    User,
)
from webapp.orders import checkout as order_checkout
from webapp.shops.windows import delivery_windows

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id)))


def shop_settings(shop: Shop) -> tuple:
    db.session.expire_all()
    shop = db.session.get(Shop, shop.id)
    return (shop.delivery_slots, shop.delivery_days, shop.delivery_lead_minutes,
            shop.delivery_fee_fen)


def settings_form(**changes) -> dict:
    form = {"slots": ["9-11", "13-15"], "delivery_days": "3", "delivery_lead_minutes": "60",
            "delivery_fee": "0"}
    form.update(changes)
    return form


# The shop's delivery settings and what checkout offers.

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_saved_slots_are_the_windows_offered_at_checkout(app, client, login_as, world,
                                                         make_address, add_to_cart, htmx):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 1)
    login_as(world.merchant)
    response = client.post(url(app, "merchants.delivery_settings"), headers=HX if htmx else {},
                           data=settings_form(slots=["21-23", "7-9"], delivery_days="2",
                                              delivery_lead_minutes="0", delivery_fee="5"))
    if htmx:
        text = assert_fragment(response, "delivery-form")
        assert "配送设置已保存" in text and checked_boxes(text, "slots") == ["7-9", "21-23"]
    else:
        assert_redirect(response, url(app, "merchants.shop_settings"))
    assert shop_settings(world.shop) == ("7-9,21-23", 2, 0, 500)

    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    # The windows; "as soon as possible" and pickup come first while the shop is open.
    offered = option_values(client.get(path).text, "window")
    assert offered[:2] == ["asap", "pickup"]
    offered = offered[2:]
    zone = ZoneInfo(app.config["TIMEZONE"])
    tomorrow = (datetime.now(zone) + timedelta(days=1)).date()
    # Tomorrow's two windows always; today's only while they are still ahead; nothing else.
    assert f"{tomorrow}T07:00/{tomorrow}T09:00" in offered
    assert f"{tomorrow}T21:00/{tomorrow}T23:00" in offered
    assert 2 <= len(offered) <= 4
    assert all(v[11:16] in ("07:00", "21:00") and v[-5:] in ("09:00", "23:00") for v in offered)
    # A window of the old settings is no longer accepted.
    old = f"{tomorrow}T09:00/{tomorrow}T11:00"
    response = client.post(path, headers=HX, data=checkout_data(app, address, window=old))
    assert "该送达时段已不可选" in assert_fragment(response, "checkout-form", status=422)
    assert count_orders() == 0


def test_the_settings_form_shows_the_saved_settings(app, client, login_as, world):
    world.shop.delivery_slots, world.shop.delivery_fee_fen = "11-13,17-19", 350
    db.session.commit()
    login_as(world.merchant)
    text = assert_page(client.get(url(app, "merchants.shop_settings")), "delivery-form")
    assert checked_boxes(text, "slots") == ["11-13", "17-19"]
    assert input_value(text, "delivery_fee") == "3.50"


BAD_SETTINGS = [
    ({"slots": []}, "请至少选择一个送达时段"),
    ({"slots": ["8-10"]}, "送达时段无效"),
    ({"slots": ["9-11", "nonsense"]}, "送达时段无效"),
    ({"delivery_fee": "1.234"}, "配送费需为 0 到 999.99 元"),
    ({"delivery_fee": "-1"}, "配送费需为 0 到 999.99 元"),
    ({"delivery_fee": "1000"}, "配送费需为 0 到 999.99 元"),
    ({"delivery_fee": "abc"}, "配送费需为 0 到 999.99 元"),
    ({"delivery_fee": "NaN"}, "配送费需为 0 到 999.99 元"),
    ({"delivery_fee": "Infinity"}, "配送费需为 0 到 999.99 元"),
    ({"delivery_fee": ""}, "请输入配送费"),
    ({"delivery_days": "8"}, "不是有效的选择"),
    ({"delivery_days": "0"}, "不是有效的选择"),
    ({"delivery_lead_minutes": "45"}, "不是有效的选择"),
    ({"delivery_lead_minutes": "-60"}, "不是有效的选择"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_SETTINGS,
                         ids=[",".join(f"{k}={v!r}" for k, v in c.items()) for c, _ in BAD_SETTINGS])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_bad_delivery_settings_change_nothing(app, client, login_as, world, changes, message,
                                              htmx):
    before = shop_settings(world.shop)
    login_as(world.merchant)
    data = settings_form(**changes)
    response = client.post(url(app, "merchants.delivery_settings"), headers=HX if htmx else {},
                           data=data)
    text = (assert_fragment if htmx else assert_page)(response, "delivery-form", status=422)
    assert message in text and "配送设置已保存" not in text
    assert input_value(text, "delivery_fee") == data["delivery_fee"]  # as typed
    assert checked_boxes(text, "slots") == [v for v in ("7-9", "9-11", "13-15")
                                            if v in data["slots"]]
    assert shop_settings(world.shop) == before


@pytest.mark.parametrize(("typed", "fen"), [("0", 0), ("999.99", 99999), ("5.5", 550),
                                            ("¥3", 300), (" 12.30 ", 1230)])
def test_good_fees_are_saved_in_fen(app, client, login_as, world, typed, fen):
    login_as(world.merchant)
    response = client.post(url(app, "merchants.delivery_settings"), headers=HX,
                           data=settings_form(delivery_fee=typed))
    assert_fragment(response, "delivery-form")
    assert shop_settings(world.shop)[3] == fen


def test_the_delivery_fee_is_part_of_the_order_total(app, client, login_as, world, make_address,
                                                     add_to_cart):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    login_as(world.merchant)
    client.post(url(app, "merchants.delivery_settings"), data=settings_form(delivery_fee="6.80"))
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    text = client.get(path).text
    # (with a delivery window chosen; the pickup the open shop offers would drop the fee)
    assert '<dt>配送费</dt><dd><span data-when="delivery">¥6.80</span>' in text
    assert '<span data-when="delivery">提交订单 ¥31.80</span>' in text
    response = client.post(path, data=checkout_data(app, address, world.shop))
    order = db.session.scalar(select(Order))
    assert_redirect(response, url(app, "orders.detail", order_id=order.id))
    assert (order.items_fen, order.delivery_fee_fen, order.total_fen) == (2500, 680, 3180)
    # A later change of the fee leaves the order as it was placed.
    login_as(world.merchant)
    client.post(url(app, "merchants.delivery_settings"), data=settings_form(delivery_fee="0"))
    db.session.expire_all()
    assert db.session.get(Order, order.id).total_fen == 3180


def at(app, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(app.config["TIMEZONE"]))


def test_the_lead_time_leaves_out_windows_too_soon(app, make_shop):
    shop = make_shop(delivery_slots="9-11,11-13,15-17", delivery_days=1)
    now = at(app, 2026, 3, 2, 8, 30)

    def starts(lead: int, when: datetime = now) -> list[str]:
        shop.delivery_lead_minutes = lead
        return [c.value[11:16] for c in delivery_windows(shop, now=when)]

    assert starts(0) == ["09:00", "11:00", "15:00"]
    assert starts(30) == ["09:00", "11:00", "15:00"]  # 09:00 is exactly 30 minutes ahead
    assert starts(60) == ["11:00", "15:00"]
    assert starts(150) == ["11:00", "15:00"]  # 11:00 is exactly 150 minutes ahead
    assert starts(180) == ["15:00"]
    assert starts(240, at(app, 2026, 3, 2, 11, 1)) == []  # nothing left today, one day offered


def test_windows_run_over_the_shops_days_with_their_names(app, make_shop):
    shop = make_shop(delivery_slots="9-11", delivery_days=4, delivery_lead_minutes=60)
    windows = delivery_windows(shop, now=at(app, 2026, 3, 2, 22, 0))  # a Monday night
    assert [c.value for c in windows] == [
        "2026-03-03T09:00/2026-03-03T11:00", "2026-03-04T09:00/2026-03-04T11:00",
        "2026-03-05T09:00/2026-03-05T11:00"]  # today's has passed; four days end on Thursday
    assert [c.label for c in windows] == ["明天 3月3日 09:00–11:00", "后天 3月4日 09:00–11:00",
                                          "周四 3月5日 09:00–11:00"]


def test_a_merchant_changes_only_their_own_shop(app, client, login_as, world, make_user):
    before = shop_settings(world.shop)
    login_as(world.other_merchant)
    client.post(url(app, "merchants.delivery_settings"),
                data=settings_form(slots=["7-9"], delivery_fee="9"))
    assert shop_settings(world.other_shop) == ("7-9", 3, 60, 900)
    assert shop_settings(world.shop) == before
    login_as(make_user(Role.MERCHANT))  # no approved shop yet
    response = client.post(url(app, "merchants.delivery_settings"), headers=HX,
                           data=settings_form())
    assert_flash_error(response, 403, "你没有权限")


def test_an_anonymous_post_of_delivery_settings_goes_to_login(app, client, world):
    before = shop_settings(world.shop)
    response = client.post(url(app, "merchants.delivery_settings"), data=settings_form())
    assert response.status_code == 302
    assert response.headers["Location"].startswith(url(app, "auth.login"))
    assert shop_settings(world.shop) == before


# One order per idempotency key.

def test_the_same_checkout_posted_twice_is_one_order(app, client, login_as, world, make_address,
                                                     add_to_cart):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    data = checkout_data(app, address, idempotency_key=secrets.token_hex(16))
    first = client.post(path, headers=HX, data=data)
    order = db.session.scalar(select(Order))
    assert_htmx_redirect(first, url(app, "orders.detail", order_id=order.id))
    # The retry (a double tap, or the page form after a lost response) finds the cart empty
    # and still lands on the same order.
    assert_redirect(client.post(path, data=data), url(app, "orders.detail", order_id=order.id))
    # Even with the cart filled again, the old key does not order it; a new key does.
    add_to_cart(world.buyer, world.product, 1)
    assert_redirect(client.post(path, data=data), url(app, "orders.detail", order_id=order.id))
    assert count_orders() == 1 and stock_of(world.product) == 3
    assert db.session.scalar(select(func.count(CartItem.id))) == 1
    events = db.session.scalar(select(func.count(OrderEvent.id)))
    assert events == 1
    # A new key from a page drawn now, showing the one line in the cart.
    response = client.post(path, data={**data, "idempotency_key": secrets.token_hex(16),
                                       "shown": shown_now(app, world.buyer.id, world.shop)})
    assert response.status_code == 303 and count_orders() == 2 and stock_of(world.product) == 2


def test_one_key_is_per_buyer(app, world, add_to_cart):
    # Keys are random, but another buyer's key must not reach their order all the same.
    add_to_cart(world.buyer, world.product, 1)
    add_to_cart(world.other_buyer, world.product, 1)
    key = secrets.token_hex(16)
    mine = place_cart(app, world.buyer, world.shop, key)
    theirs = place_cart(app, world.other_buyer, world.shop, key)
    assert mine.id != theirs.id and (mine.buyer_id, theirs.buyer_id) == (world.buyer.id,
                                                                         world.other_buyer.id)
    assert stock_of(world.product) == 3


def place_cart(app, buyer, shop, key: str) -> Order:
    return order_checkout.place_order(buyer, shop.id, destination=order_checkout.Destination(
        "张三", "13912345678", "北京市 市辖区 朝阳区 建国路 1 号", "110105"),
        window=window_value(app, shop), payment_method="cod", idempotency_key=key)


def race_one_key(database_url: str, tabs: int = 2) -> tuple[list[str], int, int, int]:
    """`tabs` requests of one buyer racing with one key; (outcomes, orders, stock, cart lines)."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": tabs + 2}

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        owner = User(role=Role.MERCHANT, email="o@example.com", display_name="o",
                     password_hash="x")
        buyer = User(role=Role.BUYER, email="b@example.com", display_name="b", password_hash="x")
        db.session.add_all([owner, buyer])
        db.session.flush()
        shop = Shop(owner_id=owner.id, handle="race", name="race")
        db.session.add(shop)
        db.session.flush()
        product = Product(shop_id=shop.id, title="apples", price_fen=100, stock=5)
        db.session.add(product)
        db.session.flush()
        db.session.add(CartItem(user_id=buyer.id, product_id=product.id, quantity=2))
        db.session.commit()
        buyer_id, shop_id, product_id = buyer.id, shop.id, product.id
        window = window_value(app)
    key = secrets.token_hex(16)
    outcomes: list[str] = []
    gate = threading.Barrier(tabs)

    def checkout() -> None:
        with app.app_context():
            buyer = db.session.get(User, buyer_id)
            gate.wait()
            try:
                order = order_checkout.place_order(buyer, shop_id, destination=order_checkout.Destination(
                    "x", "13900000000", "x"), window=window, payment_method="cod",
                    idempotency_key=key)
                outcomes.append(f"order {order.id}")
            except Exception as error:  # noqa: BLE001 - the test reports any failure
                outcomes.append(f"error: {error!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=checkout) for _ in range(tabs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        orders = db.session.scalar(sa.select(sa.func.count(Order.id)))
        stock = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
        cart = db.session.scalar(sa.select(sa.func.count(CartItem.id)))
        db.session.remove()
        db.engine.dispose()
    return outcomes, orders, stock, cart


def test_two_tabs_racing_one_key_on_sqlite_make_one_order(tmp_path):
    for attempt in range(5):  # the interleaving differs from run to run: try a few
        outcomes, orders, stock, cart = race_one_key(f"sqlite:///{tmp_path / f'key{attempt}.db'}")
        assert outcomes == ["order 1", "order 1"], outcomes
        assert (orders, stock, cart) == (1, 3, 0)


@pytest.mark.postgres
def test_two_tabs_racing_one_key_on_postgres_make_one_order(fresh_postgres):
    outcomes, orders, stock, cart = race_one_key(fresh_postgres, tabs=4)
    assert outcomes == ["order 1"] * 4, outcomes
    assert (orders, stock, cart) == (1, 3, 0)


# All lines or none.

def test_a_short_second_line_puts_back_the_first_lines_stock(app, world, make_product):
    plenty, short = world.product, make_product(world.shop, title="山东大樱桃", stock=2)
    assert plenty.id < short.id  # lines are taken in product order: the first one goes first
    with pytest.raises(order_checkout.OutOfStock) as refused:
        order_checkout.place_order(world.buyer, world.shop.id, {plenty.id: 3, short.id: 5},
                             destination=order_checkout.Destination("张三", "13912345678", "x"),
                             window=window_value(app), payment_method="cod",
                             idempotency_key=secrets.token_hex(16))
    assert refused.value.message == "「山东大樱桃」库存不足，仅剩 2 件"
    assert (stock_of(plenty), stock_of(short)) == (5, 2)
    assert count_orders() == 0
    assert db.session.scalar(select(func.count(OrderLine.id))) == 0
    assert db.session.scalar(select(func.count(OrderEvent.id))) == 0


@pytest.mark.parametrize("change, refusal, message", [
    ({"published": False}, web.Conflict, "「{title}」已下架，请从购物车移除后再结算。"),
    ({"stock": 0}, order_checkout.OutOfStock, "已售罄"),
], ids=["taken off sale", "sold out"])
def test_what_changed_after_the_cart_was_read_is_refused_by_the_update(
        app, world, add_to_cart, change, refusal, message):
    """The page's cart is checked before anything is written, but the conditional UPDATE is
    the guard: a product taken off sale or sold out after that read is still refused."""
    from webapp.cart import services as cart_services

    add_to_cart(world.buyer, world.product, 2)
    cart = cart_services.cart_for_shop(world.buyer, world.shop.id)
    title, stock = world.product.title, world.product.stock
    # Another request's change, committed, which this request's loaded cart does not see (its
    # objects are not expired by this commit, as they would not be by another request's).
    session = db.session()
    session.expire_on_commit = False
    try:
        db.session.execute(sa.update(Product).where(Product.id == world.product.id)
                           .values(**change).execution_options(synchronize_session=False))
        if "stock" in change:  # a sale: of the product's one variant
            db.session.execute(sa.update(ProductVariant).where(
                ProductVariant.product_id == world.product.id).values(**change)
                .execution_options(synchronize_session=False))
        db.session.commit()
    finally:
        session.expire_on_commit = True
    assert cart.items[0].product.published and cart.items[0].product.stock == stock
    with pytest.raises(refusal) as refused:
        order_checkout.place_order(
            world.buyer, world.shop.id, cart=cart,
            destination=order_checkout.Destination("张三", "13912345678", "x"),
            window=window_value(app), payment_method="cod",
            idempotency_key=secrets.token_hex(16))
    assert message.format(title=title) in refused.value.message
    assert count_orders() == 0 and db.session.scalar(select(func.count(OrderEvent.id))) == 0
    assert db.session.scalar(select(Product.stock).where(Product.id == world.product.id)) == \
        change.get("stock", stock)
    assert db.session.scalar(select(func.count(CartItem.id))) == 1  # the cart is kept


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_cart_with_one_short_line_orders_nothing(app, client, login_as, world, make_product,
                                                   make_address, add_to_cart, place, htmx):
    address = make_address(world.buyer)
    short = make_product(world.shop, title="丹东草莓", stock=4)
    add_to_cart(world.buyer, world.product, 2)
    add_to_cart(world.buyer, short, 3)
    place(world.other_buyer, short, quantity=2)  # two left, three in the cart
    login_as(world.buyer)
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id),
                           headers=HX if htmx else {}, data=checkout_data(app, address))
    text = (assert_fragment if htmx else assert_page)(response, "checkout-form", status=409)
    assert "「丹东草莓」库存不足，仅剩 2 件" in text
    assert (stock_of(world.product), stock_of(short)) == (5, 2)
    assert count_orders() == 1  # the other buyer's
    carts = dict(db.session.execute(select(CartItem.product_id, CartItem.quantity).where(
        CartItem.user_id == world.buyer.id)).all())
    assert carts == {world.product.id: 2, short.id: 3}


def test_an_order_copies_titles_and_prices(app, client, login_as, world, make_product,
                                           make_address, add_to_cart):
    address = make_address(world.buyer)
    second = make_product(world.shop, title="香梨", price_fen=990, stock=9)
    add_to_cart(world.buyer, world.product, 2)
    add_to_cart(world.buyer, second, 3)
    login_as(world.buyer)
    client.post(url(app, "orders.checkout", shop_id=world.shop.id), data=checkout_data(app, address))
    order = db.session.scalar(select(Order))
    second.title, second.price_fen = "改名了", 1
    db.session.commit()
    db.session.expire_all()
    lines = sorted((line.title, line.unit_price_fen, line.quantity) for line in db.session.get(
        Order, order.id).lines)
    assert lines == sorted([(world.product.title, 1250, 2), ("香梨", 990, 3)])
    assert db.session.get(Order, order.id).total_fen == 2 * 1250 + 3 * 990
