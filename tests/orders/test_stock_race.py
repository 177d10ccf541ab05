"""50 buyers racing for the last 5 items: the conditional UPDATE sells exactly the stock; and
per variant: buyers of two variants of one product racing at once sell exactly each variant's
stock, and the product's total follows."""
from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from tests.support.factories import window_value
from tests.support.races import at_once
from webapp import create_app
from webapp.catalog import variants as catalog_variants
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import CartItem, Order, OrderLine, Product, ProductVariant, Role, Shop, User
from webapp.orders import checkout as order_checkout

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def race_app(url: str, buyers: int):
    """An app on `url` with its tables, a connection for every buyer waiting at the starting
    line."""
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": buyers + 2}

    app = create_app(Config)
    with app.app_context():
        db.create_all()
    return app


def shop_and_buyers(buyers: int, **product) -> tuple[Shop, Product, list[User]]:
    """A shop selling one product (`product`'s fields) and `buyers` buyers, committed."""
    owner = User(role=Role.MERCHANT, email="o@example.com", display_name="o", password_hash="x")
    db.session.add(owner)
    db.session.flush()
    shop = Shop(owner_id=owner.id, handle="race", name="race")
    db.session.add(shop)
    db.session.flush()
    item = Product(shop_id=shop.id, **product)
    people = [User(role=Role.BUYER, email=f"b{i}@example.com", display_name=f"b{i}",
                   password_hash="x") for i in range(buyers)]
    db.session.add_all([item, *people])
    db.session.commit()
    return shop, item, people


def check_out_at_once(app, buyer_ids: list[int], shop_id: int, window: str) -> list[str]:
    """Every buyer checks out their cart at the same moment, as the page does: "sold" or
    "out" each."""
    def buy(user_id: int):
        def racer():
            buyer = db.session.get(User, user_id)

            def action() -> str:
                order_checkout.place_order(buyer, shop_id, destination=order_checkout.Destination(
                    "x", "13900000000", "x"), window=window, payment_method="cod",
                    idempotency_key=secrets.token_hex(16))
                return "sold"
            return action
        return racer

    return at_once(app, [buy(i) for i in buyer_ids], {order_checkout.OutOfStock: "out"})


def race(url: str, buyers: int = 50, stock: int = 5) -> tuple[int, int, list[str]]:
    app = race_app(url, buyers)
    with app.app_context():
        shop, product, people = shop_and_buyers(buyers, title="last ones", price_fen=100,
                                                stock=stock)
        # Each buyer has the product in the cart and checks out the cart, as the page does.
        db.session.add_all([CartItem(user_id=p.id, product_id=product.id, quantity=1)
                            for p in people])
        db.session.commit()
        ids, product_id, shop_id = [p.id for p in people], product.id, shop.id
        window = window_value(app)

    outcomes = check_out_at_once(app, ids, shop_id, window)
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


def variant_race(url: str, buyers: int = 40, stocks: tuple[int, int] = (3, 4)):
    """`buyers` buyers, half with 500g in the cart and half with 1kg (some with both), all
    checking out at once; (each variant's stock left, the product's total left, {variant name:
    units sold}, outcomes)."""
    app = race_app(url, buyers)
    with app.app_context():
        shop, product, people = shop_and_buyers(buyers, title="新米", price_fen=1000,
                                                stock=stocks[0])
        # The product's first variant named, and a second one: two stocks of one product.
        small = catalog_variants.only_variant(product.id)
        catalog_variants.update_variant(product, small.id, name="500g", price_fen=1000,
                                        stock=stocks[0], stock_seen=stocks[0])
        large = catalog_variants.add_variant(product, name="1kg", price_fen=1800, stock=stocks[1])
        lines = []
        for i, person in enumerate(people):
            chosen = [small] if i % 2 == 0 else [large]
            if i % 5 == 0:  # every fifth buyer wants one of each: all or nothing
                chosen = [small, large]
            lines += [CartItem(user_id=person.id, product_id=product.id, variant_id=v.id,
                               quantity=1) for v in chosen]
        db.session.add_all(lines)
        db.session.commit()
        ids, product_id, shop_id = [p.id for p in people], product.id, shop.id
        window = window_value(app)

    outcomes = check_out_at_once(app, ids, shop_id, window)
    with app.app_context():
        left = dict(db.session.execute(sa.select(ProductVariant.name, ProductVariant.stock)
                                       .where(ProductVariant.product_id == product_id)).all())
        total = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
        sold = dict(db.session.execute(
            sa.select(OrderLine.variant_name, sa.func.sum(OrderLine.quantity))
            .group_by(OrderLine.variant_name)).all())
        db.session.remove()
        db.engine.dispose()
    return left, total, sold, outcomes


def assert_each_variant_sold_exactly(url: str) -> None:
    left, total, sold, outcomes = variant_race(url)
    # Neither variant oversold, both sold out (there were buyers enough for each), the
    # product's total in step, and every order line names the variant it took.
    assert left == {"500g": 0, "1kg": 0} and total == 0
    assert sold == {"500g": 3, "1kg": 4}
    assert 4 <= outcomes.count("sold") <= 7 and set(outcomes) == {"sold", "out"}


def test_sqlite_file_sells_exactly_each_variants_stock(tmp_path):
    assert_each_variant_sold_exactly(f"sqlite:///{tmp_path / 'variants.db'}")


@pytest.mark.postgres
def test_postgres_sells_exactly_each_variants_stock(fresh_postgres):
    assert_each_variant_sold_exactly(fresh_postgres)
