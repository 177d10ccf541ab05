"""user.session_generation: logout and a new password end every session of the account

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00

Reviewed, hand-written. Sessions and remember cookies carry "<user id>:<generation>" from here
on; one that carries the old plain user id is treated as logged out (webapp/auth/sessions.py).
Existing accounts start at generation 0.
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade():
    # Not a batch copy: on SQLite it would drop and re-create "user", which every shop, order and
    # address points at. SQLite 3.35+ (which the app requires) drops a column in place.
    op.drop_column('user', 'session_generation')
