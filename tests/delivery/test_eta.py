"""The ETA's numbers along whole journeys (issue 15): the default speed until the courier has
really left, a smoothed speed after that, and no leaps from one position to the next."""
from datetime import timedelta

import pytest

from webapp.delivery.geo import distance_m
from webapp.delivery.services import eta
from webapp.extensions import db
from webapp.models import Status, TrackPoint, utcnow

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

DEST = (39.9087, 116.4605)
EAST_M = 1 / 85_300  # degrees of longitude per metre at this latitude (about)


def at_shop(seconds: int, every: int = 5) -> list[tuple[float, float, float, float | None]]:
    """A phone waiting at the shop 2.8 km west of the pin: GPS noise of a few metres, and the
    phone's own speed says 0."""
    wobble = [(0, 0), (6, -4), (-5, 7), (8, 3), (-7, -6), (3, 9)]
    return [(DEST[0] + wobble[i % 6][0] / 111_000, DEST[1] - 2800 * EAST_M + wobble[i % 6][1] * EAST_M,
             float(t), 0.0) for i, t in enumerate(range(0, seconds + 1, every))]


def riding(start_s: float, seconds: int, speed: float, every: int = 2, from_m: float = 2800,
           glitch_at: int | None = None) -> list[tuple[float, float, float, float | None]]:
    """Riding east towards the pin at `speed` m/s, a fix every `every` s; one fix at
    `glitch_at` s lands 250 m off the road (a GPS reflection), as phones do in a city."""
    fixes = []
    for t in range(every, seconds + 1, every):
        left = from_m - speed * t
        north = 250 / 111_000 if t == glitch_at else 0
        fixes.append((DEST[0] + north, DEST[1] - left * EAST_M, start_s + t, None))
    return fixes


def etas(order, journey) -> list[tuple[float, dict]]:
    """The ETA the buyer is told after each fix, as the server works it out live."""
    base = utcnow() - timedelta(hours=1)
    told = []
    for lat, lng, t, speed in journey:
        now = base + timedelta(seconds=t)
        db.session.add(TrackPoint(delivery_id=order.delivery.id, lat=lat, lng=lng, speed=speed,
                                  recorded_at=now, late=False))
        db.session.commit()
        told.append((t, eta(order, order.delivery.id, lat, lng, now)))
    return told


@pytest.fixture
def order(advance):
    order = advance(Status.DELIVERING)
    order.dest_lat, order.dest_lng = DEST
    db.session.commit()
    return order


def default_minutes(distance: float) -> float:
    return distance * 1.3 / 4.2 / 60


@pytest.mark.parametrize(("name", "journey"), [
    # Picked up, still packing the bike: 2.8 km at the default 4.2 m/s is some 14 minutes,
    # not 41 (the phone's speed 0 and the noise are not how fast the courier will ride).
    ("waiting at the shop", at_shop(90)),
    ("the first fix after pickup", at_shop(0)),
    ("a few steps out of the door", at_shop(60) + riding(60, 6, 4.0)),
])
def test_until_the_courier_has_moved_the_eta_uses_the_default_speed(order, name, journey):
    t, last = etas(order, journey)[-1]
    assert last["seconds"] / 60 == pytest.approx(default_minutes(last["distance_m"]), rel=0.05), name


@pytest.mark.parametrize(("name", "journey", "speed"), [
    ("riding steadily at 6 m/s", at_shop(30) + riding(30, 240, 6.0), 6.0),
    ("riding steadily at 3 m/s", at_shop(30) + riding(30, 240, 3.0), 3.0),
])
def test_once_under_way_the_eta_follows_the_speed_ridden(order, name, journey, speed):
    t, last = etas(order, journey)[-1]
    assert last["seconds"] == pytest.approx(last["distance_m"] * 1.3 / speed, rel=0.12), name


@pytest.mark.parametrize(("name", "journey"), [
    ("leaving the shop", at_shop(60) + riding(60, 120, 5.0)),
    ("a GPS reflection on the way", at_shop(10) + riding(10, 200, 5.0, glitch_at=100)),
    ("a fast start", at_shop(10) + riding(10, 60, 9.0, every=1)),
])
def test_the_eta_never_leaps_from_one_position_to_the_next(order, name, journey):
    told = etas(order, journey)
    for (t0, before), (t1, after) in zip(told, told[1:]):
        expected = before["seconds"] - (t1 - t0)
        # At most a fifth (and the time that passed) from one position to the next.
        assert abs(after["seconds"] - expected) <= 0.2 * expected + 2, (name, t1, before, after)
    assert distance_m(*journey[-1][:2], *DEST) == pytest.approx(told[-1][1]["distance_m"], abs=1)
