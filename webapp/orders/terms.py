"""What a buyer chose at checkout, the same for a cart and a quote: where the order goes and on
what terms (the checkout form builds them; webapp/orders/checkout.py places the order)."""
from __future__ import annotations

from dataclasses import dataclass

from webapp.orders.shown import Shown


@dataclass(frozen=True)
class Destination:
    """Where an order goes, copied from the address book so later edits don't move it."""

    name: str
    mobile: str
    text: str
    district_code: str = ""
    lat: float | None = None
    lng: float | None = None

    @classmethod
    def of(cls, address) -> "Destination":
        return cls(name=address.contact_name, mobile=address.mobile, text=address.snapshot_text,
                   district_code=address.district_code, lat=address.lat, lng=address.lng)


@dataclass(frozen=True)
class Terms:
    """What the buyer chose at checkout, the same for a cart and a quote (the checkout form)."""

    destination: Destination
    window: str
    payment_method: str
    idempotency_key: str
    note: str = ""
    shown: Shown | None = None  # what the checkout page showed; None for an order made in code
