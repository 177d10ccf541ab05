"""Two confirmations of one return at the same moment (two tabs, the board and the order page),
on a database shared by threads as processes would share it: the goods are restocked once, one
confirmation wins and the other is told it is done."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.support.factories import window_value
from tests.support.races import at_once
from webapp import create_app
from webapp.config import TestConfig
from webapp.delivery import actions as courier_actions
from webapp.extensions import db
from webapp.models import EventKind, OrderEvent, OrderReturn, Product, Role, Shop, User
from webapp.orders import actions as order_actions
from webapp.orders import checkout as order_checkout
from webapp.orders import failures
from webapp.orders.return_state import ReturnAction
from webapp.web import Conflict

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

RACERS = 4


def race(url: str, actions: list[ReturnAction]) -> tuple[list[str], dict]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": RACERS + 2}

    app = create_app(Config)
    with app.test_request_context():
        db.create_all()
        owner = User(role=Role.MERCHANT, email="o@example.com", display_name="o", password_hash="x")
        buyer = User(role=Role.BUYER, email="b@example.com", display_name="b", password_hash="x")
        db.session.add_all([owner, buyer])
        db.session.flush()
        shop = Shop(owner_id=owner.id, handle="race", name="race")
        db.session.add(shop)
        db.session.flush()
        courier = User(role=Role.COURIER, email="c@example.com", display_name="c",
                       password_hash="x", shop_id=shop.id)
        product = Product(shop_id=shop.id, title="x", price_fen=1250, stock=5, published=True)
        db.session.add_all([courier, product])
        db.session.commit()
        order = order_checkout.place_order(
            buyer, shop.id, {product.id: 3}, destination=order_checkout.Destination(
                "x", "13900000000", "x"), window=window_value(app, shop),
            payment_method="cod", idempotency_key=secrets.token_hex(16))
        order_actions.accept(order.id, owner)
        order_actions.assign(order.id, owner, courier.id)
        courier_actions.start(order.id, courier)
        courier_actions.fail(order.id, courier, "absent")
        failures.take_back(order.id, owner)
        ids = order.id, owner.id, product.id
        db.session.remove()

    order_id, owner_id, product_id = ids
    def confirm(action: ReturnAction):
        def racer():
            merchant = db.session.get(User, owner_id)

            def receive() -> str:
                failures.receive_return(order_id, merchant, action)
                return f"done: {action}"
            return receive
        return racer

    outcomes = at_once(app, [confirm(a) for a in actions], {Conflict: "conflict"},
                       request_context=True)
    with app.app_context():
        facts = {
            "stock": db.session.scalar(sa.select(Product.stock).where(Product.id == product_id)),
            "return": db.session.scalar(sa.select(OrderReturn.status)
                                        .where(OrderReturn.order_id == order_id)),
            "events": db.session.scalar(
                sa.select(sa.func.count()).select_from(OrderEvent).where(
                    OrderEvent.order_id == order_id,
                    OrderEvent.kind.in_((EventKind.RETURN_RESTOCKED,
                                         EventKind.RETURN_WRITTEN_OFF)))),
        }
        db.session.remove()
        db.engine.dispose()
    return sorted(outcomes), facts


SAME = [ReturnAction.RESTOCK] * RACERS
EXPECTED = (["conflict"] * (RACERS - 1) + ["done: restock"],
            {"stock": 5, "return": "restocked", "events": 1})


def test_sqlite_file_restocks_once(tmp_path):
    assert race(f"sqlite:///{tmp_path / 'race.db'}", SAME) == EXPECTED


@pytest.mark.postgres
def test_postgres_restocks_once(fresh_postgres):
    assert race(fresh_postgres, SAME) == EXPECTED


def test_restock_and_write_off_at_once_decide_once(tmp_path):
    """The board's restock and the page's write-off at the same moment: one of them, wholly."""
    outcomes, facts = race(f"sqlite:///{tmp_path / 'mixed.db'}",
                           [ReturnAction.RESTOCK, ReturnAction.WRITE_OFF] * (RACERS // 2))
    assert outcomes.count("conflict") == RACERS - 1 and facts["events"] == 1
    assert facts["stock"] == (5 if facts["return"] == "restocked" else 2)
