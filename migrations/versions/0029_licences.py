"""licences for regulated categories

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 12:50:00

Reviewed, hand-written. A shop's licences for regulated categories (issue 21): shop_licence,
one row per licence uploaded (a renewal is another row), with its kind (food / drug), number,
last valid day and the moment it lapses (the next midnight in Beijing, in UTC), the photo's
stored name, the review (status, a reason per field, the reviewer) and the expiry notices sent.
Three indexes: what a shop may sell (shop, kind, status, expiry), the admin's queue (status,
submitted_at, id) and the next expiry (status, expiry). A new table only: existing data is
untouched (a shop already selling in a regulated category shows those products again once a
licence is approved). Downgrade drops the table.
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shop_licence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('food', 'drug', name='licencekind', native_enum=False,
                                  length=10), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('photo', sa.String(length=120), nullable=False),
        sa.Column('status', sa.Enum('submitted', 'approved', 'rejected', name='licencestatus',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('review_notes', sa.JSON(), nullable=False),
        sa.Column('review_comment', sa.Text(), nullable=False),
        sa.Column('reviewer_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('notices', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], ),
        sa.ForeignKeyConstraint(['reviewer_id'], ['user.id'], ),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('shop_licence', schema=None) as batch_op:
        batch_op.create_index('ix_licence_valid', ['shop_id', 'kind', 'status', 'expires_at'],
                              unique=False)
        batch_op.create_index('ix_licence_queue', ['status', 'submitted_at', 'id'], unique=False)
        batch_op.create_index('ix_licence_expiry', ['status', 'expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('shop_licence', schema=None) as batch_op:
        batch_op.drop_index('ix_licence_expiry')
        batch_op.drop_index('ix_licence_queue')
        batch_op.drop_index('ix_licence_valid')
    op.drop_table('shop_licence')
