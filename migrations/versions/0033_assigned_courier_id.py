"""the courier's id in assignment events

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 16:00:00

Reviewed, hand-written; data only, no schema change. An order's ASSIGNED event names its courier
(params.courier, their name as it was); from now on it records their id too (params.courier_id),
so deleting the courier's account finds the event on an order given to another courier since
(webapp/me/deletion.py). Existing events get the id where the order's shop has exactly one
courier of that name; any other event is left as it is (an account deletion still finds it
through the order's delivery and the name). Downgrade removes the key again.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None

EVENTS = ('SELECT e.id, e.params, o.shop_id FROM order_event e JOIN "order" o ON o.id = e.order_id '
          "WHERE e.kind = 'assigned'")


def _params(value) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _write(bind, event_id: int, params: dict) -> None:
    bind.execute(sa.text('UPDATE order_event SET params = :params WHERE id = :id'),
                 {"params": json.dumps(params, ensure_ascii=False), "id": event_id})


def upgrade():
    bind = op.get_bind()
    couriers: dict[tuple[int, str], list[int]] = {}
    for row in bind.execute(sa.text(
            "SELECT id, shop_id, display_name FROM \"user\" WHERE role = 'courier' "
            "AND shop_id IS NOT NULL")).all():
        couriers.setdefault((row.shop_id, row.display_name), []).append(row.id)
    for row in bind.execute(sa.text(EVENTS)).all():
        params = _params(row.params)
        found = couriers.get((row.shop_id, params.get("courier")), [])
        if "courier_id" not in params and len(found) == 1:
            _write(bind, row.id, {**params, "courier_id": found[0]})


def downgrade():
    bind = op.get_bind()
    for row in bind.execute(sa.text(EVENTS)).all():
        params = _params(row.params)
        if "courier_id" in params:
            del params["courier_id"]
            _write(bind, row.id, params)
