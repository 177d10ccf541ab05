"""The tracking link a buyer shares with whoever receives the goods: no login, only the map,
the ETA and the status, until it expires (TRACK_LINK_HOURS) and nothing live once the order is
final.

The token is the order's id and its expiry, signed with the app's key and a salt of its own
(itsdangerous), so it is good for that order only, cannot be made or changed without the key,
and is not stored. The expiry is read against utcnow(), which tests can move.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, request
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.delivery.services import snapshot
from webapp.extensions import db
from webapp.models import Order, utcnow
from webapp.orders.state import FINAL

SALT = "order-tracking-link"
# In a Socket.IO connection's environ: the order an anonymous connection was let in to watch.
LINK_ORDER = "marketplace.link_order"
# What the link's page and socket tell of an order: its id (which the map's events name), the
# status, and the map's data; never names, the phone, the address text, lines or money.
PUBLIC = ("ok", "id", "status", "tracking", "position", "eta", "trail", "destination")


@dataclass(frozen=True)
class Link:
    order_id: int
    expires_at: datetime


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(order: Order, now: datetime | None = None) -> tuple[str, datetime]:
    """A new link's token for `order` and when it expires."""
    expires = (now or utcnow()).replace(microsecond=0) + timedelta(
        hours=current_app.config["TRACK_LINK_HOURS"])
    return _serializer().dumps([order.id, calendar.timegm(expires.timetuple())]), expires


def read_token(token: str, now: datetime | None = None) -> Link | None:
    """The order and expiry a token names, or None: forged, altered, or expired."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        order_id, expires = _serializer().loads(token)
    except (BadData, TypeError, ValueError):
        return None
    if not (isinstance(order_id, int) and isinstance(expires, int)) or isinstance(
            order_id, bool):
        return None
    try:
        expires_at = datetime.fromtimestamp(expires, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None
    if expires_at <= (now or utcnow()):
        return None
    return Link(order_id, expires_at)


def is_live(order: Order) -> bool:
    """Whether the link still shows the order moving: until it is signed or called off."""
    return order.status not in FINAL


def public_state(order: Order, light: bool = False) -> dict:
    """The order's state as the link shows it (snapshot() less everything personal); nothing
    of the position once the order is final."""
    state = snapshot(order, light=light)
    shown = {key: state[key] for key in PUBLIC if key in state}
    if not is_live(order):
        shown.update(tracking=False, position=None, trail=[], eta=None)
    return shown


def admit(auth) -> bool:
    """Let an anonymous socket in when its `auth` carries a valid link's token (the shared
    page's); it may then watch that order only (LINK_ORDER)."""
    token = auth.get("track") if isinstance(auth, dict) else None
    link = read_token(token)
    if link is None:
        return False
    request.environ[LINK_ORDER] = link.order_id
    return True


def find_order(order_id: int) -> Order | None:
    """The order a link names, with its delivery (no actor: the link is the permission)."""
    return db.session.scalar(select(Order).options(selectinload(Order.delivery))
                             .where(Order.id == order_id))
