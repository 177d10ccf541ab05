"""The declarative base with a constraint naming convention (Alembic batch mode needs names),
and Flask-SQLAlchemy's `db` built on it. Outside webapp.models, and importing nothing from the
app, so extensions.py can hand out `db` without loading every model."""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
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


# The SQLite database holds every account, address and order: only its owner reads it, and so
# its journal files, which SQLite creates with the database file's own mode.
JOURNALS = ("", "-wal", "-shm")


def _tighten(path: str | Path, private: int) -> None:
    """Take away what others may do with our `path` (a mode beyond `private`), if it exists."""
    try:
        status = os.stat(path)
        if status.st_uid == os.getuid() and status.st_mode & 0o777 & ~private:
            os.chmod(path, private)
    except OSError:  # gone meanwhile, or not ours to change: SQLite reports what matters
        pass


def private_dir(path: Path) -> None:
    """Make the directory `path` (the instance folder, the uploads) for its owner only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_sqlite(uri: str) -> None:
    """Create the file of a sqlite:///path database for its owner only before SQLite would make
    it with the umask's mode (a reader that opened it then would keep reading it)."""
    url = make_url(uri)
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:  # it exists (tightened on connect), or SQLite will say why it cannot
        pass


def keep_sqlite_private(connection) -> None:
    """On each new SQLite connection: the database file and its -wal and -shm, made by an older
    version or by another tool, readable by their owner only."""
    for _, schema, name in connection.execute("PRAGMA database_list").fetchall():
        if schema == "main" and name:
            for suffix in JOURNALS:
                _tighten(f"{name}{suffix}", 0o600)
