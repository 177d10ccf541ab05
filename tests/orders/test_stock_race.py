"""50 buyers racing for the last 5 items: the conditional UPDATE sells exactly the stock."""
from __future__ import annotations

import secrets
import threading

import pytest
import sqlalchemy as sa

from tests.support.factories import window_value
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import CartItem, Order, Product, Role, Shop, User
from webapp.orders import checkout as order_checkout

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def race(url: str, buyers: int = 50, stock: int = 5) -> tuple[int, int, list[str]]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        # Every buyer holds a connection while waiting at the starting line.
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": buyers + 2}

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        owner = User(role=Role.MERCHANT, email="o@example.com", display_name="o", password_hash="x")
        db.session.add(owner)
        db.session.flush()
        shop = Shop(owner_id=owner.id, handle="race", name="race")
        db.session.add(shop)
        db.session.flush()
        product = Product(shop_id=shop.id, title="last ones", price_fen=100, stock=stock)
        people = [User(role=Role.BUYER, email=f"b{i}@example.com", display_name=f"b{i}",
                       password_hash="x") for i in range(buyers)]
        db.session.add_all([product, *people])
        db.session.flush()
        # Each buyer has the product in the cart and checks out the cart, as the page does.
        db.session.add_all([CartItem(user_id=p.id, product_id=product.id, quantity=1)
                            for p in people])
        db.session.commit()
        ids = [p.id for p in people]
        product_id, shop_id = product.id, shop.id
        window = window_value(app)

    outcomes: list[str] = []
    gate = threading.Barrier(buyers)

    def buy(user_id: int) -> None:
        with app.app_context():
            buyer = db.session.get(User, user_id)
            gate.wait()
            try:
                order_checkout.place_order(buyer, shop_id, destination=order_checkout.Destination(
                    "x", "13900000000", "x"), window=window, payment_method="cod",
                    idempotency_key=secrets.token_hex(16))
                outcomes.append("sold")
            except order_checkout.OutOfStock:
                outcomes.append("out")
            except Exception as error:  # noqa: BLE001 - the test reports any other failure
                outcomes.append(f"error: {error!r}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        left = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
        orders = db.session.scalar(sa.select(sa.func.count(Order.id)))
        # Winners' carts were emptied with their order; losers' carts still hold the product.
        carts = db.session.scalar(sa.select(sa.func.count(CartItem.id)))
        assert carts == buyers - orders
        db.session.remove()
        db.engine.dispose()
    return left, orders, outcomes


def test_sqlite_file_sells_exactly_the_stock(tmp_path):
    left, orders, outcomes = race(f"sqlite:///{tmp_path / 'race.db'}")
    assert sorted(outcomes) == ["out"] * 45 + ["sold"] * 5
    assert (left, orders) == (0, 5)


@pytest.mark.postgres
def test_postgres_sells_exactly_the_stock(fresh_postgres):
    left, orders, outcomes = race(fresh_postgres)
    assert sorted(outcomes) == ["out"] * 45 + ["sold"] * 5
    assert (left, orders) == (0, 5)
