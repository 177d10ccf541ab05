"""account deletion

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 10:05:00

Reviewed, hand-written. Issue 20's account deletion (我的 → 注销账号, webapp/me/deletion.py):
the user row stays, inactive and without its name, email, mobile or password, so that the
orders, proofs, reviews and after-sales cases it took part in remain as records without the
person's identity; user.deleted_at says when (NULL for every existing account, which keeps all
its data). A shop whose owner deleted the account is hidden with the shop status 'closed' (a
value of the VARCHAR column: nothing to migrate). Downgrade drops the column; the accounts
deleted meanwhile stay inactive and anonymised.
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade():
    # In place (SQLite 3.35+ drops a column without copying user, which most tables reference).
    op.drop_column('user', 'deleted_at')
