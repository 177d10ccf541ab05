"""Migration 0009 gives every existing account session generation 0 and keeps its data; a
downgrade takes the column away again."""
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support.migrations import assert_schema_matches_models, migrated_app, run_migrations
from webapp.extensions import db


def through_0009(app) -> None:
    run_migrations(app, lambda: upgrade(revision="0008"))
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO \"user\" (id, email, password_hash, role, display_name, active, "
            "created_at) VALUES (7, 'old@example.com', 'h', 'buyer', '老用户', true, "
            "'2026-01-02 03:04:05')"))
    run_migrations(app, lambda: upgrade(revision="0009"))
    with app.app_context():
        row = db.session.execute(sa.text(
            "SELECT email, display_name, session_generation FROM \"user\"")).one()
        assert tuple(row) == ("old@example.com", "老用户", 0)
        db.session.remove()
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    run_migrations(app, lambda: downgrade(revision="0008"))
    with app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
        assert "session_generation" not in columns
        assert db.session.execute(sa.text('SELECT email FROM "user"')).scalar() == "old@example.com"
        db.session.remove()
        db.engine.dispose()


def test_0009_on_sqlite(tmp_path):
    through_0009(migrated_app(f"sqlite:///{tmp_path / 'users.db'}"))


@pytest.mark.postgres
def test_0009_on_postgres(fresh_postgres):
    through_0009(migrated_app(fresh_postgres))
