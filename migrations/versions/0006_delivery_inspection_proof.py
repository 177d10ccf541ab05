"""live delivery and the signed proof: late track points, line photos, failure photos, amount
collected, and the proof's accuracy, rejected lines, refund and digest scheme

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 12:00:00

Reviewed, hand-written. Every column is added with plain ADD COLUMN (nullable, or NOT NULL with
a server default so existing rows stay valid). Proofs signed before this revision get
scheme 1: their digest covers the facts they had, so they still verify; new proofs are scheme 2
(the model's default).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('track_point', sa.Column('late', sa.Boolean(), nullable=False,
                                           server_default=sa.false()))
    op.add_column('delivery', sa.Column('late_until', sa.DateTime(), nullable=True))
    op.add_column('order', sa.Column('paid_fen', sa.Integer(), nullable=True))
    op.add_column('order_line', sa.Column('reject_photo', sa.String(length=120), nullable=True))
    op.add_column('order_event', sa.Column('photo', sa.String(length=120), nullable=True))
    op.add_column('proof_of_delivery', sa.Column('accuracy', sa.Double(), nullable=True))
    op.add_column('proof_of_delivery', sa.Column('position_at', sa.DateTime(), nullable=True))
    op.add_column('proof_of_delivery', sa.Column('rejected_lines', sa.JSON(), nullable=False,
                                                 server_default=sa.text("'[]'")))
    op.add_column('proof_of_delivery', sa.Column('refund_fen', sa.Integer(), nullable=False,
                                                 server_default='0'))
    op.add_column('proof_of_delivery', sa.Column('scheme', sa.Integer(), nullable=False,
                                                 server_default='1'))


def downgrade():
    # None of these tables has triggers, so batch mode may rebuild them on SQLite.
    with op.batch_alter_table('proof_of_delivery', schema=None) as batch_op:
        for column in ('scheme', 'refund_fen', 'rejected_lines', 'position_at', 'accuracy'):
            batch_op.drop_column(column)
    for table, column in (('order_event', 'photo'), ('order_line', 'reject_photo'),
                          ('order', 'paid_fen'), ('delivery', 'late_until'),
                          ('track_point', 'late')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
