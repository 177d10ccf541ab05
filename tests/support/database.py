"""The app fixtures' database: in-memory SQLite, or with TEST_SUITE_DATABASE=postgresql one fresh
PostgreSQL database per session beside TEST_DATABASE_URL's, emptied before each app."""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import g
from sqlalchemy import event

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db, limiter

SUITE_DATABASE = os.environ.get("TEST_SUITE_DATABASE", "sqlite").strip().lower() or "sqlite"

ON_POSTGRES = SUITE_DATABASE in {"postgresql", "postgres"}


class Suite:
    """The session's PostgreSQL database (PostgreSQL mode only)."""
    url: str | None = None
    schema_ready = False
    depth = 0  # app_with_tables nested in another (both then share the database)


def create_database(base: str) -> str:
    """A new, empty database on TEST_DATABASE_URL's server; its URL."""
    name = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            # A throwaway database need not wait for the disk at each commit (what a commit
            # sees, locks and returns is the same): the PostgreSQL pass spends less time idle.
            connection.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    finally:
        admin.dispose()
    return sa.make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(base: str, url: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(
                f'DROP DATABASE IF EXISTS "{sa.make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def empty_tables() -> None:
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
        assert Suite.url, "the session's database is made by the suite_database fixture"
        config = type(config.__name__, (config,), {"SQLALCHEMY_DATABASE_URI": Suite.url})
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
        elif not Suite.schema_ready:
            db.create_all()
            Suite.schema_ready = True
        elif Suite.depth == 0:
            empty_tables()
        Suite.depth += on_suite_postgres
        try:
            yield app
        finally:
            Suite.depth -= on_suite_postgres
            db.session.remove()
            # The in-memory database goes with its only connection; PostgreSQL's are closed.
            db.engine.dispose()


def app_with_limits(upload_dir=None, **limits):
    """app_with_tables with the rate limits on, these limit settings (e.g. UPLOAD_LIMIT="2 per
    minute"), and the limiter's counts forgotten after the test."""
    config = type("Limited", (TestConfig,), {"RATELIMIT_ENABLED": True, **limits})
    yield from app_with_tables(config, upload_dir=upload_dir)
    limiter.reset()


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block, whitespace collapsed."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
