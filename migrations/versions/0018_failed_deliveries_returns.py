"""failed deliveries and returns

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:15:00

Reviewed, hand-written. One new table (issue 19): order_return, the goods of a failed delivery
that was ended, or the lines refused at the door, on their way back to the shop (one per order:
order_id unique), with the lines as [[line id, quantity], ...] and a status the shop's
confirmation moves once (awaited -> restocked or written_off). The new order status "returned",
actions "reschedule" and "take_back", quote status "fell_through" and the event kinds fit the
existing VARCHAR columns (no CHECK constraint on them), so no existing table changes. Orders
refused at the door before this revision get no return: their goods were dealt with as before.
Downgrade drops the table (the order events it wrote stay, worded by their kinds).
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'order_return',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('order.id'), nullable=False,
                  unique=True),
        sa.Column('shop_id', sa.Integer(), sa.ForeignKey('shop.id'), nullable=False),
        sa.Column('cause', sa.String(20), nullable=False),
        sa.Column('lines', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.Column('received_by_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=True),
    )
    op.create_index('ix_order_return_shop_status', 'order_return', ['shop_id', 'status'])


def downgrade():
    op.drop_index('ix_order_return_shop_status', table_name='order_return')
    op.drop_table('order_return')
