"""Courier positions as the app sends them, what a Socket.IO test client received, and a courier
standing at the door."""
from __future__ import annotations

from datetime import timedelta

from webapp.delivery import actions as courier_actions
from webapp.extensions import db
from webapp.models import Order, utcnow


def events(socket, name: str) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == name]


def here(order, **changes) -> dict:
    return {"order_id": order.id, "lat": 39.91, "lng": 116.41, "accuracy": 8, **changes}


def stand_at(order_id: int, lat: float | None, lng: float | None, age_s: float = 0) -> None:
    """Give the order's courier a live position `age_s` old (what record_position would store;
    its ETA and track points are not what these tests look at)."""
    delivery = db.session.get(Order, order_id).delivery
    delivery.last_lat, delivery.last_lng = lat, lng
    delivery.last_at = None if lat is None else utcnow() - timedelta(seconds=age_s)
    db.session.commit()


def arrive_at_pin(order_id: int, courier) -> Order:
    """Arrive as a courier standing at the address pin: a fresh position there first (an order
    without a pin is arrived at as it is)."""
    order = db.session.get(Order, order_id)
    if order.dest_lat is not None and order.delivery is not None:
        stand_at(order_id, order.dest_lat, order.dest_lng)
    return courier_actions.arrive(order_id, courier)
