"""shop public phone

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 12:50:00

Reviewed, hand-written. Issue 20's remaining part: a shop's public phone number, shown only
with its owner's agreement (webapp/merchants/phone.py). shop.public_phone holds the number in
E.164 ('' for none: every existing shop) and shop.phone_shown the owner's tick (false for every
existing shop, so nothing is shown until an owner agrees). The change of an account's mobile or
email and the wording of deleted users' names need no schema change (an SMS code's purpose is a
VARCHAR(10) without a CHECK: 'mobile' is a new value of it). Old SMS codes are purged by each new
code (webapp/auth/codes.py) along a new index on sms_code.expires_at. The columns are added and
dropped in place, not in batch mode: SQLite adds a column with a constant default and (3.35+)
drops one without copying the table, and a batch copy of shop, which user, product and order
reference, fails their foreign keys on a database with data. Downgrade drops the index and both
columns.
"""
import sqlalchemy as sa
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('shop', sa.Column('public_phone', sa.String(length=20), server_default='',
                                    nullable=False))
    op.add_column('shop', sa.Column('phone_shown', sa.Boolean(), server_default=sa.false(),
                                    nullable=False))
    op.create_index('ix_sms_code_expires_at', 'sms_code', ['expires_at'], unique=False)


def downgrade():
    op.drop_index('ix_sms_code_expires_at', table_name='sms_code')
    op.drop_column('shop', 'phone_shown')
    op.drop_column('shop', 'public_phone')
