"""Positions under way: late fixes from an offline phone, the ETA, the snapshot a page catches
up with, the flood limit, and tracking that stops at signature or failure."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.delivery import events, here
from tests.support.images import signature_data_url
from webapp.delivery import actions as courier_actions
from webapp.extensions import db
from webapp.models import Delivery, Order, Status, TrackPoint, utcnow
from webapp.orders import signing as order_signing

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

DEST = (39.9087, 116.4605)


def points(**where) -> list[TrackPoint]:
    query = select(TrackPoint).order_by(TrackPoint.recorded_at)
    for name, value in where.items():
        query = query.where(getattr(TrackPoint, name) == value)
    return list(db.session.scalars(query))


def pinned(order: Order, lat=DEST[0], lng=DEST[1]) -> Order:
    order.dest_lat, order.dest_lng = lat, lng
    db.session.commit()
    return order


def started_ago(order: Order, seconds: int) -> None:
    delivery = db.session.get(Delivery, order.delivery.id)
    delivery.started_at = utcnow() - timedelta(seconds=seconds)
    db.session.commit()


def late(order, *ages, **fix) -> dict:
    return {"order_id": order.id, "fixes": [{"lat": round(39.90 + i / 1000, 3), "lng": 116.40,
                                             "accuracy": 12, "age": age, **fix}
                                            for i, age in enumerate(ages)]}


def test_late_fixes_fill_the_trail_but_never_move_the_marker(app, world, advance, connect):
    order = advance(Status.DELIVERING)
    started_ago(order, 120)
    courier, buyer = connect(world.courier), connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    assert courier.emit("delivery:position", here(order), callback=True) == {"ok": True}
    ack = courier.emit("delivery:positions", late(order, 60, 50, 40), callback=True)
    assert ack == {"ok": True, "stored": 3, "skipped": 0}
    stored = points(late=True)
    assert [round(p.lat, 3) for p in stored] == [39.90, 39.901, 39.902]
    assert all(p.recorded_at < utcnow() - timedelta(seconds=39) for p in stored)
    db.session.expire_all()
    delivery = db.session.get(Delivery, order.delivery.id)
    assert (delivery.last_lat, delivery.last_lng) == (39.91, 116.41)  # still the live fix
    heard = buyer.get_received()
    [live] = [m["args"][0] for m in heard if m["name"] == "delivery:position"]
    assert live["late"] is False and live["lat"] == 39.91
    [batch] = [m["args"][0] for m in heard if m["name"] == "delivery:late"]
    assert [p["lat"] for p in batch["points"]] == [39.9, 39.901, 39.902]
    # The buyer's page reconnects (a new connection gets the whole state, trail included).
    snapshot = connect(world.buyer).emit("order:watch", {"order_id": order.id}, callback=True)
    assert snapshot["position"]["lat"] == 39.91
    assert [(p["lat"], p["late"]) for p in snapshot["trail"]] == [
        (39.9, True), (39.901, True), (39.902, True), (39.91, False)]


def test_late_fixes_before_pickup_out_of_order_or_resent_are_skipped(app, world, advance,
                                                                      connect):
    order = advance(Status.DELIVERING)
    started_ago(order, 100)
    courier = connect(world.courier)
    # 300 s ago is before the pickup; 50.5 is closer than a second to 50; 30 and 40 come in
    # out of order and are sorted.
    ack = courier.emit("delivery:positions", late(order, 300, 50, 50.5, 30, 40), callback=True)
    assert ack == {"ok": True, "stored": 3, "skipped": 2}
    # The same queue again a second later (a reconnect that resends it) adds nothing.
    ack = courier.emit("delivery:positions", late(order, 51, 41, 31), callback=True)
    assert ack == {"ok": True, "stored": 0, "skipped": 3}
    assert len(points(late=True)) == 3


@pytest.mark.parametrize("batch", [
    {"fixes": []}, {"fixes": "39.9,116.4"}, {"fixes": [{"lat": 39.9, "lng": 116.4}]},
    {"fixes": [{"lat": 123, "lng": 116.4, "age": 5}]},
    {"fixes": [{"lat": 39.9, "lng": 116.4, "accuracy": -5, "age": 5}]},
    {"fixes": [{"lat": 39.9, "lng": 116.4, "age": -1}]},
    {"fixes": [{"lat": 39.9, "lng": 116.4, "age": 10 * 24 * 3600}]},
    {"fixes": [{"lat": 39.9, "lng": 116.4, "age": 5}, None]},
    {"fixes": [{"lat": 39.9, "lng": 116.4, "age": i} for i in range(121)]},
], ids=["empty", "string", "no-age", "lat-123", "accuracy-minus-5", "future", "too-old",
        "one-bad", "too-many"])
def test_a_malformed_late_batch_stores_nothing(world, advance, connect, batch):
    order = advance(Status.DELIVERING)
    started_ago(order, 200)
    buyer = connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    ack = connect(world.courier).emit("delivery:positions", {"order_id": order.id, **batch},
                                      callback=True)
    assert ack["ok"] is False and ack["error"] == "bad_request", ack
    assert points() == [] and events(buyer, "delivery:late") == []


@pytest.mark.parametrize("who", ["buyer", "merchant", "other_courier"])
def test_late_fixes_only_from_the_assigned_courier(world, advance, connect, who):
    order = advance(Status.DELIVERING)
    started_ago(order, 100)
    ack = connect(getattr(world, who)).emit("delivery:positions", late(order, 10),
                                            callback=True)
    assert ack["ok"] is False and ack["error"] == "forbidden"
    assert points() == []


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.COMPLETED])
def test_late_fixes_outside_the_delivery_are_refused(world, advance, connect, status):
    order = advance(status)
    ack = connect(world.courier).emit("delivery:positions", late(order, 10), callback=True)
    assert ack["ok"] is False and ack["error"] == "not_tracking"
    assert points() == []


def test_a_flood_of_positions_stores_one_per_interval_and_the_socket_stays_usable(
        app, world, advance, connect):
    # A long interval, so that a slow machine taking over a second for the flood cannot let a
    # second one through (the live-server test floods at the real one-second interval).
    app.config["POSITION_MIN_INTERVAL"] = 60
    order = advance(Status.DELIVERING)
    courier, buyer = connect(world.courier), connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    acks = [courier.emit("delivery:position", here(order, lat=39.9 + i / 10_000), callback=True)
            for i in range(100)]
    assert acks[0] == {"ok": True}
    assert {a["error"] for a in acks[1:]} == {"too_fast"}
    assert len(points()) == 1 and len(events(buyer, "delivery:position")) == 1
    app.config["POSITION_MIN_INTERVAL"] = 0  # the interval later, as it were
    assert courier.emit("delivery:position", here(order, lat=39.95), callback=True) == {"ok": True}
    assert [p["lat"] for p in events(buyer, "delivery:position")] == [39.95]


def test_positions_carry_an_eta_to_the_address_pin(app, world, advance, connect):
    app.config["POSITION_MIN_INTERVAL"] = 0
    order = pinned(advance(Status.DELIVERING))
    courier, buyer = connect(world.courier), connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    # About 3 km west of the pin, no speed known yet: the default speed (4.2 m/s).
    courier.emit("delivery:position", here(order, lat=DEST[0], lng=116.4255), callback=True)
    [position] = events(buyer, "delivery:position")
    eta = position["eta"]
    assert 2900 < eta["distance_m"] < 3100 and eta["arriving"] is False
    assert eta["seconds"] == pytest.approx(eta["distance_m"] * 1.3 / 4.2, abs=1)
    assert "text" not in eta  # numbers only: each page words them in its own language
    # 100 m from the pin: "arriving" (ARRIVING_METERS is 300).
    courier.emit("delivery:position", here(order, lat=DEST[0], lng=DEST[1] - 0.00117),
                 callback=True)
    [position] = events(buyer, "delivery:position")
    assert position["eta"]["arriving"] is True and position["eta"]["distance_m"] <= 300
    snapshot = connect(world.buyer).emit("order:watch", {"order_id": order.id}, callback=True)
    assert snapshot["eta"]["arriving"] is True
    assert snapshot["destination"] == {"lat": DEST[0], "lng": DEST[1]}


def test_the_eta_follows_the_recent_speed(app, world, advance):
    order = pinned(advance(Status.DELIVERING))
    now = utcnow()
    # 600 m in the last 60 s: 10 m/s (the pin is 3 km away).
    for i in range(7):
        db.session.add(TrackPoint(delivery_id=order.delivery.id, lat=DEST[0] + 0.0270 - i * 0.0009,
                                  lng=DEST[1], recorded_at=now - timedelta(seconds=60 - i * 10)))
    db.session.commit()
    from webapp.delivery.services import eta

    estimate = eta(order, order.delivery.id, DEST[0] + 0.0216, DEST[1], now)
    assert estimate["seconds"] == pytest.approx(estimate["distance_m"] * 1.3 / 10, rel=0.15)
    # Nothing live in the window (an hour later): the default speed, not "never".
    later = eta(order, order.delivery.id, DEST[0] + 0.0216, DEST[1], now + timedelta(hours=1))
    assert later["seconds"] == pytest.approx(later["distance_m"] * 1.3 / 4.2, abs=1)
    # Creeping along after moving off: the speed does not go below ETA_MIN_SPEED.
    start = DEST[0] + 0.0216
    path = [start, start - 0.00054] + [start - 0.00054 - i * 0.00005 for i in range(1, 11)]
    for i, lat in enumerate(path):
        db.session.add(TrackPoint(delivery_id=order.delivery.id, lat=lat, lng=DEST[1],
                                  recorded_at=now + timedelta(hours=1, seconds=10 * (i + 1))))
    db.session.commit()
    app.config["ETA_MAX_CHANGE"] = 1.0  # no bound: the floor itself shows
    crawl = eta(order, order.delivery.id, path[-1], DEST[1], now + timedelta(hours=1, seconds=120))
    assert crawl["seconds"] == pytest.approx(crawl["distance_m"] * 1.3 / 1.5, rel=0.01)


def test_without_an_address_pin_there_is_no_eta(world, advance, connect):
    order = advance(Status.DELIVERING)
    buyer = connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    connect(world.courier).emit("delivery:position", here(order), callback=True)
    assert events(buyer, "delivery:position")[0]["eta"] is None


def test_a_failed_delivery_stops_tracking_and_forgets_the_live_position(app, world, advance,
                                                                        connect):
    order = advance(Status.DELIVERING)
    courier, buyer = connect(world.courier), connect(world.buyer)
    assert courier.emit("delivery:position", here(order), callback=True) == {"ok": True}
    courier_actions.fail(order.id, world.courier, "absent")
    for event, payload in (("delivery:position", here(order, lat=39.92)),
                           ("delivery:positions", late(order, 1))):
        ack = courier.emit(event, payload, callback=True)
        assert ack["ok"] is False and ack["error"] == "not_tracking"
    db.session.expire_all()
    delivery = db.session.get(Delivery, order.delivery.id)
    assert (delivery.last_lat, delivery.last_at) == (None, None)
    snapshot = buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    assert (snapshot["position"], snapshot["trail"], snapshot["tracking"]) == (None, [], False)
    assert len(points()) == 1


def test_the_proof_keeps_the_last_position_with_its_accuracy_and_time(app, world, advance,
                                                                      connect):
    order = advance(Status.DELIVERING)
    courier = connect(world.courier)
    courier.emit("delivery:position", here(order, lat=39.9123, accuracy=7.5), callback=True)
    courier_actions.arrive(order.id, world.courier)
    order_signing.sign(order.id, world.buyer, "张三", signature_data_url())
    db.session.expire_all()
    proof = db.session.get(Order, order.id).proof
    assert (proof.lat, proof.lng, proof.accuracy) == (39.9123, 116.41, 7.5)
    assert proof.position_at is not None and proof.position_at <= proof.signed_at
    assert db.session.scalar(select(func.count(TrackPoint.id))) == 1
