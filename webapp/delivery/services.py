"""The courier's deliveries, the positions their phone sends, and what the buyer's map is told."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import contains_eager

from webapp.cas import update_where
from webapp.delivery.eta import Fix, seconds_left
from webapp.delivery.eta import Settings as EtaSettings
from webapp.delivery.geo import distance_m
from webapp.extensions import db
from webapp.models import Delivery, Order, Shop, ShopStatus, TrackPoint, User, utcnow
from webapp.notifications import events as notices
from webapp.orders.state import LABELS, TRACKING
from webapp.realtime import emit_after_commit, map_rooms
from webapp.web import MAX_ID

# A phone that was offline sends its queue in batches of at most this many fixes.
MAX_LATE_BATCH = 120
# A queued fix older than this is not worth sending (and the phone drops it).
MAX_LATE_AGE = 6 * 3600
# The trail a (re)connecting map is given: the newest points, oldest first.
TRAIL_POINTS = 500


class PositionRefused(Exception):
    """A position that is not accepted; `code` tells the phone why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def purge_track_points(older_than_days: int) -> int:
    """Delete track points older than `older_than_days` of deliveries no longer under way.

    Finished, cancelled and failed deliveries alike: a failed one may wait for reassignment for
    a long time, and its old track is of no use to anyone.
    """
    cutoff = utcnow() - timedelta(days=older_than_days)
    idle = select(Delivery.id).join(Order, Order.id == Delivery.order_id).where(
        Order.status.not_in(TRACKING))
    deleted = db.session.execute(
        delete(TrackPoint).where(TrackPoint.delivery_id.in_(idle),
                                 TrackPoint.recorded_at < cutoff)
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


def _order_id(data) -> int:
    if not isinstance(data, dict):
        raise PositionRefused("bad_request", "expected an object")
    order_id = data.get("order_id")
    if isinstance(order_id, bool) or not isinstance(order_id, int) or not 0 < order_id <= MAX_ID:
        raise PositionRefused("bad_request", "order_id must be an integer id")
    return order_id


def _fix(data: dict) -> dict:
    """Latitude, longitude (required) and accuracy, speed, heading (optional), checked."""
    if not isinstance(data, dict):
        raise PositionRefused("bad_request", "expected an object")
    return {"lat": _number(data.get("lat"), -90, 90),
            "lng": _number(data.get("lng"), -180, 180),
            "accuracy": _number(data.get("accuracy"), 0, 100_000, required=False),
            "speed": _number(data.get("speed"), 0, 500, required=False),
            "heading": _number(data.get("heading"), 0, 360, required=False)}


def _own_delivery(courier: User, order_id: int) -> Delivery:
    # With its order in the same query: record_position's ETA then needs no second SELECT.
    delivery = db.session.scalar(select(Delivery).join(Delivery.order).options(
        contains_eager(Delivery.order)).where(
        Delivery.order_id == order_id, Delivery.courier_id == courier.id))
    if delivery is None:
        raise PositionRefused("forbidden", "not your delivery")
    return delivery


def _tracking(order_id: int):
    """A subquery: the order `order_id` if it is under way (positions are taken)."""
    orders = Order.__table__.c
    return select(orders.id).where(orders.id == order_id, orders.status.in_(TRACKING))


def _not_tracking(order_id: int) -> PositionRefused:
    status = db.session.scalar(select(Order.status).where(Order.id == order_id))
    return PositionRefused("not_tracking", f"tracking is off for an order that is {status}")


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() + "Z" if at is not None else None


def record_position(courier: User, data: dict) -> dict:
    """Store one position from the assigned courier of an order under way and pass it on.

    This handler's time is every watcher's latency, so an accepted position costs three
    statements: one UPDATE decides (the courier's, under way, not too soon) and returns what
    the ETA needs, a Core INSERT keeps the point, one SELECT reads the recent speed. Only a
    refusal looks further, to say why.
    """
    order_id = _order_id(data)
    fix = _fix(data)
    now = utcnow()
    cutoff = now - timedelta(seconds=current_app.config["POSITION_MIN_INTERVAL"])
    # Core statements on the tables: the same SQL without the ORM's bulk-statement machinery.
    deliveries = Delivery.__table__.c
    accepted = db.session.execute(
        update(Delivery.__table__).where(
            deliveries.order_id == order_id, deliveries.courier_id == courier.id,
            deliveries.order_id.in_(_tracking(order_id)),
            or_(deliveries.last_at.is_(None), deliveries.last_at <= cutoff),
        ).values(last_lat=fix["lat"], last_lng=fix["lng"], last_accuracy=fix["accuracy"],
                 last_at=now)
        .returning(deliveries.id, _of_order(order_id, "dest_lat"),
                   _of_order(order_id, "dest_lng"), _shop_status(order_id))
    ).first()
    if accepted is None:
        db.session.rollback()
        raise _refusal(courier, order_id)
    delivery_id, dest_lat, dest_lng, shop_status = accepted
    db.session.execute(insert(TrackPoint.__table__).values(
        delivery_id=delivery_id, recorded_at=now, late=False, **fix))
    position = {"order_id": order_id, "lat": fix["lat"], "lng": fix["lng"],
                "accuracy": fix["accuracy"], "at": _iso(now), "late": False,
                "eta": _estimate(dest_lat, dest_lng, delivery_id, fix["lat"], fix["lng"], now)}
    if position["eta"] is not None and position["eta"]["arriving"]:
        notices.arriving(order_id)  # once per order
    emit_after_commit(db.session, "delivery:position", position, *map_rooms(
        order_id, shop_open=shop_status == ShopStatus.ACTIVE, courier_id=courier.id))
    db.session.commit()
    return position


def _of_order(order_id: int, column: str):
    """`column` of order `order_id`, for an UPDATE's RETURNING: SQLite returns only the updated
    table's columns, and renders them unqualified, so no join and no correlation."""
    orders = Order.__table__.c
    return select(orders[column]).where(orders.id == order_id).scalar_subquery()


def _shop_status(order_id: int):
    """The status of order `order_id`'s shop, for the same RETURNING: its positions reach the
    shop only while it is open."""
    orders, shops = Order.__table__.c, Shop.__table__.c
    return select(shops.status).where(shops.id == select(orders.shop_id).where(
        orders.id == order_id).scalar_subquery()).scalar_subquery()


def _refusal(courier: User, order_id: int) -> PositionRefused:
    """Why a position was not taken, checked in the order the phone is told: not the courier's
    delivery, tracking off, or sooner than the minimum interval."""
    status = db.session.scalar(
        select(Order.status).join(Delivery, Delivery.order_id == Order.id)
        .where(Delivery.order_id == order_id, Delivery.courier_id == courier.id))
    if status is None:
        return PositionRefused("forbidden", "not your delivery")
    if status not in TRACKING:
        return PositionRefused("not_tracking", f"tracking is off for an order that is {status}")
    return PositionRefused("too_fast", "at most one position per second")


def _late_fixes(data: dict, now: datetime) -> list[tuple[datetime, dict]]:
    """Read a batch of queued fixes with the time each was taken; one malformed fix refuses all."""
    raw = data.get("fixes")
    if not isinstance(raw, list) or not raw:
        raise PositionRefused("bad_request", "fixes must be a non-empty list")
    if len(raw) > MAX_LATE_BATCH:
        raise PositionRefused("bad_request", f"at most {MAX_LATE_BATCH} fixes per batch")
    fixes = []
    for item in raw:
        fix = _fix(item)
        age = _number(item.get("age"), 0, MAX_LATE_AGE)
        fixes.append((now - timedelta(seconds=age), fix))
    return fixes


def _worth_keeping(fixes: list[tuple[datetime, dict]],
                   delivery: Delivery) -> list[tuple[datetime, dict]]:
    """Keep the fixes taken after the pickup and after the last batch, oldest first.

    Like live positions, kept fixes are at least the minimum interval apart.
    """
    interval = timedelta(seconds=current_app.config["POSITION_MIN_INTERVAL"])
    # Nothing from before the pickup (tracks are kept from pickup on) or already sent.
    floor = max((t for t in (delivery.started_at, delivery.late_until) if t is not None),
                default=None)
    kept: list[tuple[datetime, dict]] = []
    for at, fix in sorted(fixes, key=lambda pair: pair[0]):
        if (floor is not None and at <= floor) or (kept and at < kept[-1][0] + interval):
            continue
        kept.append((at, fix))
    return kept


def record_late(courier: User, data: dict) -> dict:
    """Store the fixes the phone took while offline, as late trail points (never current).

    `fixes` carry an `age` in seconds (how long before sending each was taken), so the phone's
    clock does not matter. Fixes from before the pickup, out of order, or closer together than
    the live minimum interval are skipped; one malformed fix refuses the whole batch. A batch
    must start after the previous one ended (one conditional UPDATE), so however many batches
    arrive, late points never outnumber the seconds that passed.
    """
    order_id = _order_id(data)
    fixes = _late_fixes(data, utcnow())
    delivery = _own_delivery(courier, order_id)
    kept = _worth_keeping(fixes, delivery)
    if not kept:
        if db.session.scalar(_tracking(order_id)) is None:
            raise _not_tracking(order_id)
        return {"ok": True, "stored": 0, "skipped": len(fixes)}
    first, newest = kept[0][0], kept[-1][0]
    claimed = update_where(Delivery, Delivery.id == delivery.id,
                           Delivery.order_id.in_(_tracking(order_id)),
                           or_(Delivery.late_until.is_(None), Delivery.late_until < first),
                           late_until=newest)
    if claimed != 1:
        db.session.rollback()
        if db.session.scalar(_tracking(order_id)) is None:
            raise _not_tracking(order_id)
        return {"ok": True, "stored": 0, "skipped": len(fixes)}  # an overlapping batch won
    db.session.add_all(TrackPoint(delivery_id=delivery.id, recorded_at=at, late=True, **fix)
                       for at, fix in kept)
    points = [{"lat": fix["lat"], "lng": fix["lng"], "accuracy": fix["accuracy"],
               "at": _iso(at)} for at, fix in kept]
    shop_open = db.session.scalar(select(_shop_status(order_id))) == ShopStatus.ACTIVE
    emit_after_commit(db.session, "delivery:late", {"order_id": order_id, "points": points},
                      *map_rooms(order_id, shop_open=shop_open, courier_id=courier.id))
    db.session.commit()
    return {"ok": True, "stored": len(kept), "skipped": len(fixes) - len(kept)}


def _recent_fixes(delivery_id: int, now: datetime) -> list[Fix]:
    """The live fixes of the last ETA_SPEED_WINDOW seconds, oldest first, in seconds to `now`."""
    # The table's columns, not the entity's: the same SQL without the ORM's per-row work
    # (about a third of this query's time, and it runs for every position).
    points = TrackPoint.__table__.c
    rows = db.session.execute(
        select(points.lat, points.lng, points.recorded_at)
        .where(points.delivery_id == delivery_id, points.late.is_(False),
               points.recorded_at >= _speed_since(now), points.recorded_at <= now)
        .order_by(points.recorded_at)).all()
    return [(r.lat, r.lng, (r.recorded_at - now).total_seconds()) for r in rows]


def _speed_since(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["ETA_SPEED_WINDOW"])


def eta_settings() -> EtaSettings:
    config = current_app.config
    return EtaSettings(route_factor=config["ETA_ROUTE_FACTOR"],
                       default_speed=config["ETA_DEFAULT_SPEED"],
                       min_speed=config["ETA_MIN_SPEED"], moved_m=config["ETA_MOVED_METERS"],
                       smoothing_s=config["ETA_SMOOTHING_SECONDS"],
                       max_change=config["ETA_MAX_CHANGE"])


def eta(order: Order, delivery_id: int, lat: float, lng: float,
        now: datetime | None = None) -> dict | None:
    """Distance to the address pin and the time left at the recent speed; None without a pin."""
    return _estimate(order.dest_lat, order.dest_lng, delivery_id, lat, lng, now or utcnow())


def _estimate(dest_lat: float | None, dest_lng: float | None, delivery_id: int, lat: float,
              lng: float, now: datetime, fixes: list[Fix] | None = None) -> dict | None:
    """`fixes`: the recent live fixes when the caller has them already (else they are read)."""
    if dest_lat is None or dest_lng is None:
        return None
    distance = distance_m(lat, lng, dest_lat, dest_lng)
    fixes = _recent_fixes(delivery_id, now) if fixes is None else fixes
    if not fixes or fixes[-1][:2] != (lat, lng):
        fixes.append((lat, lng, 0.0))
    seconds = seconds_left(fixes, (dest_lat, dest_lng), eta_settings())
    arriving = distance <= current_app.config["ARRIVING_METERS"]
    # Numbers only: the page words them in its reader's language (track-map.js, the one place).
    return {"distance_m": round(distance), "seconds": round(seconds), "arriving": arriving}


def freshness(at: datetime | None, now: datetime | None = None) -> dict:
    """How old a position is by the server's clock (a phone's may be off), and whether the
    buyer's map shows it stale: older than POSITION_STALE_SECONDS. track-map.js counts on from
    age_s with the same threshold, which the page passes it."""
    age = max(0, int(((now or utcnow()) - at).total_seconds())) if at is not None else 0
    return {"age_s": age, "stale": age > current_app.config["POSITION_STALE_SECONDS"]}


def snapshot(order: Order, light: bool = False) -> dict:
    """What a page needs to catch up after (re)connecting: status, last position, trail, ETA.

    Positions only while the order is under way, and only to its parties (callers load the
    order through the actor). `light` leaves out the trail and the ETA (no statement beyond
    the order and its delivery): for a page that has been hearing the order all along on the
    same connection, which keeps what it has.
    """
    delivery = order.delivery
    position, trail, estimate = None, [], None
    if order.status in TRACKING and delivery is not None:
        if delivery.last_lat is not None:
            position = {"lat": delivery.last_lat, "lng": delivery.last_lng,
                        "accuracy": delivery.last_accuracy, "at": _iso(delivery.last_at),
                        **freshness(delivery.last_at)}
        if not light:
            trail, estimate = _trail_and_eta(order, delivery)
    destination = ({"lat": order.dest_lat, "lng": order.dest_lng}
                   if order.dest_lat is not None and order.dest_lng is not None else None)
    state = {"ok": True, "id": order.id, "status": str(order.status),
             "label": LABELS[order.status], "payment": str(order.payment_status),
             "tracking": order.status in TRACKING,
             "position": position, "eta": estimate, "trail": trail, "destination": destination}
    if light:
        del state["eta"], state["trail"]
    return state


def _trail_and_eta(order: Order, delivery: Delivery) -> tuple[list[dict], dict | None]:
    """The newest TRAIL_POINTS points, oldest first, and the ETA from the last position; the
    ETA's recent speed comes from the trail when it reaches back far enough (one statement)."""
    rows = db.session.execute(
        select(TrackPoint.lat, TrackPoint.lng, TrackPoint.late, TrackPoint.recorded_at)
        .where(TrackPoint.delivery_id == delivery.id)
        .order_by(TrackPoint.recorded_at.desc(), TrackPoint.id.desc())
        .limit(TRAIL_POINTS)).all()
    trail = [{"lat": r.lat, "lng": r.lng, "late": r.late, "at": _iso(r.recorded_at)}
             for r in reversed(rows)]
    if delivery.last_lat is None:
        return trail, None
    now = utcnow()
    since, fixes = _speed_since(now), None
    if len(rows) < TRAIL_POINTS or rows[-1].recorded_at < since:
        fixes = [(r.lat, r.lng, (r.recorded_at - now).total_seconds()) for r in reversed(rows)
                 if not r.late and since <= r.recorded_at <= now]
    return trail, _estimate(order.dest_lat, order.dest_lng, delivery.id, delivery.last_lat,
                            delivery.last_lng, now, fixes)
