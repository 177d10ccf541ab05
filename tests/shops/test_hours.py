"""Issue 21: opening hours and closed days (at their edges, in the shops' time zone, on a clock
the test moves), the "as soon as possible" promise with busy mode, self-pickup through the
pickup transition table, auto-accept, busy mode on the board, the acceptance countdown, the
hours settings form, and reading the old free-text hours in migration 0031."""
from __future__ import annotations

import importlib.util
import re
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tests.support.factories import one_world_per_module, window_value
from tests.support.helpers import HX, option_values, url
from tests.support.images import signature_data_url
from tests.support.orders import words
from webapp.extensions import db
from webapp.models import EventKind, Order, OrderEvent, Status
from webapp.models.order import Fulfilment
from webapp.orders import actions, signing
from webapp.orders import checkout as order_checkout
from webapp.orders.pickup import pick_up
from webapp.shops import promise
from webapp.shops.hours import (
    Hours,
    HoursError,
    open_state,
    parse_closed,
    parse_day,
    parse_week,
    zone,
)
from webapp.tickets.content import ticket_for
from webapp.web import ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

app, world = one_world_per_module()

BEIJING_MON_0900 = datetime(2027, 3, 1, 1, 0, tzinfo=UTC)  # Monday 1 March 2027, 09:00 +08:00
WEEK = "09:00-14:00,17:00-24:00|00:00-02:00,09:00-21:00|09:00-21:00|09:00-21:00|09:00-21:00||"


def at(hours: float) -> datetime:
    """Monday 1 March 2027 00:00 Beijing time plus `hours`, as an aware UTC moment."""
    return BEIJING_MON_0900 - timedelta(hours=9) + timedelta(hours=hours)


class StoredHours:
    def __init__(self, weekly_hours="", closed_days=""):
        self.weekly_hours, self.closed_days = weekly_hours, closed_days


@pytest.fixture
def shop(app, world):
    """The world's shop, with every issue-21 setting put back after the case."""
    shop = world.shop
    yield shop
    db.session.rollback()
    for order in db.session.scalars(select(Order).where(Order.shop_id == shop.id,
                                                        Order.status == Status.PLACED)):
        actions.cancel(order.id, world.buyer)
    shop.weekly_hours = shop.closed_days = ""
    shop.lat = shop.lng = None
    shop.prep_minutes, shop.busy, shop.busy_extra_minutes = 15, False, 20
    shop.busy_auto_orders, shop.auto_accept = 0, False
    db.session.commit()


# -- reading hours ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "ranges"), [
    ("", []),
    ("09:00-21:00", [(540, 1260)]),
    ("9:00-21:00", [(540, 1260)]),
    ("17:00-24:00, 09:00-14:00", [(540, 840), (1020, 1440)]),
    ("00:00-24:00", [(0, 1440)]),
])
def test_a_day_reads_one_or_two_ranges(text, ranges):
    assert parse_day(text) == ranges


@pytest.mark.parametrize("text", [
    "22:00-02:00",   # crosses midnight: entered as two days' ranges instead
    "09:00-09:00", "24:00-24:00", "09:00-24:30", "25:00-26:00", "09:60-10:00",
    "09:00-12:00,11:00-13:00",  # overlapping
    "08:00-09:00,10:00-11:00,12:00-13:00",  # three
    "nine to five", "09:00",
])
def test_a_day_refuses_what_it_cannot_keep(text):
    with pytest.raises(HoursError):
        parse_day(text)


def test_a_week_is_seven_days_or_not_set():
    assert parse_week("") is None
    assert len(parse_week(WEEK)) == 7
    with pytest.raises(HoursError):
        parse_week("09:00-21:00|09:00-21:00")
    assert parse_closed("2027-03-03,\n2027-03-02 2027-03-03") == [date(2027, 3, 2),
                                                                  date(2027, 3, 3)]
    with pytest.raises(HoursError):
        parse_closed("2027-02-30")


# -- open or closed, at the edges ------------------------------------------------------------

# Monday 09:00–14:00 and 17:00–24:00, Tuesday 00:00–02:00 and 09:00–21:00 (open across
# Monday's midnight), Saturday and Sunday closed; Wednesday 3 March a closed day.
@pytest.mark.parametrize(("hours", "is_open"), [
    (8 + 59 / 60, False),            # Monday 08:59
    (9, True),                       # 09:00 opens
    (14 - 1 / 3600, True),           # 13:59:59
    (14, False),                     # 14:00 closes (the range's end is not in it)
    (17, True),
    (23 + 59 / 60 + 59 / 3600, True),  # 23:59:59, a range ending 24:00
    (24, True),                      # Tuesday 00:00: Tuesday's first range
    (26 - 1 / 60, True),             # Tuesday 01:59
    (26, False),                     # Tuesday 02:00
    (24 + 9, True),                  # Tuesday 09:00
    (48 + 12, False),                # Wednesday 12:00: the closed day
    (72 + 12, True),                 # Thursday 12:00
    (120 + 12, False),               # Saturday: no hours
])
def test_open_at_the_edges_in_the_shops_time_zone(app, hours, is_open):
    stored = Hours.of(StoredHours(WEEK, "2027-03-03"))
    with app.app_context():
        assert stored.is_open(at(hours)) is is_open


def test_the_day_is_the_shops_not_utcs(app):
    # 00:30 UTC on Monday is 08:30 in Beijing (closed); 16:30 UTC on Sunday is 00:30 on Monday
    # there, and Sunday is closed all day in UTC terms too: only the shop's zone decides.
    stored = Hours.of(StoredHours("00:00-01:00||||||"))
    with app.app_context():
        assert stored.is_open(datetime(2027, 2, 28, 16, 30, tzinfo=UTC))  # Mon 00:30 +08
        assert not stored.is_open(datetime(2027, 3, 1, 0, 30, tzinfo=UTC))  # Mon 08:30 +08
        app.config["TIMEZONE"] = "UTC"
        try:
            assert not stored.is_open(datetime(2027, 2, 28, 16, 30, tzinfo=UTC))  # Sun, UTC
            assert stored.is_open(datetime(2027, 3, 1, 0, 30, tzinfo=UTC))
        finally:
            app.config["TIMEZONE"] = "Asia/Shanghai"


@pytest.mark.parametrize(("hours", "opens"), [
    (8, "2027-03-01 09:00"),         # before Monday's first range
    (15, "2027-03-01 17:00"),        # between Monday's two
    (26.5, "2027-03-02 09:00"),      # Tuesday 02:30
    (45, "2027-03-04 09:00"),        # Tuesday 21:00: Wednesday is a closed day
    (4 * 24 + 22, "2027-03-08 09:00"),  # Friday 22:00: over the weekend
])
def test_when_a_closed_shop_opens_next(app, hours, opens):
    stored = Hours.of(StoredHours(WEEK, "2027-03-03"))
    with app.app_context():
        assert stored.next_opening(at(hours)).strftime("%Y-%m-%d %H:%M") == opens


def test_hours_not_set_are_always_open(app):
    with app.app_context():
        assert open_state(StoredHours(), at(3)).open
        assert not open_state(StoredHours("", "2027-03-01"), at(3)).open


def test_the_closed_message_says_when_to_order_for(app):
    shop = StoredHours(WEEK, "2027-03-03")
    shop.busy, shop.busy_auto_orders, shop.busy_extra_minutes = False, 0, 20
    with app.test_request_context():
        seen = promise.Outlook(open_state(shop, at(26.5)), False, 0)
        assert seen.closed_text(at(26.5)) == "休息中，可预订 今天 09:00 起"
        seen = promise.Outlook(open_state(shop, at(45)), False, 0)
        assert seen.closed_text(at(45)) == "休息中，可预订 后天 09:00 起"
        seen = promise.Outlook(open_state(shop, at(4 * 24 + 22)), True, 20)
        assert seen.closed_text(at(4 * 24 + 22)) == "休息中，可预订 3月8日 09:00 起"
        assert seen.busy_text() == "商家繁忙，预计多等 20 分钟"


# -- the promise -----------------------------------------------------------------------------

# 3000 m (the default distance) × 1.3 / 4.2 m/s = 928.6 s: 16 minutes' ride.
@pytest.mark.parametrize(("pickup", "pin", "busy", "minutes"), [
    (False, None, False, 15 + 16),
    (False, None, True, 15 + 16 + 20),
    (True, None, False, 15),
    (True, None, True, 15 + 20),
    # 0.01° of latitude north of the shop: 1111.95 m × 1.3 / 4.2 = 344.2 s, 6 minutes.
    (False, (39.9187, 116.4605), False, 15 + 6),
    (False, (39.9187, 116.4605), True, 15 + 6 + 20),
])
def test_the_promise_in_exact_minutes(app, shop, pickup, pin, busy, minutes):
    shop.lat, shop.lng = 39.9087, 116.4605
    lat, lng = pin or (None, None)
    with app.app_context():
        assert promise.promise_minutes(shop, pickup=pickup, lat=lat, lng=lng,
                                       busy=busy) == minutes
        now = datetime(2027, 3, 1, 4, 0, tzinfo=UTC)
        start, end = promise.promised(shop, pickup=pickup, lat=lat, lng=lng, now=now, busy=busy)
        assert (start, end - start) == (now.replace(tzinfo=None), timedelta(minutes=minutes))


def test_busy_mode_turns_on_by_itself_past_the_open_orders(app, shop, world, make_address):
    address = make_address(world.buyer)
    with app.test_request_context():
        shop.busy_auto_orders = promise.open_orders(shop.id) + 2  # others' cases left some
        db.session.commit()
        assert not promise.is_busy(shop)
        for _ in range(2):
            place(app, world, address, window_value(app, shop))
        assert promise.is_busy(shop)
        assert promise.outlook(shop).extra_minutes == 20


# -- at checkout -----------------------------------------------------------------------------

def place(app, world, address, window, product=None):
    with app.test_request_context():
        return order_checkout.place_order(
            world.buyer, world.shop.id, {(product or world.product).id: 1},
            destination=order_checkout.Destination.of(address), window=window,
            payment_method="cod", idempotency_key=secrets.token_hex(16))


def checkout_page(client, app, shop):
    return client.get(url(app, "orders.checkout", shop_id=shop.id)).get_data(as_text=True)


def post_checkout(client, app, shop, address, page, window):
    fields = dict(re.findall(r'<input\b[^>]*\bname="([^"]+)"[^>]*\btype="hidden"[^>]*\bvalue="([^"]*)"',
                             page))
    fields.update(address_id=str(address.id), window=window, payment_method="cod", note="")
    return client.post(url(app, "orders.checkout", shop_id=shop.id), data=fields)


def test_a_buyer_orders_asap_from_a_busy_shop_and_is_promised_longer(
        app, shop, world, client, login_as, make_address, add_to_cart):
    shop.busy = True
    db.session.commit()
    address = make_address(world.buyer, is_default=True)
    login_as(world.buyer)
    add_to_cart(world.buyer, world.product)
    page = checkout_page(client, app, shop)
    assert "商家繁忙，预计多等 20 分钟" in words(page)
    assert option_values(page, "window")[:2] == ["asap", "pickup"]
    assert "尽快送达（约 51 分钟）" in page and "到店自取（约 35 分钟后可取）" in page
    response = post_checkout(client, app, shop, address, page, "asap")
    assert response.status_code == 303, words(response.get_data(as_text=True))
    order = db.session.scalar(select(Order).where(Order.buyer_id == world.buyer.id)
                              .order_by(Order.id.desc()))
    assert order.fulfilment is Fulfilment.ASAP
    assert order.window_end - order.window_start == timedelta(minutes=51)
    assert abs(order.window_start - datetime.now(UTC).replace(tzinfo=None)) < timedelta(
        minutes=1)
    shop_page = client.get(url(app, "shops.detail", handle=shop.handle)).get_data(as_text=True)
    assert "商家繁忙，预计多等 20 分钟" in words(shop_page)


def test_a_closed_shop_takes_only_later_windows_and_says_so(
        app, shop, world, client, login_as, make_address, add_to_cart):
    now = datetime.now(UTC)
    with app.app_context():
        local = now.astimezone(zone())
    shop.closed_days = local.date().isoformat()  # closed all of today
    db.session.commit()
    address = make_address(world.buyer)
    login_as(world.buyer)
    add_to_cart(world.buyer, world.product)
    page = checkout_page(client, app, shop)
    assert "休息中，可预订 明天 00:00 起" in words(page)
    assert "asap" not in option_values(page, "window")
    assert "pickup" not in option_values(page, "window")
    response = post_checkout(client, app, shop, address, page, "asap")
    assert response.status_code == 422  # not a choice on the form drawn now
    assert "该送达时段已不可选" in words(response.get_data(as_text=True))
    with pytest.raises(ServiceError, match="本店休息中"):
        place(app, world, address, "asap")
    shop_page = client.get(url(app, "shops.detail", handle=shop.handle)).get_data(as_text=True)
    assert "休息中，可预订 明天 00:00 起" in words(shop_page)
    # Later windows are still taken.
    assert place(app, world, address, window_value(app, shop)).fulfilment is Fulfilment.WINDOW


# -- self-pickup -----------------------------------------------------------------------------

def pickup_order(app, world, make_address):
    order = place(app, world, make_address(world.buyer), "pickup")
    assert order.fulfilment is Fulfilment.PICKUP and order.is_pickup
    actions.accept(order.id, world.merchant)
    return order.id


def test_pickup_has_no_courier_steps_and_no_delivery_fee(app, shop, world, make_address,
                                                         client, login_as, add_to_cart):
    shop.delivery_fee_fen = 500
    db.session.commit()
    login_as(world.buyer)
    add_to_cart(world.buyer, world.product)
    page = checkout_page(client, app, shop)
    assert "到店自取（约 15 分钟后可取，免配送费）" in page
    # The page carries a pickup's fee, total and button without the fee, hidden until pickup is
    # chosen (app.js swaps the pairs): a delivery window is chosen first.
    labels = dict(re.findall(r'<span data-when="(delivery|pickup)"(?: hidden)?>提交订单 ¥([\d.]+)</span>',
                             page))
    assert Decimal(labels["delivery"]) - Decimal(labels["pickup"]) == Decimal("5.00")
    assert '<span data-when="pickup" hidden>提交订单' in page  # a delivery window comes first
    assert '<span data-when="pickup" hidden>¥0.00</span>' in page
    # Paid at the door for a delivery, at the shop's counter for a pickup: both wordings there.
    assert ('<span data-when="delivery">货到付款（现金）</span>'
            '<span data-when="pickup" hidden>到店付款（现金）</span>') in page
    assert '<span data-when="pickup" hidden>到店取货时当面付款' in page
    order_id = pickup_order(app, world, make_address)
    order = db.session.get(Order, order_id)
    assert (order.delivery_fee_fen, order.total_fen) == (0, order.items_fen)
    shop.delivery_fee_fen = 0
    db.session.commit()
    with app.test_request_context():
        with pytest.raises(ServiceError, match="不能派单"):
            actions.assign(order_id, world.merchant, world.courier.id)


def test_the_shop_marks_a_pickup_collected_with_the_code(app, shop, world, make_address):
    order_id = pickup_order(app, world, make_address)
    code = db.session.get(Order, order_id).receipt_code
    with app.test_request_context():
        with pytest.raises(ServiceError, match="收货码不正确"):
            pick_up(order_id, world.merchant, f"{(int(code) + 1) % 10**6:06d}")
        with pytest.raises(NotFound):  # another shop's merchant: not theirs to see
            pick_up(order_id, world.other_merchant, code)
        order = pick_up(order_id, world.merchant, code)
    assert order.status is Status.COMPLETED
    kinds = db.session.scalars(select(OrderEvent.kind).where(OrderEvent.order_id == order_id))
    assert EventKind.PICKED_UP in list(kinds)


def test_handed_over_at_the_counter_the_buyer_signs(app, shop, world, make_address, as_party):
    order_id = pickup_order(app, world, make_address)
    merchant = as_party(world.merchant)
    response = merchant.post(url(app, "orders.hand_over", order_id=order_id), headers=HX)
    assert response.status_code == 200
    assert db.session.get(Order, order_id).status is Status.ARRIVED
    again = merchant.post(url(app, "orders.hand_over", order_id=order_id), headers=HX)
    assert again.status_code == 409
    with app.test_request_context():
        lines = db.session.get(Order, order_id).lines
        checks = {line.id: signing.LineCheck(True, "") for line in lines}
        order = signing.sign(order_id, world.buyer, "张三", signature_data_url(), checks)
    assert order.status is Status.COMPLETED


def test_the_buyer_sees_the_pickup_code_and_the_shops_address(app, shop, world, make_address,
                                                              as_party):
    shop.address = "建国路 88 号"
    db.session.commit()
    order_id = pickup_order(app, world, make_address)
    page = words(as_party(world.buyer).get(url(app, "orders.detail", order_id=order_id))
                 .get_data(as_text=True))
    code = db.session.get(Order, order_id).receipt_code
    assert f"取货码 {code}" in page and "到店自取 建国路 88 号" in page
    # No courier's steps on its progress bar: ordered, accepted, handed over, picked up.
    assert "已派骑手" not in page and "到店交货" in page and "已取货" in page
    board = as_party(world.merchant).get(url(app, "orders.board")).get_data(as_text=True)
    card = re.search(rf'id="board-order-{order_id}".*?</article>', board, re.S).group(0)
    assert code not in words(board) and "核对取货码" in board and "派单" not in card
    # Paid at the counter: the order's payment, its board card and its ticket say so.
    assert "支付方式：到店付款（现金）" in page and "到店付款（现金）" in card
    assert "货到付款" not in page + card
    with app.test_request_context():
        assert ticket_for(db.session.get(Order, order_id)).payment_method == "到店付款（现金）"


# -- auto-accept, busy mode on the board, the countdown --------------------------------------

def test_auto_accept_uses_the_accept_service(app, shop, world, client, login_as, make_address,
                                             add_to_cart):
    shop.auto_accept = True
    db.session.commit()
    address = make_address(world.buyer)
    login_as(world.buyer)
    add_to_cart(world.buyer, world.product)
    page = checkout_page(client, app, shop)
    response = post_checkout(client, app, shop, address, page, window_value(app, shop))
    assert response.status_code == 303
    order = db.session.scalar(select(Order).where(Order.buyer_id == world.buyer.id)
                              .order_by(Order.id.desc()))
    assert order.status is Status.ACCEPTED
    event = db.session.scalar(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                                       OrderEvent.kind == EventKind.ACCEPTED))
    assert (event.actor_id, event.from_status, event.to_status) == (
        world.merchant.id, Status.PLACED, Status.ACCEPTED)


def test_busy_switch_on_the_board(app, shop, world, as_party):
    merchant = as_party(world.merchant)
    on = merchant.post(url(app, "merchants.busy"), data={"busy": "on"}, headers=HX)
    assert on.status_code == 200 and "关闭繁忙模式" in on.get_data(as_text=True)
    db.session.refresh(shop)
    assert shop.busy
    assert merchant.post(url(app, "merchants.busy"), data={"busy": "maybe"}).status_code == 422
    off = merchant.post(url(app, "merchants.busy"), data={"busy": "off"})
    assert off.status_code == 303
    db.session.refresh(shop)
    assert not shop.busy
    assert as_party(world.buyer).post(url(app, "merchants.busy"),
                                      data={"busy": "on"}).status_code == 403


def test_the_board_counts_down_to_the_acceptance_deadline(app, shop, world, make_address,
                                                          as_party):
    order = place(app, world, make_address(world.buyer), window_value(app, shop))
    board = as_party(world.merchant).get(url(app, "orders.board")).get_data(as_text=True)
    card = re.search(rf'id="board-order-{order.id}".*?</article>', board, re.S).group(0)
    left = int(re.search(r'class="countdown" aria-live="off" data-left="(\d+)"', card).group(1))
    assert 15 * 60 - 5 <= left <= 15 * 60
    assert 'id="countdown-announce" class="sr-only" aria-live="polite"' in board
    assert "js/countdown.js" in board


# -- the hours settings ----------------------------------------------------------------------

def test_the_hours_form_saves_and_refuses_with_a_clear_message(app, shop, world, as_party):
    merchant = as_party(world.merchant)
    data = {f"day{d}": "09:00-21:00" for d in range(5)}
    data.update(day5="10:00-14:00, 17:00-24:00", day6="", closed_days="2027-02-10 2027-02-11",
                prep_minutes="10", busy_extra_minutes="25", busy_auto_orders="8",
                auto_accept="y", lat="39.9087", lng="116.4605")
    response = merchant.post(url(app, "merchants.hours_settings"), data=data, headers=HX)
    assert response.status_code == 200 and "营业时间已保存" in response.get_data(as_text=True)
    db.session.refresh(shop)
    assert shop.weekly_hours == "|".join(["09:00-21:00"] * 5 + ["10:00-14:00,17:00-24:00", ""])
    assert (shop.closed_days, shop.prep_minutes, shop.busy_extra_minutes,
            shop.busy_auto_orders, shop.auto_accept, shop.lat) == (
        "2027-02-10,2027-02-11", 10, 25, 8, True, 39.9087)
    bad = merchant.post(url(app, "merchants.hours_settings"), headers=HX,
                        data={**data, "day2": "22:00-02:00", "closed_days": "明天"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "跨零点请分在两天" in text and "「明天」不是日期" in text
    assert 'value="22:00-02:00"' in text  # what was typed stays
    db.session.refresh(shop)
    assert shop.weekly_hours.split("|")[2] == "09:00-21:00"
    page = words(as_party(world.buyer).get(url(app, "shops.detail", handle=shop.handle))
                 .get_data(as_text=True))
    assert "营业时间 周一至周五 09:00–21:00 · 周六 10:00–14:00 17:00–24:00 · 周日 休息" in page


# -- migration 0031 reads the old free text --------------------------------------------------

def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations/versions/0031_shop_hours.py"
    spec = importlib.util.spec_from_file_location("m0031", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EVERY_DAY = "|".join(["08:00-21:00"] * 7)


@pytest.mark.parametrize(("text", "weekly"), [
    ("每天 08:00–21:00", EVERY_DAY),
    ("8:00-21:00", EVERY_DAY),
    ("周一至周六 8:00–20:00", "|".join(["08:00-20:00"] * 6 + [""])),
    ("周一到周五 09:00-12:00、14:00-18:00",
     "|".join(["09:00-12:00,14:00-18:00"] * 5 + ["", ""])),
    ("每日 08:00-21:00，周一休息", "|".join([""] + ["08:00-21:00"] * 6)),
    ("周一休息", "|".join([""] + ["00:00-24:00"] * 6)),
    ("周六、周日 10:00-16:00", "|".join([""] * 5 + ["10:00-16:00"] * 2)),
    ("", ""),
    ("看心情", ""),
    ("22:00-02:00", ""),
])
def test_migration_reads_the_free_text_it_can(text, weekly):
    assert _migration().read_free_text(text) == weekly
