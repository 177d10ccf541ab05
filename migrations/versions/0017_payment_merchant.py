"""payment.merchant_id: the shop's account each payment was made for

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:00:00

Reviewed, hand-written. One new column with a default of '' (every existing row gets it): a
payment made before it is checked against the shop's approved account, as before. From now on
a notification is checked against the account the payment was started for, so a shop changing
its account (back under review) does not make payments already under way look misdirected.
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merchant_id', sa.String(32), nullable=False,
                                      server_default=''))


def downgrade():
    op.drop_column('payment', 'merchant_id')
