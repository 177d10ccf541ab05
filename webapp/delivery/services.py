"""The courier's deliveries and the positions their phone sends."""
from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from webapp.extensions import db
from webapp.models import Delivery, Order, TrackPoint, User, utcnow
from webapp.orders.state import FINAL, TRACKING
from webapp.realtime import emit_after_commit, order_room
from webapp.web import MAX_ID


class PositionRefused(Exception):
    """A position that is not accepted; `code` tells the phone why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def deliveries_of(courier: User) -> tuple[list[Order], list[Order]]:
    """The courier's open deliveries and the last 20 finished ones."""
    base = select(Order).join(Delivery, Delivery.order_id == Order.id).where(
        Delivery.courier_id == courier.id)
    open_orders = db.session.scalars(base.where(Order.status.not_in(FINAL)).order_by(Order.id))
    done = db.session.scalars(base.where(Order.status.in_(FINAL))
                              .order_by(Order.id.desc()).limit(20))
    return list(open_orders), list(done)


def purge_track_points(older_than_days: int) -> int:
    """Delete the track points of deliveries whose order ended more than `older_than_days` ago."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    ended = select(Delivery.id).join(Order, Order.id == Delivery.order_id).where(
        Order.status.in_(FINAL), Order.updated_at < cutoff)
    deleted = db.session.execute(
        delete(TrackPoint).where(TrackPoint.delivery_id.in_(ended))
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return deleted


def _number(value, low: float, high: float, required: bool = True) -> float | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PositionRefused("bad_request", "position values must be numbers")
    try:
        value = float(value)
    except OverflowError:
        raise PositionRefused("bad_request", "position value out of range") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise PositionRefused("bad_request", "position value out of range")
    return value


def record_position(courier: User, data: dict) -> dict:
    """Store one position from the assigned courier of an order under way and pass it on."""
    if not isinstance(data, dict):
        raise PositionRefused("bad_request", "expected an object")
    order_id = data.get("order_id")
    if isinstance(order_id, bool) or not isinstance(order_id, int) or not 0 < order_id <= MAX_ID:
        raise PositionRefused("bad_request", "order_id must be an integer id")
    lat = _number(data.get("lat"), -90, 90)
    lng = _number(data.get("lng"), -180, 180)
    accuracy = _number(data.get("accuracy"), 0, 100_000, required=False)
    speed = _number(data.get("speed"), 0, 500, required=False)
    heading = _number(data.get("heading"), 0, 360, required=False)

    delivery = db.session.scalar(select(Delivery).where(
        Delivery.order_id == order_id, Delivery.courier_id == courier.id))
    if delivery is None:
        raise PositionRefused("forbidden", "not your delivery")
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["POSITION_MIN_INTERVAL"])
    # One statement decides: still under way, and not sooner than the minimum interval.
    stored = db.session.execute(
        update(Delivery).where(
            Delivery.id == delivery.id,
            Delivery.order_id.in_(select(Order.id).where(Order.id == order_id,
                                                         Order.status.in_(TRACKING))),
            or_(Delivery.last_at.is_(None), Delivery.last_at <= cutoff),
        ).values(last_lat=lat, last_lng=lng, last_accuracy=accuracy, last_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if stored != 1:
        db.session.rollback()
        status = db.session.scalar(select(Order.status).where(Order.id == order_id))
        if status not in TRACKING:
            raise PositionRefused("not_tracking", f"tracking is off for an order that is {status}")
        raise PositionRefused("too_fast", "at most one position per second")
    db.session.add(TrackPoint(delivery_id=delivery.id, lat=lat, lng=lng, accuracy=accuracy,
                              speed=speed, heading=heading, recorded_at=now))
    position = {"order_id": order_id, "lat": lat, "lng": lng, "accuracy": accuracy,
                "at": now.isoformat() + "Z"}
    emit_after_commit(db.session, "delivery:position", position, order_room(order_id))
    db.session.commit()
    return position

