"""Courier positions as the app sends them, and what a Socket.IO test client received."""
from __future__ import annotations


def events(socket, name: str) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == name]


def here(order, **changes) -> dict:
    return {"order_id": order.id, "lat": 39.91, "lng": 116.41, "accuracy": 8, **changes}
