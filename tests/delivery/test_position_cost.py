"""What one accepted position costs (its time is every watcher's latency) and that the leaner
path stores, refuses and announces exactly what it did before."""
import pytest
from sqlalchemy import select

from tests.support.delivery import events, here
from webapp.extensions import db, socketio
from webapp.models import Delivery, Status, TrackPoint

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass




def test_an_accepted_position_is_four_statements(app, world, advance, connect, statements):
    app.config["POSITION_MIN_INTERVAL"] = 0
    order = advance(Status.DELIVERING)
    order.dest_lat, order.dest_lng = 39.9087, 116.4605  # a pin, so the ETA is worked out
    db.session.commit()
    courier = connect(world.courier)
    first, second = here(order), here(order, lat=39.92)
    assert courier.emit("delivery:position", first, callback=True) == {"ok": True}
    statements.clear()
    assert courier.emit("delivery:position", second, callback=True) == {"ok": True}
    # Flask-Login's user load (every socket event), the deciding UPDATE, the point, the speed.
    kinds = [statement.split()[0] for statement in statements]
    assert kinds == ["SELECT", "UPDATE", "INSERT", "SELECT"], statements
    assert "FROM user" in statements[0].replace('"', "") and "FROM track_point" in statements[3]


def test_the_stored_point_and_the_delivery_match_what_was_announced(app, world, advance,
                                                                     connect):
    order = advance(Status.DELIVERING)
    courier, buyer = connect(world.courier), connect(world.buyer)
    buyer.emit("order:watch", {"order_id": order.id}, callback=True)
    fix = here(order, lat=39.915, lng=116.405, accuracy=7.5, speed=6, heading=90)
    assert courier.emit("delivery:position", fix, callback=True) == {"ok": True}
    [heard] = events(buyer, "delivery:position")
    assert heard == {"order_id": order.id, "lat": 39.915, "lng": 116.405, "accuracy": 7.5,
                     "at": heard["at"], "late": False, "eta": None}
    db.session.expire_all()
    [point] = db.session.scalars(select(TrackPoint))
    assert (point.delivery_id, point.lat, point.lng, point.accuracy, point.speed, point.heading,
            point.late) == (order.delivery.id, 39.915, 116.405, 7.5, 6.0, 90.0, False)
    assert point.recorded_at.isoformat() + "Z" == heard["at"]
    delivery = db.session.get(Delivery, order.delivery.id)
    assert (delivery.last_lat, delivery.last_lng, delivery.last_accuracy, delivery.last_at) == (
        39.915, 116.405, 7.5, point.recorded_at)


@pytest.mark.parametrize("status", [Status.DELIVERING, Status.COMPLETED])
def test_someone_elses_delivery_is_forbidden_before_anything_else_is_said(world, advance,
                                                                          connect, status):
    # Whether it is under way or not is none of another courier's business.
    order = advance(status)
    ack = connect(world.other_courier).emit("delivery:position", here(order), callback=True)
    assert ack == {"ok": False, "error": "forbidden", "message": "not your delivery"}


def test_the_position_is_announced_only_once_committed(app, world, advance, connect,
                                                      monkeypatch):
    order = advance(Status.DELIVERING)
    courier = connect(world.courier)
    committed_at_emit = []
    emit = socketio.emit

    def watching_emit(name, *args, **kwargs):
        if name == "delivery:position":
            # A fresh connection sees the point only if it was committed.
            with db.engine.connect() as other:
                committed_at_emit.append(other.scalar(select(TrackPoint.id)) is not None)
        return emit(name, *args, **kwargs)

    monkeypatch.setattr(socketio, "emit", watching_emit)
    assert courier.emit("delivery:position", here(order), callback=True) == {"ok": True}
    assert committed_at_emit == [True]
