"""What a shop promises a buyer before they order (issue 21): whether it is open for "as soon
as possible" (尽快送达) and self-pickup (到店自取), the time each is promised for, and busy mode.

One rule for every promise, `promise_minutes`:

    preparation  = shop.prep_minutes
    travel       = ceil(distance × ETA_ROUTE_FACTOR / ETA_DEFAULT_SPEED / 60)   (ASAP only)
    busy extra   = shop.busy_extra_minutes while busy mode is on, else 0
    promise      = preparation + travel + busy extra

The distance is the straight line from the shop's location to the address pin when both are
known, else ASAP_DEFAULT_METERS; the route factor and riding speed are the live ETA's own
(webapp/delivery/eta.py). Pickup is promised ready after preparation and the busy extra.
Busy mode is on while the merchant has tapped it on the board, or by itself while the shop has
at least `busy_auto_orders` open orders (placed, accepted or on the way; 0 turns that off).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.delivery.geo import distance_m
from webapp.extensions import db
from webapp.models import Order, Shop, Status
from webapp.models.order import Fulfilment
from webapp.shops.hours import OpenState, open_state
from webapp.shops.windows import DAY_NAMES, parse_window
from webapp.web import Conflict

# Orders that keep the shop's hands full: on the board and not finished.
OPEN_STATUSES = (Status.PLACED, Status.ACCEPTED, Status.DISPATCHED)


def open_orders(shop_id: int) -> int:
    """How many of the shop's orders are open (placed, accepted or waiting for a courier)."""
    return db.session.scalar(select(func.count()).select_from(Order).where(
        Order.shop_id == shop_id, Order.status.in_(OPEN_STATUSES))) or 0


def is_busy(shop) -> bool:
    """Busy mode: tapped by the merchant, or by itself past `busy_auto_orders` open orders."""
    if shop.busy:
        return True
    return bool(shop.busy_auto_orders) and open_orders(shop.id) >= shop.busy_auto_orders


def distance_of(shop, lat: float | None, lng: float | None) -> float:
    """Metres from the shop to the pin, or ASAP_DEFAULT_METERS if either is not known."""
    if None in (shop.lat, shop.lng, lat, lng):
        return float(current_app.config["ASAP_DEFAULT_METERS"])
    return distance_m(shop.lat, shop.lng, lat, lng)


def promise_minutes(shop, *, pickup: bool = False, lat: float | None = None,
                    lng: float | None = None, busy: bool = False) -> int:
    """The minutes from now that an order is promised in (see the module's rule)."""
    minutes = shop.prep_minutes + (shop.busy_extra_minutes if busy else 0)
    if not pickup:
        config = current_app.config
        seconds = distance_of(shop, lat, lng) * config["ETA_ROUTE_FACTOR"] / config[
            "ETA_DEFAULT_SPEED"]
        minutes += math.ceil(seconds / 60)
    return minutes


@dataclass(frozen=True)
class Outlook:
    """What the shop page and checkout tell a buyer before they order."""

    state: OpenState
    busy: bool
    extra_minutes: int  # what busy mode adds now (0 when not busy)

    @property
    def open(self) -> bool:
        return self.state.open

    def closed_text(self, now: datetime | None = None) -> str | None:
        """"休息中，可预订 明天 09:00 起", or None while open."""
        if self.open:
            return None
        if self.state.opens_at is None:
            return _("休息中，可预订之后的送达时段")
        return _("休息中，可预订 %(when)s 起", when=opens_text(self.state.opens_at, now))

    def busy_text(self) -> str | None:
        """"商家繁忙，预计多等 20 分钟", or None when not busy."""
        return _("商家繁忙，预计多等 %(n)s 分钟", n=self.extra_minutes) if self.busy else None


def outlook(shop, now: datetime | None = None) -> Outlook:
    busy = is_busy(shop)
    return Outlook(open_state(shop, now), busy, shop.busy_extra_minutes if busy else 0)


def promised(shop, *, pickup: bool, lat: float | None, lng: float | None,
             now: datetime | None = None, busy: bool | None = None) -> tuple[datetime, datetime]:
    """(now, promised time) in naive UTC, as an order stores its window."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    busy = is_busy(shop) if busy is None else busy
    minutes = promise_minutes(shop, pickup=pickup, lat=lat, lng=lng, busy=busy)
    return now, now + timedelta(minutes=minutes)


ASAP, PICKUP = "asap", "pickup"  # the checkout's choices besides a window's value


def choose(shop_of: Callable[[], Shop], value: str, *, lat: float | None, lng: float | None,
           now: datetime | None = None) -> tuple[str, datetime, datetime]:
    """(fulfilment, window start, window end) in naive UTC for the checkout's time choice:
    a delivery window's value, ASAP or PICKUP (only while the shop is open: refused with a
    message otherwise, as a window that has passed is). `shop_of()` gives the shop, asked only
    for ASAP and PICKUP (a window's order reads nothing more than before)."""
    if value not in (ASAP, PICKUP):
        return Fulfilment.WINDOW, *parse_window(value)
    shop = shop_of()
    if not open_state(shop, now).open:
        raise Conflict(_closed_message(shop, now))
    start, end = promised(shop, pickup=value == PICKUP, lat=lat, lng=lng, now=now)
    return Fulfilment(value), start, end


def _closed_message(shop, now: datetime | None) -> str:
    opens = open_state(shop, now).opens_at
    if opens is None:
        return _("本店休息中，请选择送达时段。")
    return _("本店休息中，可预订 %(when)s 起的送达时段。", when=opens_text(opens, now))


def opens_text(opens: datetime, now: datetime | None = None) -> str:
    """"明天 09:00" / "今天 17:00" / "12月25日 09:00": when a closed shop opens, in its zone."""
    today = (now or datetime.now(UTC)).astimezone(opens.tzinfo).date()
    offset = (opens.date() - today).days
    clock = opens.strftime("%H:%M")
    if 0 <= offset < len(DAY_NAMES):
        return f"{DAY_NAMES[offset]} {clock}"
    return _("%(month)d月%(date)d日 %(clock)s", month=opens.month, date=opens.day, clock=clock)
