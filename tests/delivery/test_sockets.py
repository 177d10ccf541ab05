"""Socket.IO: who may connect, watch an order and send positions, and what each watcher hears."""
import pytest
from sqlalchemy import func, select

from tests.support.delivery import events, here
from tests.support.helpers import url
from tests.support.images import signature_data_url
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db, socketio
from webapp.models import Delivery, Status, TrackPoint

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def track_points() -> int:
    return db.session.scalar(select(func.count(TrackPoint.id)))


def test_an_anonymous_connection_is_refused(app, socket_client):
    assert not socket_client(app.test_client()).is_connected()


def test_an_app_built_after_another_still_has_every_socket_handler():
    # Tests (and tools) build several apps in one process; each must refuse anonymous sockets.
    create_app(TestConfig)
    later = create_app(TestConfig)
    socket = socketio.test_client(later, flask_test_client=later.test_client())
    assert not socket.is_connected()


def test_an_inactive_users_connection_is_refused(app, login_as, make_user, socket_client):
    client = app.test_client()
    login_as(make_user(active=False), client)
    assert not socket_client(client).is_connected()


def test_a_buyer_cannot_watch_another_buyers_order_nor_hear_its_positions(world, advance,
                                                                          connect):
    order = advance(Status.DELIVERING)
    owner, stranger = connect(world.buyer), connect(world.other_buyer)
    courier = connect(world.courier)
    assert owner.emit("order:watch", {"order_id": order.id}, callback=True)["ok"] is True
    ack = stranger.emit("order:watch", {"order_id": order.id}, callback=True)
    assert ack == {"ok": False, "error": "forbidden"}
    stranger.get_received()
    assert courier.emit("delivery:position", here(order), callback=True) == {"ok": True}
    assert events(stranger, "delivery:position") == []
    [position] = events(owner, "delivery:position")
    assert (position["order_id"], position["lat"], position["lng"]) == (order.id, 39.91, 116.41)


@pytest.mark.parametrize("who", ["buyer", "merchant", "courier"])
def test_each_party_can_watch_and_gets_the_snapshot(world, advance, connect, who):
    order = advance(Status.DISPATCHED)
    ack = connect(getattr(world, who)).emit("order:watch", {"order_id": str(order.id)},
                                            callback=True)
    assert ack == {"ok": True, "id": order.id, "status": "dispatched", "label": "待取货",
                   "payment": "unpaid", "tracking": False, "position": None, "eta": None,
                   "trail": [], "destination": None}


@pytest.mark.parametrize("payload", [None, "7", [1], {}, {"order_id": "abc"},
                                     {"order_id": True}, {"order_id": 1.5},
                                     {"order_id": 2**70}, {"order_id": "9" * 5000},
                                     {"order_id": "²"}, {"order_id": "-1"}, {"order_id": 0}],
                         ids=["none", "string", "list", "empty", "word", "bool", "float", "huge",
                              "huge-string", "superscript-digit", "negative-string", "zero"])
def test_watch_with_a_malformed_payload_is_a_bad_request(world, connect, payload):
    ack = connect(world.buyer).emit("order:watch", payload, callback=True)
    assert ack == {"ok": False, "error": "bad_request"}


def test_a_courier_cannot_send_positions_for_someone_elses_delivery(world, advance, connect):
    order = advance(Status.DELIVERING)
    buyer = connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    ack = connect(world.other_courier).emit("delivery:position", here(order), callback=True)
    assert ack == {"ok": False, "error": "forbidden", "message": "not your delivery"}
    assert connect(world.courier).emit("delivery:position", here(order, order_id=999),
                                       callback=True)["error"] == "forbidden"
    assert track_points() == 0
    assert events(buyer, "delivery:position") == []
    db.session.expire_all()
    assert db.session.get(Delivery, order.delivery.id).last_lat is None


MALFORMED = {
    "string": "39.9,116.4",
    "list": [39.9, 116.4],
    "number": 39.9,
    "none": None,
    "missing-order-id": {"lat": 39.9, "lng": 116.4},
    "string-order-id": {"order_id": "{id}", "lat": 39.9, "lng": 116.4},
    "bool-order-id": {"order_id": True, "lat": 39.9, "lng": 116.4},
    "huge-order-id": {"order_id": 2**70, "lat": 39.9, "lng": 116.4},
    "lat-91": {"lat": 91, "lng": 116.4},
    "lat-minus-91": {"lat": -91, "lng": 116.4},
    "lng-181": {"lat": 39.9, "lng": 181},
    "lat-string": {"lat": "39.9", "lng": 116.4},
    "lat-nan-string": {"lat": "NaN", "lng": 116.4},
    "lat-nan": {"lat": float("nan"), "lng": 116.4},
    "lng-infinity": {"lat": 39.9, "lng": float("inf")},
    "lat-bool": {"lat": True, "lng": 116.4},
    "lat-missing": {"lng": 116.4},
    "lat-dict": {"lat": {"value": 39.9}, "lng": 116.4},
    "accuracy-negative": {"lat": 39.9, "lng": 116.4, "accuracy": -1},
    "speed-string": {"lat": 39.9, "lng": 116.4, "speed": "fast"},
    "heading-361": {"lat": 39.9, "lng": 116.4, "heading": 361},
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_position_is_a_bad_request(world, advance, connect, case):
    order = advance(Status.DELIVERING)
    payload = MALFORMED[case]
    if isinstance(payload, dict):
        payload = {"order_id": order.id, **payload}
        if payload["order_id"] == "{id}":
            payload["order_id"] = str(order.id)
        if case == "missing-order-id":
            del payload["order_id"]
    buyer = connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    ack = connect(world.courier).emit("delivery:position", payload, callback=True)
    assert ack["ok"] is False and ack["error"] == "bad_request", ack
    assert track_points() == 0
    assert events(buyer, "delivery:position") == []


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.COMPLETED])
def test_positions_outside_the_delivery_are_refused(world, advance, connect, status):
    order = advance(status)
    ack = connect(world.courier).emit("delivery:position", here(order), callback=True)
    assert ack == {"ok": False, "error": "not_tracking",
                   "message": f"tracking is off for an order that is {status}"}
    assert track_points() == 0


def test_tracking_stops_at_the_signature(app, world, advance, connect):
    app.config["POSITION_MIN_INTERVAL"] = 0
    order = advance(Status.DELIVERING)
    courier, buyer = connect(world.courier), connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    assert courier.emit("delivery:position", here(order), callback=True) == {"ok": True}
    assert courier.http.post(url(app, "delivery.arrive", order_id=order.id)).status_code == 303
    assert courier.emit("delivery:position", here(order, lat=39.92), callback=True) == {"ok": True}
    response = buyer.http.post(url(app, "orders.sign", order_id=order.id),
                               data={"signer_name": "张三", "signature": signature_data_url()})
    assert response.status_code == 303
    ack = courier.emit("delivery:position", here(order, lat=39.93), callback=True)
    assert ack["ok"] is False and ack["error"] == "not_tracking"
    assert [p["lat"] for p in events(buyer, "delivery:position")] == [39.91, 39.92]
    assert track_points() == 2


def test_positions_faster_than_the_interval_are_refused(app, world, advance, connect):
    app.config["POSITION_MIN_INTERVAL"] = 60
    order = advance(Status.DELIVERING)
    courier = connect(world.courier)
    assert courier.emit("delivery:position", here(order), callback=True) == {"ok": True}
    ack = courier.emit("delivery:position", here(order, lat=40), callback=True)
    assert ack["error"] == "too_fast"
    assert track_points() == 1
    app.config["POSITION_MIN_INTERVAL"] = 0
    assert courier.emit("delivery:position", here(order, lat=40), callback=True) == {"ok": True}


def test_a_late_watcher_gets_the_last_position(app, world, advance, connect):
    order = advance(Status.DELIVERING)
    connect(world.courier).emit("delivery:position", here(order), callback=True)
    ack = connect(world.buyer).emit("order:watch", {"order_id": order.id}, callback=True)
    assert ack["tracking"] is True
    assert (ack["position"]["lat"], ack["position"]["lng"], ack["position"]["accuracy"]) == (
        39.91, 116.41, 8)


def test_every_watcher_hears_a_status_change_once(app, world, advance, connect):
    order = advance(Status.DISPATCHED)
    watchers = {who: connect(getattr(world, who)) for who in ("buyer", "merchant", "courier")}
    outsiders = [connect(world.other_buyer), connect(world.other_merchant),
                 connect(world.other_courier)]
    for socket in watchers.values():
        assert socket.emit("order:watch", {"order_id": order.id}, callback=True)["ok"]
        socket.get_received()
    response = watchers["courier"].http.post(url(app, "delivery.start", order_id=order.id))
    assert response.status_code == 303
    for who, socket in watchers.items():
        assert events(socket, "order:updated") == [
            {"id": order.id, "status": "delivering", "label": "配送中", "payment": "unpaid"}], who
    for socket in outsiders:
        assert socket.get_received() == []


def test_the_shop_hears_of_a_new_order_and_the_buyer_of_acceptance(app, world, place, connect):
    merchant, other_merchant = connect(world.merchant), connect(world.other_merchant)
    buyer = connect(world.buyer)
    order = place(world.buyer, world.product)
    assert events(merchant, "order:placed") == [{"id": order.id, "status": "placed"}]
    assert other_merchant.get_received() == []
    merchant.http.post(url(app, "orders.accept", order_id=order.id))
    assert events(buyer, "order:updated") == [
        {"id": order.id, "status": "accepted", "label": "已接单", "payment": "unpaid"}]


def test_a_refused_action_announces_nothing(app, world, advance, connect):
    order = advance(Status.ACCEPTED)
    buyer = connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    response = connect(world.merchant).http.post(url(app, "orders.accept", order_id=order.id))
    assert response.status_code == 409
    assert events(buyer, "order:updated") == []
