"""The SQLite database and its WAL and shared-memory files, the instance directory and the uploads
are readable by their owner only, whatever the umask: made so by `flask db upgrade` (make run's
first step) and by the app when it opens a database, also one made before with looser modes."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support import live
from tests.support.images import jpeg_bytes
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.uploads import clean_image, store

pytestmark = pytest.mark.sqlite_only("the files of a SQLite database")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def database_files(path: Path) -> dict[str, int]:
    return {suffix or "db": mode(Path(f"{path}{suffix}")) for suffix in ("", "-wal", "-shm")}


@pytest.fixture
def loose_umask():
    """The usual umask (files 0644, directories 0755), whatever the test runner has."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _write_and_look(app, path: Path) -> dict[str, int]:
    """Write a row through the app and return the modes while its connection is open (the WAL
    and shared-memory files exist only then)."""
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS note (body TEXT)"))
            connection.execute(text("INSERT INTO note VALUES ('秘密')"))
            connection.commit()
            modes = database_files(path)
        db.engine.dispose()
    return modes


@pytest.mark.parametrize("before", [None, 0o644, 0o666], ids=["new", "0644", "0666"])
def test_the_app_keeps_its_database_files_to_their_owner(tmp_path, loose_umask, before):
    path = tmp_path / "data" / "app.db"
    path.parent.mkdir()
    if before is not None:  # a database made before, with its journal files
        import sqlite3

        connection = sqlite3.connect(path)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE early (x)")
        connection.commit()
        for suffix in ("", "-wal", "-shm"):
            os.chmod(f"{path}{suffix}", before)
        app = create_app(type("FileConfig", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
        modes = _write_and_look(app, path)
        connection.close()
    else:
        app = create_app(type("FileConfig", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}))
        modes = _write_and_look(app, path)
    assert modes == {"db": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_the_first_db_upgrade_makes_private_files(tmp_path, loose_umask):
    path = tmp_path / "marketplace.db"
    env = live.base_env(f"sqlite:///{path}")
    live.flask(env, "db", "upgrade")
    assert mode(path) == 0o600
    for suffix in ("-wal", "-shm"):  # gone after a clean close, or left with the file's mode
        if Path(f"{path}{suffix}").exists():
            assert mode(Path(f"{path}{suffix}")) == 0o600


def test_the_instance_directory_is_its_owners(tmp_path, loose_umask):
    app = create_app(type("FileConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.db'}"}))
    assert mode(Path(app.instance_path)) == 0o700


def test_uploads_are_their_owners_from_the_top_folder_down(tmp_path, loose_umask):
    root = tmp_path / "fresh" / "uploads"
    app = create_app(TestConfig)
    app.config["UPLOAD_DIR"] = str(root)
    with app.app_context():
        name = store(clean_image(jpeg_bytes()), "demands")
    assert (mode(root), mode(root / "demands"), mode(root / name)) == (0o700, 0o700, 0o600)
