"""Rows made through the models and services: a world to act in, a complete KYC application."""
from __future__ import annotations

import itertools
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy import text as sa_text
from sqlalchemy.pool import StaticPool

from tests.support.database import Suite
from tests.support.images import jpeg_bytes
from tests.support.licences import grant_all, licensed_for
from webapp.extensions import db
from webapp.models import Product, Role, Shop, User

_counter = itertools.count(1)


def new_user(role: Role = Role.BUYER, **fields) -> User:
    """A user of `role`, committed (unique name, email or a courier's mobile)."""
    from webapp.auth.services import hash_password

    n = next(_counter)
    fields.setdefault("display_name", f"{role} {n}")
    if role is Role.COURIER:
        # Eleven digits however many users a run makes (past 10,000 "1380000{n:04d}" had 12).
        fields.setdefault("mobile", f"138{n % 10**8:08d}")
    else:
        fields.setdefault("email", f"{role}{n}@example.com")
    user = User(role=role, password_hash=hash_password(fields.pop("password", "password123")),
                **fields)
    db.session.add(user)
    db.session.commit()
    return user


def new_shop(owner: User | None = None, *, licensed: bool = True, **fields) -> Shop:
    """A shop (with a new merchant if no owner is given), committed. It holds approved food
    and drug licences (webapp/licences), so it may sell in every category, unless
    `licensed=False`."""
    owner = owner or new_user(Role.MERCHANT)
    n = next(_counter)
    shop = Shop(owner_id=owner.id, handle=fields.pop("handle", f"shop-{n}"),
                name=fields.pop("name", f"店铺 {n}"), **fields)
    db.session.add(shop)
    db.session.commit()
    if licensed:
        grant_all(shop)
    return shop


def new_product(shop: Shop, *, licensed: bool = True, **fields) -> Product:
    """A product of `shop` (price ¥12.50, stock 10 unless given), committed. In a category that
    needs a licence (webapp/licences/rules.py) the shop is granted one, unless `licensed=False`."""
    if licensed and fields.get("category"):
        licensed_for(shop, fields["category"])
    fields.setdefault("title", f"商品 {next(_counter)}")
    fields.setdefault("price_fen", 1250)
    fields.setdefault("stock", 10)
    product = Product(shop_id=shop.id, **fields)
    db.session.add(product)
    db.session.commit()
    return product


def one_variant_each() -> None:
    """Give each product inserted without the ORM (a bulk INSERT) its one, unnamed variant, as
    migration 0027 gave the products before it; the caller commits."""
    db.session.execute(sa_text(
        "INSERT INTO product_variant (product_id, shop_id, name, price_fen, stock, low_stock_at, "
        "barcode, position, retired, created_at) SELECT id, shop_id, '', price_fen, stock, "
        "low_stock_at, NULL, 0, false, created_at FROM product WHERE id NOT IN "
        "(SELECT product_id FROM product_variant)"))


def window_value(app, shop: Shop | None = None) -> str:
    """The first delivery window `shop` offers now (a shop with the default settings if None)."""
    from webapp.shops.windows import delivery_windows

    with app.test_request_context():
        return delivery_windows(shop)[0].value


class World:
    """A test's cast: users, shops, a product (attributes named by build_world)."""


def build_world(make_user, make_shop, make_product, make_courier, stock: int = 5):
    w = World()
    w.merchant = make_user(Role.MERCHANT)
    w.shop = make_shop(w.merchant)
    w.courier = make_courier(w.shop)
    w.product = make_product(w.shop, stock=stock)
    w.buyer = make_user(Role.BUYER)
    w.other_buyer = make_user(Role.BUYER)
    w.other_merchant = make_user(Role.MERCHANT)
    w.other_shop = make_shop(w.other_merchant)
    w.other_courier = make_courier(w.other_shop)
    w.admin = make_user(Role.ADMIN)
    return w


# Per kind of world ("world", "market") and database: the first one's rows, its class and its
# cast's keys.
_COPIES: dict[tuple, tuple] = {}


def copied_world(build, kind: str = "world"):
    """`build()`'s world (an object whose attributes are committed rows), built once per kind
    and database: when a test asks for it on an empty database (in-memory SQLite, or the
    PostgreSQL pass's database, emptied before each test), later worlds of that kind are a copy
    of the first one's rows, and the cast is read back by key. Building conftest's world takes
    about 30 ms on SQLite (eleven rows made and committed one by one, each shop with its
    licences); a copy well under one. Anywhere else (a database of its own, one already holding
    rows), `build()`."""
    if isinstance(db.engine.pool, StaticPool):
        copier = _SQLiteCopy
    elif Suite.url is not None and db.engine.url.render_as_string(False) == Suite.url:
        copier = _PostgresCopy
    else:
        return build()
    key = (kind, Suite.url if copier is _PostgresCopy else "memory")
    with db.engine.connect() as connection:
        if not copier.empty(connection):
            return build()
        if key not in _COPIES:
            world = build()
            cast = {name: (type(row), row.id) for name, row in vars(world).items()}
            assert all(hasattr(model, "__table__") for model, _ in cast.values()), cast
            _COPIES[key] = (copier.save(connection, kind), type(world), cast)
            return world
        saved, world_class, cast = _COPIES[key]
        copier.restore(connection, saved)
        connection.commit()
    world = world_class()
    for name, (model, row_id) in cast.items():
        setattr(world, name, db.session.get(model, row_id))
    return world


class _SQLiteCopy:
    """The in-memory database copied whole with SQLite's backup API. Its one connection has
    changed no row (SQLite's count) iff the database holds none of its own."""

    @staticmethod
    def empty(connection) -> bool:
        return connection.connection.driver_connection.total_changes == 0

    @staticmethod
    def save(connection, kind):
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.driver_connection.backup(copy)
        return copy

    @staticmethod
    def restore(connection, copy) -> None:
        copy.backup(connection.connection.driver_connection)
        # A copy is no write to SQLite, whose count of changed rows marks the tests' "nothing
        # changed" snapshots (tests/support/security.py): move it as building the world would.
        connection.exec_driver_sql(
            'UPDATE "user" SET id = id WHERE id = (SELECT min(id) FROM "user")')


class _PostgresCopy:
    """The rows kept in a schema of their own (copy_<kind>), put back by one statement (its
    inserts' foreign keys checked at its end, user and shop pointing at each other), and the id
    sequences set where they stood."""

    @staticmethod
    def empty(connection) -> bool:
        return not connection.exec_driver_sql("SELECT " + " OR ".join(
            f'EXISTS (SELECT FROM "{table.name}")' for table in db.metadata.sorted_tables)).scalar()

    @staticmethod
    def save(connection, kind):
        schema = f"copy_{kind}"
        tables = [table.name for table in db.metadata.sorted_tables]
        connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; "
                                   + "; ".join(f'CREATE TABLE {schema}."{name}" AS '
                                               f'SELECT * FROM "{name}"' for name in tables))
        filled = [name for name in tables if connection.exec_driver_sql(
            f'SELECT EXISTS (SELECT FROM {schema}."{name}")').scalar()]
        sequences = connection.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value "
            "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        ).all()
        connection.commit()
        inserts = [f'INSERT INTO "{name}" SELECT * FROM {schema}."{name}"' for name in filled]
        statement = (("WITH " + ", ".join(f'"i_{n}" AS ({sql})' for n, sql in enumerate(inserts[1:]))
                      + " ") if inserts[1:] else "") + inserts[0]
        if sequences:
            statement += "; SELECT " + ", ".join(f"setval('{name}', {value})"
                                                 for name, value in sequences)
        return statement

    @staticmethod
    def restore(connection, statement) -> None:
        connection.exec_driver_sql(statement)


def stock_of(product: Product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


COMPLETE_APPLICATION = {
    "legal_name": "王小明", "id_number": "11010519491231002X", "uscc": "91110000600037341L",
    "mobile": "13900001111", "shop_name": "Green Grocer 绿色菜铺",
    "shop_address": "北京市 朝阳区 建国路 1 号", "province_code": "11", "city_code": "1101",
    "district_code": "110105", "street": "建国路 1 号",
}


def submit_complete(merchant: User, **fields):
    """Submit a complete application (with three document photos) through the service."""
    from webapp.merchants.services import submit_application
    from webapp.uploads import clean_image

    documents = {kind: clean_image(jpeg_bytes()) for kind in ("id_front", "id_back",
                                                              "licence_photo")}
    return submit_application(merchant, **{**COMPLETE_APPLICATION, **fields},
                              documents=documents)


def one_world_per_module(stock: int = 10_000, extra=None):
    """`app` and `world` fixtures for a module whose cases each take their own order in one
    shared world: one app and database for the module, conftest's world built in it once (with
    `stock` for every case's orders, and `extra(world, make_product)` adding what the module
    needs besides), and what a request's teardown would do after each case (nothing uncommitted
    outlives it). In the module: `app, world = one_world_per_module()`."""
    from tests.support.database import app_with_tables

    @pytest.fixture(scope="module")
    def app(tmp_path_factory):
        yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))

    @pytest.fixture
    def world(app, make_user, make_shop, make_product, make_courier):
        if "module_world" not in app.extensions:
            built = build_world(make_user, make_shop, make_product, make_courier, stock=stock)
            if extra is not None:
                extra(built, make_product)
            app.extensions["module_world"] = built
        yield app.extensions["module_world"]
        db.session.rollback()

    return app, world
