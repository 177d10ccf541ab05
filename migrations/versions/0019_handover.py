"""handing over: receipt codes and the proof's handover facts

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:15:00

Reviewed, hand-written. order.receipt_code: six random digits per order (收货码), shown only
to its buyer; the orders that exist get one each here, drawn from Python's `secrets` like the
new ones (webapp/models/order.py). The column stays nullable: SQLite can make an existing
column NOT NULL only by copying "order", which lines, events and deliveries point at (as 0014
says), and every order has a code from its insert on (the model's default).
order.receipt_code_misses counts wrong codes entered on the courier's phone (0 for every
existing order). proof_of_delivery.signed_on ("buyer" or "courier") and code_matched: the
facts of scheme 4 proofs (webapp/orders/proof.py); proofs signed before keep NULL and their
scheme (1-3), so they still verify. The shared tracking links are signed tokens and need no
table. A downgrade drops the codes and facts (scheme 4 proofs then no longer verify).
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

ORDER = sa.table('order', sa.column('id', sa.Integer), sa.column('receipt_code', sa.String))


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_code', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('receipt_code_misses', sa.Integer(), nullable=False,
                                      server_default='0'))
    connection = op.get_bind()
    ids = connection.execute(sa.select(ORDER.c.id)).scalars().all()
    for order_id in ids:
        connection.execute(ORDER.update().where(ORDER.c.id == order_id).values(
            receipt_code=f"{secrets.randbelow(10**6):06d}"))
    with op.batch_alter_table('proof_of_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_on', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('code_matched', sa.Boolean(), nullable=True))


def downgrade():
    # In place (SQLite 3.35+ drops a column without copying "order", as 0014's downgrade does).
    op.drop_column('proof_of_delivery', 'code_matched')
    op.drop_column('proof_of_delivery', 'signed_on')
    op.drop_column('order', 'receipt_code_misses')
    op.drop_column('order', 'receipt_code')
