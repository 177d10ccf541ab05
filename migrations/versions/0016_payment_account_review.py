"""Shop payment accounts under review: when and how many times the merchant entered the data

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-10 10:00:00

Reviewed, hand-written. Two columns and an index on shop_payment_account: submitted_at (filled
with created_at for the rows there are) orders the admin's queue, revision (1 for the rows there
are) lets a decision name the data it was shown. Downgrade drops them, keeping every row.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_payment_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False,
                                      server_default='1'))
    op.execute('UPDATE shop_payment_account SET submitted_at = created_at')
    with op.batch_alter_table('shop_payment_account', schema=None) as batch_op:
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('revision', existing_type=sa.Integer(), server_default=None)
    op.create_index('ix_payment_account_queue', 'shop_payment_account',
                    ['status', 'submitted_at', 'id'])


def downgrade():
    op.drop_index('ix_payment_account_queue', table_name='shop_payment_account')
    with op.batch_alter_table('shop_payment_account', schema=None) as batch_op:
        batch_op.drop_column('revision')
        batch_op.drop_column('submitted_at')
