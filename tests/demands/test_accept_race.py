"""Accepts at the same moment: exactly one quote is accepted and exactly one order results, on a
SQLite file (as production runs by default) and on PostgreSQL."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support.demands import HERE, checkout_window
from tests.support.races import at_once
from webapp import create_app
from webapp.config import TestConfig
from webapp.demands import decisions
from webapp.extensions import db
from webapp.models import (
    Demand,
    DemandStatus,
    Order,
    Product,
    Quote,
    QuoteStatus,
    Role,
    Shop,
    User,
    utcnow,
)
from webapp.orders.terms import Destination
from webapp.web import Conflict

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def race(url: str, shops: int, same_quote: bool = False) -> tuple[list[str], dict]:
    """`shops` shops quote on one demand; the buyer's `shops` tabs each accept one (or all the
    same one) at the same instant."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": shops + 2}

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        buyer = User(role=Role.BUYER, email="b@example.com", display_name="b", password_hash="x")
        owners = [User(role=Role.MERCHANT, email=f"m{i}@example.com", display_name=f"m{i}",
                       password_hash="x") for i in range(shops)]
        db.session.add_all([buyer, *owners])
        db.session.flush()
        stores = [Shop(owner_id=o.id, handle=f"race-{i}", name=f"店 {i}", district_code=HERE)
                  for i, o in enumerate(owners)]
        db.session.add_all(stores)
        db.session.flush()
        products = [Product(shop_id=s.id, title="荔枝", price_fen=100, stock=1, category="produce")
                    for s in stores]
        demand = Demand(buyer_id=buyer.id, title="荔枝", category="produce", quantity=1,
                        district_code=HERE, needed_by=utcnow() + timedelta(days=1),
                        idempotency_key="k" * 32)
        db.session.add_all([*products, demand])
        db.session.flush()
        quotes = [Quote(demand_id=demand.id, shop_id=s.id, product_id=p.id, title="荔枝",
                        unit_price_fen=100 + i, quantity=1, delivery_fee_fen=0,
                        earliest_delivery=utcnow(), valid_until=utcnow() + timedelta(hours=20))
                  for i, (s, p) in enumerate(zip(stores, products))]
        db.session.add_all(quotes)
        db.session.commit()
        buyer_id, demand_id = buyer.id, demand.id
        quote_ids = [q.id for q in quotes]
        with app.test_request_context():
            windows = {q.id: checkout_window(app, q) for q in quotes}

    targets = [quote_ids[0]] * shops if same_quote else quote_ids
    def accept(quote_id: int):
        def racer():
            buyer = db.session.get(User, buyer_id)

            def action() -> str:
                decisions.accept_quote(
                    buyer, quote_id, destination=Destination("x", "13900000000", "x", HERE),
                    window=windows[quote_id], payment_method="cod",
                    idempotency_key=secrets.token_hex(16))
                return "accepted"
            return action
        return racer

    outcomes = at_once(app, [accept(q) for q in targets], {Conflict: "conflict"})
    with app.app_context():
        state = {
            "demand": db.session.scalar(sa.select(Demand.status).where(Demand.id == demand_id)),
            "quotes": sorted(db.session.scalars(sa.select(Quote.status))),
            "orders": db.session.scalar(sa.select(sa.func.count(Order.id))),
            "stock_left": db.session.scalar(sa.select(sa.func.sum(Product.stock))),
        }
        db.session.remove()
        db.engine.dispose()
    return outcomes, state


def check(outcomes, state, shops: int, same_quote: bool = False) -> None:
    assert sorted(outcomes) == ["accepted"] + ["conflict"] * (shops - 1), outcomes
    assert state["demand"] is DemandStatus.ACCEPTED
    assert state["orders"] == 1
    assert state["stock_left"] == shops - 1  # only the winner's product was taken
    assert state["quotes"] == sorted([QuoteStatus.ACCEPTED] + [QuoteStatus.NOT_CHOSEN] * (
        shops - 1))


def test_two_accepts_at_once_make_one_order_on_sqlite(tmp_path):
    outcomes, state = race(f"sqlite:///{tmp_path / 'two.db'}", shops=2)
    check(outcomes, state, 2)


def test_many_accepts_at_once_make_one_order_on_sqlite(tmp_path):
    outcomes, state = race(f"sqlite:///{tmp_path / 'many.db'}", shops=8)
    check(outcomes, state, 8)


def test_the_same_quote_from_two_tabs_makes_one_order_on_sqlite(tmp_path):
    outcomes, state = race(f"sqlite:///{tmp_path / 'same.db'}", shops=2, same_quote=True)
    assert sorted(outcomes) == ["accepted", "conflict"], outcomes
    assert state["orders"] == 1 and state["demand"] is DemandStatus.ACCEPTED
    assert state["quotes"] == sorted([QuoteStatus.ACCEPTED, QuoteStatus.NOT_CHOSEN])


@pytest.mark.postgres
def test_two_accepts_at_once_make_one_order_on_postgres(fresh_postgres):
    outcomes, state = race(fresh_postgres, shops=2)
    check(outcomes, state, 2)


@pytest.mark.postgres
def test_many_accepts_at_once_make_one_order_on_postgres(fresh_postgres):
    outcomes, state = race(fresh_postgres, shops=8)
    check(outcomes, state, 8)
