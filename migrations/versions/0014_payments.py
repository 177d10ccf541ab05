"""Payments through the platform (issue 18): shop payment accounts, payments, refunds, and the
time an order reached the shop's board

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 12:00:00

Reviewed, hand-written. Three new tables and one new column; no existing row changes but for
order.placed_at, filled with each order's created_at (every order so far reached the board when
it was placed). Order.payment_method and order_event.kind are VARCHARs without a CHECK
constraint (native_enum=False), so the new methods and event kinds need no change to them.
Downgrade drops the new tables and the column (in place: SQLite 3.35+ drops a column without
copying "order", which lines, events and deliveries point at).
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shop_payment_account',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shop.id'), nullable=False),
        sa.Column('channel', sa.String(10), nullable=False),
        sa.Column('merchant_id', sa.String(32), nullable=False),
        sa.Column('auth_token_encrypted', sa.Text(), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('review_note', sa.String(200), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('shop_id', 'channel'),
    )
    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('order.id'), nullable=False),
        sa.Column('channel', sa.String(10), nullable=False),
        sa.Column('purpose', sa.String(10), nullable=False),
        sa.Column('kind', sa.String(12), nullable=False),
        sa.Column('out_trade_no', sa.String(32), nullable=False, unique=True),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(10), nullable=False),
        sa.Column('link', sa.Text(), nullable=False),
        sa.Column('transaction_id', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('paid_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_payment_order_id', 'payment', ['order_id'])
    op.create_index('ix_payment_status_created', 'payment', ['status', 'created_at'])
    op.create_table(
        'refund',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('order.id'), nullable=False),
        sa.Column('payment_id', sa.Integer(), sa.ForeignKey('payment.id'), nullable=False),
        sa.Column('out_refund_no', sa.String(64), nullable=False, unique=True),
        sa.Column('amount_fen', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(30), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(200), nullable=False),
        sa.Column('refund_id', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_refund_order_id', 'refund', ['order_id'])
    op.create_index('ix_refund_payment_id', 'refund', ['payment_id'])
    op.create_index('ix_refund_status_due', 'refund', ['status', 'next_attempt_at'])
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placed_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE "order" SET placed_at = created_at')


def downgrade():
    op.drop_column('order', 'placed_at')
    op.drop_index('ix_refund_status_due', table_name='refund')
    op.drop_index('ix_refund_payment_id', table_name='refund')
    op.drop_index('ix_refund_order_id', table_name='refund')
    op.drop_table('refund')
    op.drop_index('ix_payment_status_created', table_name='payment')
    op.drop_index('ix_payment_order_id', table_name='payment')
    op.drop_table('payment')
    op.drop_table('shop_payment_account')
