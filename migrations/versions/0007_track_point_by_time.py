"""track points indexed by delivery and time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:45:00

Reviewed, hand-written. Each courier position reads its delivery's points of the last two
minutes (the ETA's speed), and the map reads the trail in time order; with only the delivery id
indexed both read every point of the delivery. The new index leads with delivery_id, so it also
serves everything the old one did (the foreign key's lookups), which is dropped.
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_track_point_delivery_id_recorded_at', 'track_point',
                    ['delivery_id', 'recorded_at'], unique=False)
    op.drop_index('ix_track_point_delivery_id', table_name='track_point')


def downgrade():
    op.create_index('ix_track_point_delivery_id', 'track_point', ['delivery_id'], unique=False)
    op.drop_index('ix_track_point_delivery_id_recorded_at', table_name='track_point')
