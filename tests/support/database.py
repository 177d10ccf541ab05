"""The app fixtures' database: in-memory SQLite, or with TEST_SUITE_DATABASE=postgresql one fresh
PostgreSQL database per session beside TEST_DATABASE_URL's, emptied before each app."""
from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, g
from flask_sqlalchemy import SQLAlchemy
from jinja2 import BytecodeCache
from sqlalchemy import event
from sqlalchemy.util import LRUCache
from werkzeug.routing import Rule

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


class KeptLonger(TestConfig):
    """Shared pages kept a minute, not 2 s, for tests that count a second visit's statements: a
    kept page's time counts from the start of its rendering, and on CI's loaded machine the first
    rendering of a shop page once took longer than 2 s, so the page had expired at once."""
    SHARED_PAGE_SECONDS = 60


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
            create_tables()
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


_SCHEMA: dict[str, sqlite3.Connection] = {}


def create_tables() -> None:
    """db.create_all(): on in-memory SQLite, a copy of the first one made (SQLite's backup API
    copies the empty schema, triggers and search tables in well under a millisecond, where
    creating it takes 80); anywhere else, create_all itself."""
    engine = db.engine
    if engine.dialect.name != "sqlite" or engine.url.database not in (None, "", ":memory:"):
        db.create_all()
        return
    raw = engine.raw_connection()
    try:
        target = raw.driver_connection
        template = _SCHEMA.get("memory")
        if template is None:
            db.create_all()
            template = sqlite3.connect(":memory:", check_same_thread=False)
            target.backup(template)
            _SCHEMA["memory"] = template
        else:
            template.backup(target)
    finally:
        raw.close()


def share_url_builders() -> None:
    """Werkzeug compiles two URL builders per rule (with `ast` and `compile`) for every app it
    is given: nine tenths of create_app's time, about 0.1 s, and the suite makes an app for most
    of its tests. A builder is a function of the rule's parsed parts and defaults only (it reaches
    the rule's converters through its `self`), so the suite compiles each one once and every app
    shares it. The app in production is made once per process and compiles its own."""
    if getattr(Rule._compile_builder, "shared", False):
        return
    compile_builder = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def compile_once(self, append_unknown=True):
        defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    compile_once.shared = True
    Rule._compile_builder = compile_once
    _share_parsed_rules()


class SharedTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for every app the suite makes (Jinja's own bytecode cache,
    holding the code objects rather than marshalling them): each app has its own environment, so
    each test compiled every template it rendered again, a third of a page test's time. Keyed by
    the template's name and checked against its source's checksum, as Jinja does."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, object]] = {}

    def load_bytecode(self, bucket) -> None:
        kept = self.codes.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket) -> None:
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


class SharedStatements:
    """One SQLAlchemy compiled-statement cache for every engine the suite makes. An engine's own
    cache is keyed by its dialect object, and each app makes a new engine, so every test compiled
    each statement it ran again (the ORM's selects, inserts and updates: a fifth of a test's time).
    Here the dialect in the key is replaced by what makes dialects of one kind compile alike (read
    once the engine has connected): the same SQL for the same database and driver."""

    store = LRUCache(20000)

    def __init__(self, dialect) -> None:
        self.dialect, self.token = dialect, None

    def _key(self, key: tuple) -> tuple:
        if self.token is None:
            d = self.dialect
            self.token = (type(d), d.paramstyle, d.positional, d.server_version_info, d.label_length,
                          d.max_identifier_length, d.use_insertmanyvalues,
                          d.insertmanyvalues_page_size, d.supports_multivalues_insert)
        return (self.token, *key[1:])

    def get(self, key, default=None):
        return self.store.get(self._key(key), default)

    def __setitem__(self, key, value) -> None:
        self.store[self._key(key)] = value

    def __len__(self) -> int:
        return len(self.store)

    def clear(self) -> None:
        pass  # the cache is the suite's, not one engine's


def share_compiled_statements() -> None:
    """Every engine the app fixtures make from now on uses SharedStatements."""
    make_engine = SQLAlchemy._make_engine
    if getattr(make_engine, "shared", False):
        return

    def make_sharing(self, bind_key, options, app):
        engine = make_engine(self, bind_key, options, app)
        if engine._compiled_cache is not None:
            engine._compiled_cache = SharedStatements(engine.dialect)
        return engine

    make_sharing.shared = True
    SQLAlchemy._make_engine = make_sharing


def share_compiled_templates() -> None:
    """Every app the suite makes from now on shares one SharedTemplates (Flask passes
    `jinja_options` to each app's environment). The app in production makes one environment per
    process and compiles each template once anyway."""
    if "bytecode_cache" not in Flask.jinja_options:
        Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplates()}


def _share_parsed_rules() -> None:
    """The same for parsing a rule into its parts (regular expressions and weights, a third of
    what is left of create_app): each rule string is parsed once per set of converters, and every
    app gets the same parts, its own converters made from the recorded names and arguments."""
    parse_rule, get_converter = Rule._parse_rule, Rule.get_converter
    parsed: dict[tuple, tuple] = {}

    def parse_once(self, rule):
        key = (rule, frozenset(self.map.converters.items()))
        if key not in parsed:
            trace_from, converters = len(self._trace), []

            def record(variable, name, args, kwargs):
                converters.append((variable, name, args, kwargs))
                return get_converter(self, variable, name, args, kwargs)

            self.get_converter = record
            try:
                parts = list(parse_rule(self, rule))
            finally:
                del self.get_converter
            parsed[key] = (parts, self._trace[trace_from:], converters)
            return parts
        parts, trace, converters = parsed[key]
        for variable, name, args, kwargs in converters:
            self._converters[variable] = self.get_converter(variable, name, args, kwargs)
            self.arguments.add(variable)
        self._trace.extend(trace)
        return parts

    Rule._parse_rule = parse_once


# The PostgreSQL pass (TEST_SUITE_DATABASE=postgresql) runs at most this many cases of a
# parametrised test, spread over its list (two: its first and its last): the cases mostly vary
# input (filters, bad cursors, tampered fields) that the SQLite pass tries in full, while
# PostgreSQL's part (the statements, types, locks and conditional updates) is the same for each.
# Every case still runs where the case is the point on PostgreSQL too: the security suite (each
# route by each role, each form fuzzed) and the tests marked `postgres_every_case` (each row of a
# transition table applied by its conditional update).
POSTGRES_CASES = 2  # the first and the last


def postgres_sample(items: list, cases: int = POSTGRES_CASES) -> tuple[list, list]:
    """Items to run and to leave out on PostgreSQL: of each parametrised function's cases, the
    first, the last and ones evenly between (`cases` in all), unless every case must run."""
    groups: dict[tuple, list[int]] = {}
    for index, item in enumerate(items):
        if getattr(item, "callspec", None) is None or _every_case(item):
            continue
        groups.setdefault((item.path, item.cls, item.originalname), []).append(index)
    dropped: set[int] = set()
    for indices in groups.values():
        if len(indices) > cases:
            chosen = {indices[round(i * (len(indices) - 1) / (cases - 1))] for i in range(cases)}
            dropped.update(set(indices) - chosen)
    return ([item for i, item in enumerate(items) if i not in dropped],
            [item for i, item in enumerate(items) if i in dropped])


def _every_case(item) -> bool:
    return (item.get_closest_marker("postgres_every_case") is not None
            or "security" in item.path.parts)


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


class SavedWorld:
    """A world built once and put back before each test that uses it: every committed row, the
    upload directory's files and the app's settings as they were when it was taken.

    Building the security suite's world (orders in every state, payments, refunds, photos) costs
    seconds; putting its rows back costs milliseconds. A test may then change anything: the next
    one starts from the world as built. Rows go back with their own ids (sequences only move on,
    so a new row never takes one), foreign keys checked at the end (SQLite: deferred) or not at
    all (PostgreSQL: replication role, as a restore tool does), kept pages forgotten."""

    def __init__(self, app) -> None:
        self.app = app
        db.session.commit()
        self.tables = db.metadata.sorted_tables
        with db.engine.connect() as connection:
            self.rows = {table: [dict(row) for row in connection.execute(sa.select(table)).mappings()]
                         for table in self.tables}
        self.config = dict(app.config)
        self.uploads = app.config.get("UPLOAD_DIR")
        self.files = _read_tree(self.uploads)

    def restore(self) -> None:
        db.session.rollback()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
            else:
                connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in reversed(self.tables):
                connection.execute(table.delete())
            for table in self.tables:
                if self.rows[table]:
                    connection.execute(table.insert(), self.rows[table])
        db.session.expire_all()
        self.app.config.clear()
        self.app.config.update(self.config)
        if _read_tree(self.uploads) != self.files:
            _write_tree(self.uploads, self.files)
        kept = self.app.extensions.get("shared_pages")
        if kept is not None:
            kept.forget()


def _read_tree(root) -> dict[str, bytes]:
    if not root or not os.path.isdir(root):
        return {}
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as file:
                found[os.path.relpath(path, root)] = file.read()
    return found


def _write_tree(root, files: dict[str, bytes]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for name, content in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(content)
