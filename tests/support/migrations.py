"""An app on a database built by the migrations, and the check that models and migrations agree."""
from __future__ import annotations

import warnings

import sqlalchemy as sa
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


FILLERS = {sa.Integer: 1, sa.String: "x", sa.Text: "x", sa.DateTime: "2026-01-02 03:04:05",
           sa.Boolean: True, sa.Float: 0.0, sa.JSON: "{}", sa.LargeBinary: b"x"}


def insert(connection, table: str, **values) -> None:
    """A row of `table` as the database's schema stands: every required column filled."""
    for column in inspect(connection).get_columns(table):
        if column["name"] in values or column["nullable"] or column.get("default") is not None:
            continue
        values[column["name"]] = next(value for kind, value in FILLERS.items()
                                      if isinstance(column["type"], kind))
    names = ", ".join(f'"{name}"' for name in values)
    connection.execute(sa.text(f'INSERT INTO "{table}" ({names}) VALUES '
                               f'({", ".join(":" + name for name in values)})'), values)
