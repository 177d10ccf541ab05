"""One app and one world per module: a shop selling fresh food (48 hours, refund only) and
household goods (7 days, any reason), its courier, buyers, an admin; the after-sales clock."""
from __future__ import annotations

import pytest

from tests.support.aftersales import Clock
from tests.support.database import app_with_tables
from tests.support.factories import build_world
from webapp.extensions import db


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _cache():
    return {}


@pytest.fixture
def world(_cache, app, make_user, make_shop, make_product, make_courier):
    if "world" not in _cache:
        w = build_world(make_user, make_shop, make_product, make_courier, stock=10_000)
        w.fresh = make_product(w.shop, title="草莓", category="produce", price_fen=800,
                               stock=10_000)
        w.goods = make_product(w.shop, title="保温杯", category="household", price_fen=5000,
                               stock=10_000)
        _cache["world"] = w
    yield _cache["world"]
    db.session.rollback()


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)
