"""reviews

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:15:00

Reviewed, hand-written. Two new tables (issue 19): review, one per signed order (order_id
unique), with its scores, text, photos, the buyer's one follow-up, the shop's one reply and its
visibility (shown or folded, never deleted); review_report, one per person per review. No
existing row changes. Downgrade drops both tables.
"""
import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'review',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('order.id'), nullable=False,
                  unique=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shop.id'), nullable=False),
        sa.Column('buyer_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=False),
        sa.Column('goods_score', sa.SmallInteger(), nullable=False),
        sa.Column('delivery_score', sa.SmallInteger(), nullable=False),
        sa.Column('service_score', sa.SmallInteger(), nullable=False),
        sa.Column('text', sa.String(500), nullable=False),
        sa.Column('photos', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('followup_text', sa.String(500), nullable=True),
        sa.Column('followup_at', sa.DateTime(), nullable=True),
        sa.Column('reply_text', sa.String(500), nullable=True),
        sa.Column('reply_at', sa.DateTime(), nullable=True),
        sa.Column('visibility', sa.String(20), nullable=False),
        sa.Column('fold_reason', sa.String(40), nullable=False),
        sa.Column('folded_at', sa.DateTime(), nullable=True),
        sa.Column('open_reports', sa.Integer(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_review_buyer_id', 'review', ['buyer_id'])
    op.create_index('ix_review_shop_page', 'review', ['shop_id', 'id'])
    op.create_index('ix_review_reported_page', 'review', ['reported_at', 'id'])
    op.create_index('ix_review_folded_page', 'review', ['folded_at', 'id'])
    op.create_table(
        'review_report',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('review_id', sa.Integer(), sa.ForeignKey('review.id'), nullable=False),
        sa.Column('reporter_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=False),
        sa.Column('reason', sa.String(40), nullable=False),
        sa.Column('note', sa.String(200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(20), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('review_id', 'reporter_id'),
    )
    op.create_index('ix_review_report_review_id', 'review_report', ['review_id'])


def downgrade():
    op.drop_index('ix_review_report_review_id', table_name='review_report')
    op.drop_table('review_report')
    op.drop_index('ix_review_folded_page', table_name='review')
    op.drop_index('ix_review_reported_page', table_name='review')
    op.drop_index('ix_review_shop_page', table_name='review')
    op.drop_index('ix_review_buyer_id', table_name='review')
    op.drop_table('review')
