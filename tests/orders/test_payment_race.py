"""Two settlements of one payment at the same moment (the gateway's notification and a query,
or two deliveries of the notification on two processes), on a database shared by threads as
processes would share it: the payment is paid once, the order placed once, nothing owed back."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.support.factories import window_value
from tests.support.payments import WECHAT_SHOP, Gateways, approve_account, block_outside_connections
from tests.support.races import at_once
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import EventKind, Order, OrderEvent, Product, Purpose, Refund, Role, Shop, User
from webapp.orders import checkout as order_checkout
from webapp.payments import records
from webapp.payments.channels import PaymentKind

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

RACERS = 4


def race(url: str, gateways: Gateways) -> tuple[list[str], dict]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": RACERS + 2}

    app = create_app(Config)
    app.extensions["payment_channels"] = gateways.channels()
    with app.test_request_context():
        db.create_all()
        owner = User(role=Role.MERCHANT, email="o@example.com", display_name="o", password_hash="x")
        buyer = User(role=Role.BUYER, email="b@example.com", display_name="b", password_hash="x")
        db.session.add_all([owner, buyer])
        db.session.flush()
        shop = Shop(owner_id=owner.id, handle="race", name="race")
        db.session.add(shop)
        db.session.flush()
        product = Product(shop_id=shop.id, title="x", price_fen=1250, stock=5, published=True)
        db.session.add(product)
        db.session.commit()
        approve_account(shop, "wechat", WECHAT_SHOP)
        order = order_checkout.place_order(
            buyer, shop.id, {product.id: 1}, destination=order_checkout.Destination(
                "x", "13900000000", "x"), window=window_value(app, shop),
            payment_method="wechat_online", idempotency_key=secrets.token_hex(16))
        payment = records.start(order, "wechat", Purpose.PREPAY, PaymentKind.QR)
        gateways.wechat.mark_paid(payment.out_trade_no)
        client, account = records.client_and_account(shop.id, "wechat")
        result = client.query_payment(account, payment.out_trade_no)
        order_id = order.id
        db.session.remove()

    def settle() -> str:
        records.settle(result)
        return "settled"

    outcomes = at_once(app, [lambda: settle] * RACERS, request_context=True)
    with app.app_context():
        facts = {
            "status": db.session.scalar(sa.select(Order.status).where(Order.id == order_id)),
            "paid events": db.session.scalar(sa.select(sa.func.count()).select_from(OrderEvent)
                                             .where(OrderEvent.order_id == order_id,
                                                    OrderEvent.kind == EventKind.PAID_ONLINE)),
            "refunds": db.session.scalar(sa.select(sa.func.count(Refund.id))),
        }
        db.session.remove()
        db.engine.dispose()
    return outcomes, facts


@pytest.fixture(scope="module")
def gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


EXPECTED = {"status": "placed", "paid events": 1, "refunds": 0}


def test_sqlite_file_settles_a_payment_once(tmp_path, gateways, monkeypatch):
    block_outside_connections(monkeypatch)
    outcomes, facts = race(f"sqlite:///{tmp_path / 'race.db'}", gateways)
    assert outcomes == ["settled"] * RACERS
    assert facts == EXPECTED


@pytest.mark.postgres
def test_postgres_settles_a_payment_once(fresh_postgres, gateways, monkeypatch):
    block_outside_connections(monkeypatch)
    outcomes, facts = race(fresh_postgres, gateways)
    assert outcomes == ["settled"] * RACERS
    assert facts == EXPECTED
