"""Shared fixtures: an app on in-memory SQLite (or PostgreSQL, see below), logins, factories and a
Socket.IO test client.

TEST_SUITE_DATABASE=postgresql runs every app fixture on PostgreSQL instead: one fresh database
per pytest session, made next to TEST_DATABASE_URL's (never that one) and dropped at the end; the
schema is created once, and each app starts from empty tables with their ids back at 1. Tests
marked `sqlite_only` (with the reason) are skipped in that mode; tests that choose their own
database (a SQLite file, `fresh_postgres`, a live server) run as they are."""
from __future__ import annotations

import itertools
import os
import secrets

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy import select

from webapp import create_app
from webapp.config import TestConfig
from webapp.delivery import actions as courier_actions
from webapp.extensions import db, socketio
from webapp.models import Address, Product, Role, Shop, Status, User
from webapp.orders import actions as order_actions
from webapp.orders import checkout as order_checkout
from webapp.orders import signing as order_signing

_counter = itertools.count(1)

SUITE_DATABASE = os.environ.get("TEST_SUITE_DATABASE", "sqlite").strip().lower() or "sqlite"
ON_POSTGRES = SUITE_DATABASE in {"postgresql", "postgres"}


class _Suite:
    """The session's PostgreSQL database (PostgreSQL mode only)."""
    url: str | None = None
    schema_ready = False
    depth = 0  # app_with_tables nested in another (both then share the database)


def pytest_configure(config):
    if SUITE_DATABASE not in {"sqlite", "postgresql", "postgres"}:
        raise pytest.UsageError(f"TEST_SUITE_DATABASE={SUITE_DATABASE!r}: use sqlite or postgresql")
    if ON_POSTGRES and not os.environ.get("TEST_DATABASE_URL"):
        raise pytest.UsageError("TEST_SUITE_DATABASE=postgresql needs TEST_DATABASE_URL "
                                "(.ci/run sets it)")


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGRES:
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
            assert reason, f"{item.nodeid}: @pytest.mark.sqlite_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


def _create_database(base: str) -> str:
    """A new, empty database on TEST_DATABASE_URL's server; its URL."""
    name = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return sa.make_url(base).set(database=name).render_as_string(hide_password=False)


def _drop_database(base: str, url: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(
                f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def suite_database():
    """PostgreSQL mode: the session's database, dropped when the session ends."""
    if not ON_POSTGRES:
        yield None
        return
    base = os.environ["TEST_DATABASE_URL"]
    _Suite.url = _create_database(base)
    try:
        yield _Suite.url
    finally:
        _drop_database(base, _Suite.url)
        _Suite.url, _Suite.schema_ready = None, False


def _empty_tables() -> None:
    """Delete every row and restart every id sequence: about 2 ms (TRUNCATE takes 30). One
    statement deletes from all tables, so the foreign keys (user.shop_id and shop.owner_id point
    at each other) are checked once, at its end. A connection an earlier test left in a
    transaction makes this fail after 10 s instead of hanging."""
    tables = [table.name for table in db.metadata.sorted_tables]
    deletes = [f'"del_{n}" AS (DELETE FROM "{name}")' for n, name in enumerate(tables[1:])]
    statements = ["SET LOCAL lock_timeout = '10s'",
                  f"WITH {', '.join(deletes)} DELETE FROM \"{tables[0]}\"" if deletes
                  else f'DELETE FROM "{tables[0]}"']
    with db.engine.begin() as connection:
        sequences = connection.exec_driver_sql(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
            "FROM pg_sequences WHERE schemaname = current_schema()").scalars().all()
        if sequences:
            statements.append("SELECT " + ", ".join(
                f"setval('{name}', 1, false)" for name in sequences))
        connection.exec_driver_sql("; ".join(statements))


def app_with_tables(config=TestConfig, upload_dir=None):
    """An app on a fresh in-memory database (empty tables of the session's PostgreSQL database
    in PostgreSQL mode), its context held open for the test."""
    on_suite_postgres = (ON_POSTGRES and config.SQLALCHEMY_DATABASE_URI
                         == TestConfig.SQLALCHEMY_DATABASE_URI)
    if on_suite_postgres:
        assert _Suite.url, "the session's database is made by the suite_database fixture"
        config = type(config.__name__, (config,), {"SQLALCHEMY_DATABASE_URI": _Suite.url})
    app = create_app(config)
    if upload_dir is not None:
        app.config["UPLOAD_DIR"] = str(upload_dir)

    # Requests reuse the app context this fixture holds open, and with it `g`, where Flask-Login
    # caches the user: forget it after every request (and socket event) so clients stay apart.
    @app.teardown_request
    def forget_user(exc):
        # The test app context outlives each request: drop what Flask-Login and Flask-WTF
        # cache on `g`, so one client's user or CSRF token never reaches the next request.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)

    with app.app_context():
        if not on_suite_postgres:
            db.create_all()
        elif not _Suite.schema_ready:
            db.create_all()
            _Suite.schema_ready = True
        elif _Suite.depth == 0:
            _empty_tables()
        _Suite.depth += on_suite_postgres
        try:
            yield app
        finally:
            _Suite.depth -= on_suite_postgres
            db.session.remove()
            # The in-memory database goes with its only connection; PostgreSQL's are closed.
            db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    yield from app_with_tables(upload_dir=tmp_path / "uploads")


@pytest.fixture
def fresh_postgres():
    """The URL of a new, empty PostgreSQL database, dropped afterwards (never `test` itself)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    url = _create_database(base)
    try:
        yield url
    finally:
        _drop_database(base, url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Log the test client in as `user` (the real login form has its own tests)."""

    def login(user: User, target=None):
        target = target or client
        with target.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def make_user(app):
    from webapp.auth.services import hash_password

    def make(role: Role = Role.BUYER, **fields) -> User:
        n = next(_counter)
        fields.setdefault("display_name", f"{role} {n}")
        if role is Role.COURIER:
            fields.setdefault("mobile", f"1380000{n:04d}")
        else:
            fields.setdefault("email", f"{role}{n}@example.com")
        user = User(role=role, password_hash=hash_password(fields.pop("password", "password123")),
                    **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_shop(make_user):
    def make(owner: User | None = None, **fields) -> Shop:
        owner = owner or make_user(Role.MERCHANT)
        n = next(_counter)
        shop = Shop(owner_id=owner.id, handle=fields.pop("handle", f"shop-{n}"),
                    name=fields.pop("name", f"店铺 {n}"), **fields)
        db.session.add(shop)
        db.session.commit()
        return shop

    return make


@pytest.fixture
def make_product():
    def make(shop: Shop, **fields) -> Product:
        fields.setdefault("title", f"商品 {next(_counter)}")
        fields.setdefault("price_fen", 1250)
        fields.setdefault("stock", 10)
        product = Product(shop_id=shop.id, **fields)
        db.session.add(product)
        db.session.commit()
        return product

    return make


def window_value(app, shop: Shop | None = None) -> str:
    """The first delivery window `shop` offers now (a shop with the default settings if None)."""
    from webapp.shops.windows import delivery_windows

    with app.test_request_context():
        return delivery_windows(shop)[0].value


@pytest.fixture
def world(app, make_user, make_shop, make_product, make_courier):
    """A shop with owner, courier and product, a buyer, and a second of each to trespass with."""
    return build_world(make_user, make_shop, make_product, make_courier)


def build_world(make_user, make_shop, make_product, make_courier, stock: int = 5):
    class World:
        pass

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


@pytest.fixture
def make_address(app):
    """Add an address to `user`'s book through the service (the form has its own tests)."""
    from webapp.addresses import services as addresses

    def make(user: User, **fields) -> Address:
        values = {"contact_name": "张三", "mobile": "13912345678", "province_code": "11",
                  "city_code": "1101", "district_code": "110105", "detail": "建国路 1 号",
                  "lat": None, "lng": None, "is_default": False, **fields}
        return addresses.save(user, None, **values)

    return make


@pytest.fixture
def add_to_cart(app):
    """Put `quantity` of `product` in `buyer`'s cart through the service."""
    from webapp.cart import services as cart

    def add(buyer: User, product: Product, quantity: int = 1):
        return cart.add(buyer, product.id, quantity)

    return add


@pytest.fixture
def make_courier(make_user):
    def make(shop: Shop) -> User:
        return make_user(Role.COURIER, shop_id=shop.id)

    return make


@pytest.fixture
def place(app):
    """Place an order through the service, as the checkout route does."""

    def place_order(buyer: User, product: Product, quantity: int = 1, key: str | None = None):
        return order_checkout.place_order(
            buyer, product.shop_id, {product.id: quantity}, destination=order_checkout.Destination(
                "张三", "13912345678", "北京市 市辖区 朝阳区 建国路 1 号", "110105"),
            window=window_value(app), payment_method="cod", note="",
            idempotency_key=key or secrets.token_hex(16))

    return place_order


def signature_data_url() -> str:
    """A real PNG with a stroke on it, as signature_pad would send."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 100), (120, 40), (260, 110)], fill=(17, 24, 39, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def advance(world, place):
    """Take a fresh order of `world` to `status` through the real services."""

    def to(status: Status):
        order = place(world.buyer, world.product)
        path = {
            Status.PLACED: [],
            Status.ACCEPTED: ["accept"],
            Status.DISPATCHED: ["accept", "assign"],
            Status.DELIVERING: ["accept", "assign", "start"],
            Status.ARRIVED: ["accept", "assign", "start", "arrive"],
            Status.COMPLETED: ["accept", "assign", "start", "arrive", "sign"],
        }[status]
        for step in path:
            if step == "accept":
                order_actions.accept(order.id, world.merchant)
            elif step == "assign":
                order_actions.assign(order.id, world.merchant, world.courier.id)
            elif step == "start":
                courier_actions.start(order.id, world.courier)
            elif step == "arrive":
                courier_actions.arrive(order.id, world.courier)
            elif step == "sign":
                order_signing.sign(order.id, world.buyer, "张三", signature_data_url())
        db.session.expire_all()
        return db.session.get(type(order), order.id)

    return to


@pytest.fixture
def socket_client(app):
    """A Socket.IO test client that shares a Flask test client's login cookie."""
    clients = []

    def connect(flask_client, **kwargs):
        sc = socketio.test_client(app, flask_test_client=flask_client, **kwargs)
        clients.append(sc)
        return sc

    yield connect
    for sc in clients:
        if sc.is_connected():
            sc.disconnect()


def stock_of(product: Product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


def jpeg_bytes(size=(320, 200), colour=(15, 118, 110)) -> bytes:
    """A real JPEG photo, as a phone would upload."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


COMPLETE_APPLICATION = {
    "legal_name": "王小明", "id_number": "11010519491231002X", "uscc": "91110000600037341L",
    "mobile": "13900001111", "shop_name": "Green Grocer 绿色菜铺",
    "shop_address": "北京市 市辖区 朝阳区 建国路 1 号", "province_code": "11", "city_code": "1101",
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
