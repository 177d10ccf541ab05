"""Courier steps in order (issue 19): "arrived" near the address pin by a recent position, or with
a stated reason recorded in the ARRIVED event and shown in the history; the courier's page shows
the check and the reason form. The buyer's page at the door puts the inspection and signature
above the map and the history; a position older than POSITION_STALE_SECONDS is stale on it.
One app and world for the module; each case places its own order."""
from __future__ import annotations

import math
import re
import secrets

import pytest
from flask_babel import refresh
from sqlalchemy import select

from tests.support.database import app_with_tables
from tests.support.delivery import stand_at
from tests.support.factories import build_world, window_value
from tests.support.helpers import HX, url
from tests.support.orders import STEPS, take_steps, words
from webapp.delivery import actions as courier_actions
from webapp.delivery.arrival import NotAtTheDoor
from webapp.delivery.geo import EARTH_RADIUS_M, distance_m
from webapp.delivery.services import snapshot
from webapp.extensions import db
from webapp.models import EventKind, Order, OrderEvent, Status
from webapp.orders import checkout as order_checkout
from webapp.orders.events import describe
from webapp.web import ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

PIN = (39.9087, 116.4605)
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # along a meridian


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _cache():
    return {}


@pytest.fixture
def world(_cache, app, make_user, make_shop, make_product, make_courier):
    if "world" not in _cache:
        _cache["world"] = build_world(make_user, make_shop, make_product, make_courier,
                                      stock=1000)
    yield _cache["world"]
    db.session.rollback()


def order_at(app, world, status: Status, pinned: bool = True) -> Order:
    """An order to the pin (or to no pin) taken to `status` through the services."""
    lat, lng = PIN if pinned else (None, None)
    order = order_checkout.place_order(
        world.buyer, world.shop.id, {world.product.id: 1},
        destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105",
                                               lat, lng),
        window=window_value(app, world.shop), payment_method="cod",
        idempotency_key=secrets.token_hex(16))
    take_steps(order.id, world, STEPS[status])
    db.session.expire_all()
    return db.session.get(Order, order.id)


def north_of_pin(metres: float) -> tuple[float, float]:
    return PIN[0] + metres / METRES_PER_DEGREE, PIN[1]


def arrival_event(order: Order) -> OrderEvent:
    return db.session.scalar(select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == EventKind.ARRIVED))


# (case, metres north of the pin or None for no position, its age in seconds, pinned, reason,
#  words) -> the check recorded (None: refused), the reason recorded, the refusal's words.
ARRIVALS = [
    ("inside", 120, 5, True, "", "", "near", None, None),
    ("on the edge", 300, 5, True, "", "", "near", None, None),
    ("just outside", 301, 5, True, "", "", None, None, "约 301 米，需在 300 米内"),
    ("outside", 850, 5, True, "", "", None, None, "约 850 米，需在 300 米内"),
    ("outside, a reason from the list", 850, 5, True, "pin_off", "", "far", "pin_off", None),
    ("outside, the reason's words", 850, 5, True, "地址定位不准", "", "far", "pin_off", None),
    ("outside, own words", 850, 5, True, "other", " 小区不让进，  门口交接 ", "far",
     "小区不让进， 门口交接", None),
    ("outside, other without words", 850, 5, True, "other", "  ", None, None, "约 850 米"),
    ("no position", None, 0, True, "", "", None, None, "还没有收到你的定位"),
    ("no position, a reason", None, 0, True, "weak_signal", "", "no_position", "weak_signal",
     None),
    ("stale, though at the door", 50, 61, True, "", "", None, None, "最新定位是 1 分钟前"),
    ("a minute old is still recent", 50, 60, True, "", "", "near", None, None),
    ("stale, a reason", 50, 200, True, "met_nearby", "", "stale", "met_nearby", None),
    ("no pin", None, 0, False, "", "", "no_pin", None, None),
    ("no pin, a reason is not needed", 5000, 5, False, "pin_off", "", "no_pin", None, None),
    ("inside, a reason is not kept", 100, 5, True, "pin_off", "", "near", None, None),
]


@pytest.mark.parametrize(("metres", "age", "pinned", "reason", "typed", "check", "kept",
                          "refusal"), [case[1:] for case in ARRIVALS],
                         ids=[case[0] for case in ARRIVALS])
def test_arrival_needs_the_pin_nearby_or_a_reason(app, world, metres, age, pinned, reason, typed,
                                                  check, kept, refusal):
    order = order_at(app, world, Status.DELIVERING, pinned)
    if metres is not None:
        stand_at(order.id, *north_of_pin(metres), age_s=age)
    if check is None:
        with pytest.raises(NotAtTheDoor) as refused:
            courier_actions.arrive(order.id, world.courier, reason, typed)
        assert refused.value.status == 422 and refusal in refused.value.message
        db.session.expire_all()
        assert db.session.get(Order, order.id).status is Status.DELIVERING
        assert arrival_event(order) is None
        return
    courier_actions.arrive(order.id, world.courier, reason, typed)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is Status.ARRIVED
    params = arrival_event(order).params
    assert params["check"] == check and params["radius_m"] == 300
    assert params.get("reason") == kept
    if check in ("near", "far", "stale"):
        # The distance as the check measured it (the edge case rounds to exactly 300).
        assert params["distance_m"] == round(distance_m(*north_of_pin(metres), *PIN))
    assert ("age_s" in params) is (check == "stale")


def test_a_wrong_step_is_a_conflict_before_any_distance(app, world):
    order = order_at(app, world, Status.DISPATCHED)
    with pytest.raises(ServiceError) as refused:
        courier_actions.arrive(order.id, world.courier)
    assert refused.value.status == 409 and "米" not in refused.value.message


# check and parameters -> the history's line, Chinese and English.
HISTORY = [
    ({"check": "near", "radius_m": 300, "distance_m": 120},
     "骑手已送达（距收货位置 120 米）", "The courier has arrived (120 m from the delivery pin)"),
    ({"check": "far", "radius_m": 300, "distance_m": 850, "reason": "pin_off"},
     "骑手已送达，距收货位置 850 米：地址定位不准",
     "The courier has arrived 850 m from the delivery pin: The address pin is off"),
    ({"check": "far", "radius_m": 300, "distance_m": 850, "reason": "门口交接"},
     "骑手已送达，距收货位置 850 米：门口交接",
     "The courier has arrived 850 m from the delivery pin: 门口交接"),
    ({"check": "stale", "radius_m": 300, "distance_m": 40, "age_s": 200, "reason": "met_nearby"},
     "骑手已送达，最新定位为 3 分钟前：收件人到附近接货",
     "The courier has arrived, latest location 3 min old: The recipient met me nearby"),
    ({"check": "no_position", "radius_m": 300, "reason": "weak_signal"},
     "骑手已送达，没有定位：室内或地下，定位信号弱",
     "The courier has arrived without a location: Indoors or underground: weak location signal"),
    ({"check": "no_pin", "radius_m": 300},
     "骑手已送达（收货地址未标记位置，未核对距离）",
     "The courier has arrived (the address has no map pin; distance not checked)"),
    ({}, "骑手已送达", "The courier has arrived"),  # recorded before the check
]


@pytest.mark.parametrize(("params", "chinese", "english"), HISTORY,
                         ids=[case[0].get("check", "before") for case in HISTORY])
def test_the_history_says_how_the_arrival_was_checked(app, params, chinese, english):
    event = OrderEvent(kind=EventKind.ARRIVED, params=params)
    for language, wording in (("zh-CN", chinese), ("en", english)):
        with app.test_request_context(headers={"Accept-Language": language}):
            refresh()  # the locale is kept on the app context the fixture pushed
            assert describe(event) == wording


def test_the_couriers_page_shows_the_check_and_asks_for_a_reason(app, world, as_party):
    order = order_at(app, world, Status.DELIVERING)
    stand_at(order.id, *north_of_pin(850))
    courier = as_party(world.courier)
    page = url(app, "delivery.detail", order_id=order.id)
    text = courier.get(page).text
    assert "距收货位置约 850 米（需在 300 米内）" in words(text)
    assert 'name="reason" value="pin_off"' in text and "<details class=\"arrive-reason\">" in text
    english = words(courier.get(page, headers={"Accept-Language": "en"}).text)
    assert "About 850 m from the delivery pin (within 300 m needed)." in english
    assert "The address pin is off" in english and "Give a reason" in english
    # A tap without a reason: the panel again, 422, saying how far, the reason form open.
    arrive = url(app, "delivery.arrive", order_id=order.id)
    refused = courier.post(arrive, headers=HX)
    assert refused.status_code == 422 and f'id="delivery-{order.id}-panel"' in refused.text
    assert "你距收货位置约 850 米，需在 300 米内才能确认送达" in refused.text
    assert '<details class="arrive-reason" open>' in refused.text
    # With a reason it is taken, and the history says so to the buyer.
    assert courier.post(arrive, headers=HX, data={"reason": "pin_off"}).status_code == 200
    buyer_page = as_party(world.buyer).get(url(app, "orders.detail", order_id=order.id)).text
    assert "骑手已送达，距收货位置 850 米：地址定位不准" in buyer_page


@pytest.mark.parametrize(("metres", "pinned", "shown"), [
    (100, True, "距收货位置约 100 米，可确认送达。"),
    (None, True, "还没有你的定位，暂时无法核对距离。"),
    (None, False, "收货地址未标记地图位置，送达时不核对距离。"),
])
def test_near_the_pin_or_without_one_no_reason_is_asked(app, world, as_party, metres, pinned,
                                                        shown):
    order = order_at(app, world, Status.DELIVERING, pinned)
    if metres is not None:
        stand_at(order.id, *north_of_pin(metres))
    text = as_party(world.courier).get(url(app, "delivery.detail", order_id=order.id)).text
    assert shown in words(text)
    assert ('class="arrive-reason"' in text) is (metres is None and pinned)


def test_the_page_gives_the_live_distance_line_what_it_needs(app, world, as_party):
    """courier.js redraws the line from the positions the server takes: the page gives the pin,
    the radius, how old a position may be, and the server's own check as drawn."""
    order = order_at(app, world, Status.DELIVERING)
    stand_at(order.id, *north_of_pin(850))
    text = as_party(world.courier).get(url(app, "delivery.detail", order_id=order.id)).text
    box = re.search(rf'<div class="arrive" id="delivery-{order.id}-arrive"[^>]*>', text).group(0)
    given = dict(re.findall(r'data-([\w-]+)="([^"]*)"', box))
    assert (float(given["pin-lat"]), float(given["pin-lng"])) == PIN
    assert (given["radius"], given["stale"], given["distance"], given["check"]) == (
        "300", "60", "850", "far")
    assert 0 <= int(given["age"]) < 60
    unpinned = order_at(app, world, Status.DELIVERING, pinned=False)
    text = as_party(world.courier).get(url(app, "delivery.detail", order_id=unpinned.id)).text
    box = re.search(rf'<div class="arrive" id="delivery-{unpinned.id}-arrive"[^>]*>', text).group(0)
    assert "data-pin-lat" not in box and "data-distance" not in box


# The buyer's page: at the door the inspection and signature come first, then the order, its
# history and the map; while the courier is on the way the map comes first and nothing to sign.
@pytest.mark.parametrize("status", [Status.ARRIVED, Status.DELIVERING])
def test_the_buyers_page_at_the_door_puts_signing_first(app, world, as_party, status):
    order = order_at(app, world, status)
    buyer = as_party(world.buyer)
    page = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    where = {name: page.find(marker) for name, marker in (
        ("sign", "骑手已到达，请验货签收"), ("map", f'id="order-{order.id}-map"'),
        ("lines", '<ul class="lines">'), ("history", '<details class="timeline">'))}
    if status is Status.ARRIVED:
        assert -1 < where["sign"] < where["lines"] < where["history"] < where["map"]
        assert page.count('id="sign-form"') == 1
    else:
        assert where["sign"] == -1 and -1 < where["map"] < where["lines"] < where["history"]
    # The panel redrawn live (htmx on order:updated) has the same order of its parts.
    panel = buyer.get(url(app, "orders.detail", order_id=order.id), headers=HX).text
    sign = panel.find(f'id="order-{order.id}-sign-first"')
    assert (-1 < sign < panel.find('<ul class="lines">')) is (status is Status.ARRIVED)
    english = buyer.get(url(app, "orders.detail", order_id=order.id),
                        headers={"Accept-Language": "en"}).text
    assert ("Your courier is here: inspect and sign" in english) is (status is Status.ARRIVED)


@pytest.mark.parametrize(("age", "stale", "note"), [
    (10, False, None), (60, False, None), (61, True, "位置更新于 1 分钟前"),
    (185, True, "位置更新于 3 分钟前"),
])
def test_a_position_older_than_a_minute_is_stale_on_the_buyers_map(app, world, as_party, age,
                                                                    stale, note):
    order = order_at(app, world, Status.DELIVERING)
    stand_at(order.id, *north_of_pin(900), age_s=age)
    position = snapshot(db.session.get(Order, order.id))["position"]
    assert abs(position["age_s"] - age) <= 1 and position["stale"] is stale
    buyer = as_party(world.buyer)
    page = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    assert 'data-stale-seconds="60"' in page  # the threshold track-map.js counts with
    assert ('id="track-note" data-stale="1"' in page) is stale
    if note:
        assert note in page
        english = buyer.get(url(app, "orders.detail", order_id=order.id),
                            headers={"Accept-Language": "en"}).text
        assert note.replace("位置更新于 ", "Position updated ").replace(" 分钟前", " min ago") \
            in english
    # What a page polls when its socket cannot connect carries the same.
    live = buyer.get(url(app, "orders.live", order_id=order.id)).get_json()
    assert live["position"]["stale"] is stale
