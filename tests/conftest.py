"""Shared fixtures: an app on in-memory SQLite (or PostgreSQL, see below), logins, factories and a
Socket.IO test client.

TEST_SUITE_DATABASE=postgresql runs every app fixture on PostgreSQL instead: one fresh database
per pytest session, made next to TEST_DATABASE_URL's (never that one) and dropped at the end; the
schema is created once, and each app starts from empty tables with their ids back at 1. Tests
marked `sqlite_only` (with the reason) are skipped in that mode; tests that choose their own
database (a SQLite file, `fresh_postgres`, a live server) run as they are."""
from __future__ import annotations

import os
import secrets

import pytest
from hypothesis import HealthCheck, settings

from tests.support.database import (
    ON_POSTGRES,
    SUITE_DATABASE,
    Suite,
    app_with_tables,
    create_database,
    drop_database,
    postgres_sample,
    recorded_statements,
    share_compiled_statements,
    share_compiled_templates,
    share_url_builders,
)
from tests.support.factories import build_world, copied_world, new_product, new_shop, new_user, window_value
from tests.support.orders import STEPS, take_steps
from webapp.extensions import db, socketio
from webapp.models import Address, Product, Role, Shop, Status, User
from webapp.orders import checkout as order_checkout

# Hypothesis, for every fuzzer (tests marked `fuzz`); no module sets its own settings.
# "ci", the default (make test, .ci/run): few examples per test, derandomized so every run tries
#   the same cases (a failure is reproducible, CI stable), no example database in the checkout.
# "long" (make fuzz, or --hypothesis-profile=long): many more, new ones each run; failures are
#   kept in .hypothesis/ and tried first next time, and printed with a blob to @reproduce_failure.
_FUZZING = {"deadline": None, "suppress_health_check": [
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=10, derandomize=True, database=None, **_FUZZING)
settings.register_profile("long", max_examples=1000, print_blob=True, **_FUZZING)
settings.load_profile("ci")
share_url_builders()
share_compiled_templates()
share_compiled_statements()


def pytest_configure(config):
    if SUITE_DATABASE not in {"sqlite", "postgresql", "postgres"}:
        raise pytest.UsageError(f"TEST_SUITE_DATABASE={SUITE_DATABASE!r}: use sqlite or postgresql")
    if ON_POSTGRES and not os.environ.get("TEST_DATABASE_URL"):
        raise pytest.UsageError("TEST_SUITE_DATABASE=postgresql needs TEST_DATABASE_URL "
                                "(.ci/run sets it)")


def pytest_collection_modifyitems(config, items):
    if not ON_POSTGRES:
        return
    kept, dropped = postgres_sample(items)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
            assert reason, f"{item.nodeid}: @pytest.mark.sqlite_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def suite_database():
    """PostgreSQL mode: the session's database, dropped when the session ends."""
    if not ON_POSTGRES:
        yield None
        return
    base = os.environ["TEST_DATABASE_URL"]
    Suite.url = create_database(base)
    try:
        yield Suite.url
    finally:
        drop_database(base, Suite.url)
        Suite.url, Suite.schema_ready = None, False


@pytest.fixture
def app(tmp_path):
    yield from app_with_tables(upload_dir=tmp_path / "uploads")


@pytest.fixture
def fresh_postgres():
    """The URL of a new, empty PostgreSQL database, dropped afterwards (never `test` itself)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    url = create_database(base)
    try:
        yield url
    finally:
        drop_database(base, url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def statements(app):
    """The SQL statements issued while the test runs, whitespace collapsed (a page served from
    memory runs none; each socket event runs on a fresh session, as in a server)."""
    with recorded_statements() as seen:
        yield seen


@pytest.fixture
def login_as(client):
    """Log the test client in as `user` (the real login form has its own tests)."""

    def login(user: User, target=None):
        target = target or client
        with target.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def as_party(app, login_as):
    """A fresh test client logged in as `user`, one per party of a test."""

    def client_for(user: User):
        client = app.test_client()
        login_as(user, client)
        return client

    return client_for


@pytest.fixture
def make_user(app):
    return new_user


@pytest.fixture
def make_shop(make_user):
    return new_shop


@pytest.fixture
def make_product():
    return new_product


@pytest.fixture
def world(app, make_user, make_shop, make_product, make_courier):
    """A shop with owner, courier and product, a buyer, and a second of each to trespass with."""
    return copied_world(lambda: build_world(make_user, make_shop, make_product, make_courier))


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


@pytest.fixture
def advance(world, place):
    """Take a fresh order of `world` to `status` through the real services."""

    def to(status: Status):
        order = place(world.buyer, world.product)
        take_steps(order.id, world, STEPS[status])
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


@pytest.fixture
def connect(app, login_as, socket_client):
    """A Socket.IO connection logged in as `user`, with the Flask test client it shares."""

    def connect_as(user):
        client = app.test_client()
        login_as(user, client)
        socket = socket_client(client)
        assert socket.is_connected()
        socket.http = client
        return socket

    return connect_as
