"""Who a user is to the app. Pure Python on purpose: it imports nothing from the app, so models,
the order state machine and views all import it without a cycle (webapp.models re-exports it)."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    COURIER = "courier"
    ADMIN = "admin"
    SYSTEM = "system"  # the platform itself: expiring orders nobody accepted in time
