"""Dates and times typed into the demand and quote forms, read in the browser's time zone (the
`tz` cookie): out-of-range years, any zone, far past or future, and local times a daylight-saving
change skips or repeats come back on the field with a message (422), never a 500, and save
nothing."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.support.database import app_with_tables
from tests.support.demands import quote_form
from tests.support.helpers import HX, url
from webapp.config import TestConfig
from webapp.demands.forms import INPUT_FORMAT
from webapp.extensions import db
from webapp.i18n import TZ_COOKIE
from webapp.models import Demand, Quote, utcnow

ZONES = [None, "Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12", "Etc/GMT-14", "No/Such_Zone"]
DST_ZONE = "America/New_York"


def _dst_edges(name: str) -> tuple[str, str]:
    """A local time the zone skips and one it repeats, within the next year."""
    zone = ZoneInfo(name)
    start = datetime.now(zone).replace(tzinfo=None, minute=30, second=0, microsecond=0)
    skipped = repeated = None
    for hour in range(24 * 366):
        moment = start + timedelta(hours=hour)
        first, second = moment.replace(tzinfo=zone), moment.replace(tzinfo=zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            continue
        exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == moment
        if exists:
            repeated = repeated or moment.strftime(INPUT_FORMAT)
        else:
            skipped = skipped or moment.strftime(INPUT_FORMAT)
    assert skipped and repeated
    return skipped, repeated


def _local(delta: timedelta, zone: str | None) -> str:
    """Now + delta as the page shows it: in the cookie's zone, or the app's for none or a bad one."""
    tz = ZoneInfo(TestConfig.TIMEZONE if zone in {None, "No/Such_Zone"} else zone)
    return (utcnow() + delta).replace(tzinfo=UTC).astimezone(tz).strftime(INPUT_FORMAT)


# value (a string, or a delta from now in the zone), the message's telling words
OUT_OF_RANGE = [
    ("0001-01-01T00:00", "太早"),
    ("0001-12-31T23:59", "太早"),
    ("9999-12-31T23:59", "太远"),
    ("9999-01-01T00:00", "太远"),
    ("1970-01-01T00:00", "太早"),
    (timedelta(days=-400), "太早"),
    (timedelta(days=400), "太远"),
]
FIELDS = [("demands.new", "needed_by"), ("demands.quote", "earliest_delivery"),
          ("demands.quote", "valid_until"), ("demands.edit_quote", "earliest_delivery"),
          ("demands.edit_quote", "valid_until")]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app and database for every case here (no case saves anything)."""
    yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _kept():
    return {}


@pytest.fixture
def scene(_kept, app, request):
    """conftest's market, a demand of its buyer and a live quote of shop A, built once."""
    if "scene" not in _kept:
        market = request.getfixturevalue("market")
        demand = request.getfixturevalue("post")(market.buyer)
        quote = request.getfixturevalue("offer")(market.merchant_a, demand)
        _kept["scene"] = (market, demand, quote)
    yield _kept["scene"]
    db.session.rollback()


def _demand_form(**changes) -> dict:
    data = {"title": "20 斤妃子笑荔枝", "category": "produce", "quantity": "2", "province": "11",
            "city": "1101", "district": "110105", "idempotency_key": "c" * 32,
            "needed_by": _local(timedelta(days=2), None)}
    return {**data, **changes}


def _send(app, client, login_as, scene, endpoint: str, field: str, value: str, zone: str | None):
    market, demand, quote = scene
    if zone is None:
        client.delete_cookie(TZ_COOKIE)
    else:
        client.set_cookie(TZ_COOKIE, zone)
    if endpoint == "demands.new":
        login_as(market.buyer)
        path, data = url(app, endpoint), _demand_form(**{field: value})
    else:  # a new quote from shop B, a change to shop A's
        quoting = endpoint == "demands.quote"
        login_as(market.merchant_b if quoting else market.merchant_a)
        ids = {"demand_id": demand.id} if quoting else {"quote_id": quote.id}
        path = url(app, endpoint, **ids)
        data = quote_form(**{"earliest_delivery": _local(timedelta(hours=3), zone),
                             "valid_until": _local(timedelta(hours=20), zone), field: value})
    return client.post(path, data=data, headers=HX)


def _counts():
    return db.session.scalar(select(func.count(Demand.id))), db.session.scalar(
        select(func.count(Quote.id)))


@pytest.mark.parametrize("zone", ZONES, ids=lambda z: str(z))
@pytest.mark.parametrize("value, words", OUT_OF_RANGE,
                         ids=[str(v) for v, _ in OUT_OF_RANGE])
@pytest.mark.parametrize("endpoint, field", FIELDS, ids=[f"{e}-{f}" for e, f in FIELDS])
def test_a_date_out_of_range_is_refused_on_its_field(app, client, login_as, scene, endpoint, field,
                                                     value, words, zone):
    if isinstance(value, timedelta):
        value = _local(value, zone)
    before = _counts()
    response = _send(app, client, login_as, scene, endpoint, field, value, zone)
    text = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, text[:300])
    assert f'id="{field}-error"' in text and words in text
    assert f'value="{value}"' in text  # what was typed stays
    assert _counts() == before


@pytest.mark.parametrize("which, words", [(0, "不存在"), (1, "出现两次")], ids=["skipped", "repeated"])
@pytest.mark.parametrize("endpoint, field", FIELDS, ids=[f"{e}-{f}" for e, f in FIELDS])
def test_a_time_a_clock_change_skips_or_repeats_is_refused(app, client, login_as, scene, endpoint,
                                                           field, which, words):
    value = _dst_edges(DST_ZONE)[which]
    before = _counts()
    response = _send(app, client, login_as, scene, endpoint, field, value, DST_ZONE)
    text = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, text[:300])
    assert f'id="{field}-error"' in text and words in text
    assert _counts() == before


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "No/Such_Zone", None],
                         ids=str)
def test_a_sound_time_in_any_zone_is_read_in_that_zone(app, client, login_as, scene, zone):
    market, _, _ = scene
    when = _local(timedelta(days=3), zone)
    response = _send(app, client, login_as, scene, "demands.new", "needed_by", when, zone)
    assert response.status_code in (204, 303), response.get_data(as_text=True)[:300]
    demand = db.session.scalars(select(Demand).order_by(Demand.id.desc())).first()
    expected = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    assert abs(demand.needed_by - expected) < timedelta(minutes=1)
    db.session.delete(demand)
    db.session.commit()
