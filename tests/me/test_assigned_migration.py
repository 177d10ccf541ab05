"""Migration 0033 on SQLite and PostgreSQL: an assignment event gets its courier's id where the
order's shop has exactly one courier of the name it records; an ambiguous or unknown name is left
as it was; every event is kept; a downgrade takes the id out again."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support.migrations import insert, migrated_app, run_migrations
from webapp.extensions import db

# (event id, order id, the name it records) -> the id 0033 finds.
EVENTS = [(1, 1, "王五", 11), (2, 2, "李四", None), (3, 2, "走了的人", None), (4, 3, "王五", 21)]


def params_by_event(app) -> dict[int, dict]:
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT id, params FROM order_event ORDER BY id")).all()
        db.session.remove()
    return {row.id: json.loads(row.params) if isinstance(row.params, str) else row.params
            for row in rows}


def assignments_through_0033(app) -> None:
    run_migrations(app, lambda: upgrade(revision="0032"))
    with app.app_context(), db.engine.begin() as c:
        for user_id, role, shop, name in [(1, "merchant", None, "店主"), (2, "merchant", None, "店主二"),
                                          (11, "courier", 1, "王五"), (12, "courier", 1, "李四"),
                                          (13, "courier", 1, "李四"), (21, "courier", 2, "王五")]:
            insert(c, "user", id=user_id, email=f"u{user_id}@example.com", role=role,
                   display_name=name)
        for shop_id in (1, 2):
            insert(c, "shop", id=shop_id, owner_id=shop_id, handle=f"s{shop_id}",
                   district_code="110105")
        c.execute(sa.text('UPDATE "user" SET shop_id = :shop WHERE id = :id'),
                  [{"shop": 1, "id": 11}, {"shop": 1, "id": 12}, {"shop": 1, "id": 13},
                   {"shop": 2, "id": 21}])
        for order_id, shop_id in [(1, 1), (2, 1), (3, 2)]:
            insert(c, "order", id=order_id, buyer_id=1, shop_id=shop_id, status="dispatched",
                   total_fen=100, idempotency_key=f"k{order_id}", payment_method="cod",
                   quote_id=None)
        for event_id, order_id, name, _ in EVENTS:
            insert(c, "order_event", id=event_id, order_id=order_id, actor_id=1, kind="assigned",
                   params=json.dumps({"courier": name}, ensure_ascii=False),
                   from_status="accepted", to_status="dispatched")
    run_migrations(app, lambda: upgrade(revision="0033"))
    assert params_by_event(app) == {
        event_id: {"courier": name, **({"courier_id": found} if found else {})}
        for event_id, _, name, found in EVENTS}
    run_migrations(app, lambda: downgrade(revision="0032"))
    assert params_by_event(app) == {event_id: {"courier": name} for event_id, _, name, _ in EVENTS}
    with app.app_context():
        db.engine.dispose()


def test_0033_finds_the_couriers_on_sqlite(tmp_path):
    assignments_through_0033(migrated_app(f"sqlite:///{tmp_path / 'assigned.db'}"))


@pytest.mark.postgres
def test_0033_finds_the_couriers_on_postgres(fresh_postgres):
    assignments_through_0033(migrated_app(fresh_postgres))
