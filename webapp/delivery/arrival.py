"""Whether the courier is at the door: the latest live position against the order's address pin.

"Arrived" is taken without a word within ARRIVE_RADIUS_METERS of the pin, by a position at most
POSITION_STALE_SECONDS old. Farther away, or with no such position, the courier states why (a
reason from ARRIVE_REASONS or their own words) and the ARRIVED event records it with the check;
an order without a pin cannot be checked, which the event records too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _

from webapp.delivery.geo import distance_m
from webapp.models import Order
from webapp.orders.reasons import ARRIVE_REASONS
from webapp.web import ServiceError

# A reason typed by the courier is kept to this many characters; the form's choice for one.
REASON_MAX = 60
OTHER = "other"


class Check(StrEnum):
    NEAR = "near"                # within the radius: nothing to explain
    FAR = "far"                  # a recent position, beyond the radius
    STALE = "stale"              # the latest position is too old to tell
    NO_POSITION = "no_position"  # no position since the pickup
    NO_PIN = "no_pin"            # the address has no pin: nothing to check against


@dataclass(frozen=True)
class Arrival:
    """The result of the distance check, as the courier's page shows it and the event keeps it."""

    check: Check
    radius_m: int
    distance_m: int | None = None  # to the pin, from the latest position (stale or not)
    age_s: int | None = None       # how old the latest position is

    @property
    def needs_reason(self) -> bool:
        return self.check in (Check.FAR, Check.STALE, Check.NO_POSITION)

    @property
    def minutes(self) -> int:
        return max(1, (self.age_s or 0) // 60)

    def refusal(self) -> str:
        """Why "arrived" is not taken without a reason, in the courier's language."""
        if self.check is Check.FAR:
            return _("你距收货位置约 %(distance)s 米，需在 %(radius)s 米内才能确认送达。请靠近后再试，"
                     "或说明原因。", distance=self.distance_m, radius=self.radius_m)
        if self.check is Check.STALE:
            return _("你的最新定位是 %(n)s 分钟前，无法确认是否已到收货位置。请打开定位后再试，"
                     "或说明原因。", n=self.minutes)
        return _("还没有收到你的定位，无法确认是否已到收货位置。请打开定位后再试，或说明原因。")

    def params(self, reason: str = "") -> dict:
        """What the ARRIVED event records: the check, the numbers it used, and any reason."""
        params: dict = {"check": str(self.check), "radius_m": self.radius_m}
        if self.distance_m is not None:
            params["distance_m"] = self.distance_m
        if self.age_s is not None and self.check is Check.STALE:
            params["age_s"] = self.age_s
        if reason:
            params["reason"] = reason
        return params


class NotAtTheDoor(ServiceError):
    """Arrival refused until the courier comes closer or gives a reason."""

    status = 422

    def __init__(self, arrival: Arrival):
        super().__init__(arrival.refusal())
        self.arrival = arrival


def check_arrival(order: Order, now: datetime) -> Arrival:
    """The distance check for `order` at `now` (UTC, naive as stored)."""
    config = current_app.config
    radius = config["ARRIVE_RADIUS_METERS"]
    if order.dest_lat is None or order.dest_lng is None:
        return Arrival(Check.NO_PIN, radius)
    delivery = order.delivery
    if delivery is None or delivery.last_lat is None or delivery.last_at is None:
        return Arrival(Check.NO_POSITION, radius)
    distance = round(distance_m(delivery.last_lat, delivery.last_lng, order.dest_lat,
                                order.dest_lng))
    age = max(0, int((now - delivery.last_at).total_seconds()))
    if age > config["POSITION_STALE_SECONDS"]:
        return Arrival(Check.STALE, radius, distance, age)
    return Arrival(Check.NEAR if distance <= radius else Check.FAR, radius, distance, age)


def stated_reason(reason: str | None, words: str | None = None) -> str:
    """The reason as stored: a code of ARRIVE_REASONS (given as its code or its words), else the
    courier's own words, trimmed (`reason` "other" points at `words`); "" when none was given."""
    reason, words = (" ".join((text or "").split()) for text in (reason, words))
    if reason in ("", OTHER):
        reason = words
    if reason in ARRIVE_REASONS:
        return reason
    code = next((key for key, label in ARRIVE_REASONS.items() if label == reason), None)
    return code or reason[:REASON_MAX]
