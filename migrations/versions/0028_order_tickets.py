"""order tickets and printers

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 12:50:00

Reviewed, hand-written. Issue 21's order tickets (webapp/tickets): two new tables, nothing
existing is changed or lost. shop_printer holds a shop's network ESC/POS printer (host, port,
paper width 58 or 80 mm, whether each accepted order prints by itself), one row per shop that
set one. ticket_print holds each ticket sent to it (the order, or none for a test print; what
asked for it; queued, printed or failed with the printer's error; where it went), read newest
first per order and per shop through its two indexes. Downgrade drops both tables.
"""
import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'shop_printer',
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('host', sa.String(length=253), nullable=False),
        sa.Column('port', sa.Integer(), nullable=False),
        sa.Column('paper_mm', sa.Integer(), nullable=False),
        sa.Column('auto_print', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], ),
        sa.PrimaryKeyConstraint('shop_id'),
    )
    op.create_table(
        'ticket_print',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('trigger', sa.String(length=10), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('error', sa.String(length=200), nullable=False),
        sa.Column('printer', sa.String(length=260), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('ticket_print', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_print_order', ['order_id', 'id'], unique=False)
        batch_op.create_index('ix_ticket_print_shop', ['shop_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_print', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_print_shop')
        batch_op.drop_index('ix_ticket_print_order')
    op.drop_table('ticket_print')
    op.drop_table('shop_printer')
