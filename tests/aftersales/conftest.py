"""One app and one world per module: a shop selling fresh food (48 hours, refund only) and
household goods (7 days, any reason), its courier, buyers, an admin; the after-sales clock."""
from __future__ import annotations

import pytest

from tests.support.aftersales import Clock
from tests.support.factories import one_world_per_module


def fresh_food_and_goods(world, make_product):
    world.fresh = make_product(world.shop, title="草莓", category="produce", price_fen=800,
                               stock=10_000)
    world.goods = make_product(world.shop, title="保温杯", category="household", price_fen=5000,
                               stock=10_000)


app, world = one_world_per_module(extra=fresh_food_and_goods)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture(scope="module")
def _cache():
    """What a module keeps between its cases in the module's world (an order signed once)."""
    return {}
