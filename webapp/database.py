"""The declarative base with a constraint naming convention (Alembic batch mode needs names),
and Flask-SQLAlchemy's `db` built on it. Outside webapp.models, and importing nothing from the
app, so extensions.py can hand out `db` without loading every model."""
from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Now in UTC, naive, as every timestamp column stores it (SQLite keeps no zone)."""
    return datetime.now(UTC).replace(tzinfo=None)
