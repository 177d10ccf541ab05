"""track points indexed by delivery and time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:45:00

Reviewed, hand-written. Each courier position reads its delivery's points of the last two
minutes (the ETA's speed), and the map reads the trail in time order; with only the delivery id
indexed both read every point of the delivery. The new index leads with delivery_id, so it also
serves everything the old one did (the foreign key's lookups), which is dropped. On PostgreSQL
both are done CONCURRENTLY (outside the migration's transaction), so couriers' positions keep
being written into a large table while the index builds.
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _replace_index(new: str, columns: list[str], old: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index(new, 'track_point', columns, unique=False,
                            postgresql_concurrently=True, if_not_exists=True)
            op.drop_index(old, table_name='track_point', postgresql_concurrently=True,
                          if_exists=True)
    else:
        op.create_index(new, 'track_point', columns, unique=False)
        op.drop_index(old, table_name='track_point')


def upgrade():
    _replace_index('ix_track_point_delivery_id_recorded_at', ['delivery_id', 'recorded_at'],
                   'ix_track_point_delivery_id')


def downgrade():
    _replace_index('ix_track_point_delivery_id', ['delivery_id'],
                   'ix_track_point_delivery_id_recorded_at')
