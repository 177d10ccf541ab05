"""door refunds

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:00:00

Reviewed, hand-written. An after-sales request refunded on an order paid at the door (cash or
card, no gateway payment) leaves the money owed by the shop (issue 19): four columns on
after_sale record it. door_refund is "owed" until the shop says it paid it back, then "paid"
with door_refund_paid_at, door_refund_method (cash or transfer) and door_refund_note; an index
serves the shop's 待退款 tab and the admin's list of unconfirmed ones. Existing requests that
ended as a door refund (their history's refunding step says {"refund": "door"}) become "owed":
nothing recorded that any of them was paid back. Downgrade drops the columns and the index.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# The history row of the move that refunded a request at the door, as each database reads JSON.
DOOR_STEP = {
    'sqlite': "json_extract(e.params, '$.refund') = 'door'",
    'postgresql': "(e.params ->> 'refund') = 'door'",
}


def upgrade():
    with op.batch_alter_table('after_sale', schema=None) as batch_op:
        batch_op.add_column(sa.Column('door_refund', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('door_refund_paid_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('door_refund_method', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('door_refund_note', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_after_sale_door_refund',
                              ['door_refund', 'updated_at', 'id'], unique=False)
    door_step = DOOR_STEP[op.get_bind().dialect.name]
    op.execute(
        "UPDATE after_sale SET door_refund = 'owed' WHERE status = 'refunded' "
        "AND refund_id IS NULL AND EXISTS (SELECT 1 FROM after_sale_event e "
        f"WHERE e.after_sale_id = after_sale.id AND e.to_status = 'refunded' AND {door_step})")


def downgrade():
    # In place (SQLite 3.35+ drops a column without copying after_sale, which after_sale_line
    # and after_sale_event reference, as 0019's downgrade does).
    op.drop_index('ix_after_sale_door_refund', table_name='after_sale')
    op.drop_column('after_sale', 'door_refund_note')
    op.drop_column('after_sale', 'door_refund_method')
    op.drop_column('after_sale', 'door_refund_paid_at')
    op.drop_column('after_sale', 'door_refund')
