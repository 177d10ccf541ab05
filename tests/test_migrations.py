"""The reviewed migrations build the whole schema on an empty SQLite and PostgreSQL database,
and leave nothing for autogenerate to add (models and migrations agree)."""
from __future__ import annotations

import warnings

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.search.services import include_name, is_index_object


def migrated_app(url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def assert_schema_matches_models(app) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    # The search index (FTS5 and its shadow tables, pg_trgm indexes) has no model; migrations
    # and env.py leave it out of the comparison, as here.
    with app.app_context():
        tables = {name for name in inspect(db.engine).get_table_names()
                  if not is_index_object(name, "table")}
        assert set(db.metadata.tables) | {"alembic_version"} == tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": include_name})
            assert compare_metadata(context, db.metadata) == []


def run_migrations(app, direction) -> None:
    # Alembic's env.py configures logging from alembic.ini; that is its business, not a warning.
    with app.app_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        direction()


def test_upgrade_builds_everything_on_empty_sqlite(tmp_path):
    app = migrated_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        mode = db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
        # NORMAL (1): synced at checkpoints, safe from corruption with WAL.
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 1
    run_migrations(app, lambda: downgrade(revision="base"))
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


@pytest.mark.postgres
def test_upgrade_builds_everything_on_empty_postgres(fresh_postgres):
    app = migrated_app(fresh_postgres)
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    run_migrations(app, lambda: downgrade(revision="base"))
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    with app.app_context():
        db.engine.dispose()


def upgrade_with_data(app) -> None:
    """Upgrade to 0001, add a real-name application as 0001 stored it, then upgrade to head."""
    run_migrations(app, lambda: upgrade(revision="0001"))
    with app.app_context():
        with db.engine.begin() as c:
            c.execute(sa.text(
                "INSERT INTO \"user\" (id, email, password_hash, role, display_name, active, "
                "created_at) VALUES (1, 'm@example.com', 'x', 'merchant', 'm', true, "
                "'2026-01-02 03:04:05')"))
            c.execute(sa.text(
                "INSERT INTO merchant_application (id, user_id, version, legal_name, "
                "id_number_encrypted, id_number_masked, uscc, mobile, shop_name, shop_address, "
                "status, review_notes, review_comment, submitted_at) VALUES (1, 1, 1, '王', :b, "
                "'1101**********002X', '91110000600037341L', '13900001111', '店', '北京', "
                "'submitted', '{}', '', '2026-01-02 03:04:05')"), {"b": b"token"})
    run_migrations(app, upgrade)
    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT created_at, updated_at, handle_wish, street FROM merchant_application")).one()
        assert str(row.created_at).startswith("2026-01-02 03:04:05")
        assert str(row.updated_at).startswith("2026-01-02 03:04:05")
        assert (row.handle_wish, row.street) == ("", "")
        db.session.remove()
    assert_schema_matches_models(app)


def test_upgrade_keeps_existing_applications_on_sqlite(tmp_path):
    upgrade_with_data(migrated_app(f"sqlite:///{tmp_path / 'old.db'}"))


@pytest.mark.postgres
def test_upgrade_keeps_existing_applications_on_postgres(fresh_postgres):
    app = migrated_app(fresh_postgres)
    upgrade_with_data(app)
    with app.app_context():
        db.engine.dispose()


def test_an_sqlite_without_returning_is_refused_at_start(monkeypatch):
    """A courier's position is one UPDATE ... RETURNING, which SQLite has from 3.35 on: an older
    one is refused at start with a clear message, not on every position."""
    import sqlite3

    from webapp import config

    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.34.1")
    with pytest.raises(RuntimeError, match=r"SQLite 3\.35 or newer is needed; this Python has 3\.34\.1"):
        config.check({"SECRET_KEY": "x", "KYC_ENCRYPTION_KEY": config.TestConfig.KYC_ENCRYPTION_KEY,
                      "SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"})
    config.check({"SECRET_KEY": "x", "KYC_ENCRYPTION_KEY": config.TestConfig.KYC_ENCRYPTION_KEY,
                   "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db"})  # unaffected
