"""Migration 0031 on SQLite and PostgreSQL: the shops' free-text opening hours become structured
hours where they read as hours (left unset, always open, where they do not), every row is kept,
existing orders are delivery-window orders; a downgrade writes the hours back as text."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support.migrations import assert_schema_matches_models, insert, migrated_app, run_migrations
from webapp.extensions import db

SHOPS = [(1, "周一至周六 8:00–20:00", "|".join(["08:00-20:00"] * 6 + [""])),
         (2, "看心情", ""),
         (3, "", "")]


def hours_through_0031(app) -> None:
    run_migrations(app, lambda: upgrade(revision="0030"))
    with app.app_context(), db.engine.begin() as c:
        for shop_id, text, _ in SHOPS:
            insert(c, "user", id=shop_id, email=f"m{shop_id}@example.com", role="merchant")
            insert(c, "shop", id=shop_id, owner_id=shop_id, handle=f"s{shop_id}",
                   district_code="110105", opening_hours=text)
        insert(c, "order", id=1, buyer_id=3, shop_id=1, status="completed", total_fen=100,
               idempotency_key="k", payment_method="cod", quote_id=None)
    run_migrations(app, lambda: upgrade(revision="0031"))
    with app.app_context():
        rows = db.session.execute(sa.text(
            "SELECT id, weekly_hours, closed_days, prep_minutes, busy, auto_accept FROM shop "
            "ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [
            (shop_id, weekly, "", 15, False, False) for shop_id, _, weekly in SHOPS]
        assert db.session.execute(sa.text('SELECT fulfilment FROM "order"')).scalar() == "window"
        db.session.remove()
    run_migrations(app, upgrade)
    assert_schema_matches_models(app)
    run_migrations(app, lambda: downgrade(revision="0030"))
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT id, opening_hours FROM shop ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [
            (1, "周一至周六 08:00-20:00; 周日 休息"), (2, ""), (3, "")]
        assert db.session.execute(sa.text('SELECT count(*) FROM "order"')).scalar() == 1
        db.session.remove()
        db.engine.dispose()


def test_0031_reads_the_hours_on_sqlite(tmp_path):
    hours_through_0031(migrated_app(f"sqlite:///{tmp_path / 'hours.db'}"))


@pytest.mark.postgres
def test_0031_reads_the_hours_on_postgres(fresh_postgres):
    hours_through_0031(migrated_app(fresh_postgres))
