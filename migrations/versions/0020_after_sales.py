"""after-sales requests

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:15:00

Reviewed, hand-written. Three new tables and nothing else changed: after_sale (a buyer's request
after signing: kind, status, reason, photos, amount, the current step's deadline, what each side
said, the refund it led to), after_sale_line (the order lines and quantities it covers) and
after_sale_event (its own history). Existing data is untouched; a downgrade drops the tables
(the order events they wrote stay, worded by their kinds).
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'after_sale',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('order.id'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('buyer_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=False),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shop.id'), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('reason', sa.String(20), nullable=False),
        sa.Column('note', sa.String(500), nullable=False),
        sa.Column('photos', sa.JSON(), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('shop_note', sa.String(500), nullable=False),
        sa.Column('buyer_statement', sa.String(500), nullable=False),
        sa.Column('return_note', sa.String(200), nullable=False),
        sa.Column('ruling_note', sa.String(500), nullable=False),
        sa.Column('refund_id', sa.Integer(), sa.ForeignKey('refund.id'), nullable=True),
        sa.Column('idempotency_key', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('buyer_id', 'idempotency_key'),
        sa.UniqueConstraint('order_id', 'seq'),
    )
    op.create_index('ix_after_sale_order_id', 'after_sale', ['order_id'])
    op.create_index('ix_after_sale_buyer_id', 'after_sale', ['buyer_id'])
    op.create_index('ix_after_sale_shop_status_due', 'after_sale',
                    ['shop_id', 'status', 'due_at', 'id'])
    op.create_index('ix_after_sale_status_due', 'after_sale', ['status', 'due_at', 'id'])
    op.create_table(
        'after_sale_line',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('after_sale_id', sa.Integer(), sa.ForeignKey('after_sale.id'), nullable=False),
        sa.Column('order_line_id', sa.Integer(), sa.ForeignKey('order_line.id'), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
    )
    op.create_index('ix_after_sale_line_after_sale_id', 'after_sale_line', ['after_sale_id'])
    op.create_index('ix_after_sale_line_order_line_id', 'after_sale_line', ['order_line_id'])
    op.create_table(
        'after_sale_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('after_sale_id', sa.Integer(), sa.ForeignKey('after_sale.id'), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=True),
        sa.Column('action', sa.String(20), nullable=True),
        sa.Column('from_status', sa.String(20), nullable=True),
        sa.Column('to_status', sa.String(20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_after_sale_event_after_sale_id', 'after_sale_event', ['after_sale_id'])


def downgrade():
    op.drop_index('ix_after_sale_event_after_sale_id', table_name='after_sale_event')
    op.drop_table('after_sale_event')
    op.drop_index('ix_after_sale_line_order_line_id', table_name='after_sale_line')
    op.drop_index('ix_after_sale_line_after_sale_id', table_name='after_sale_line')
    op.drop_table('after_sale_line')
    op.drop_index('ix_after_sale_status_due', table_name='after_sale')
    op.drop_index('ix_after_sale_shop_status_due', table_name='after_sale')
    op.drop_index('ix_after_sale_buyer_id', table_name='after_sale')
    op.drop_index('ix_after_sale_order_id', table_name='after_sale')
    op.drop_table('after_sale')
