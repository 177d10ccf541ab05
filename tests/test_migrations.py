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


def migrated_app(url: str):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Config)


def assert_schema_matches_models(app) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) | {"alembic_version"} == tables
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
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
