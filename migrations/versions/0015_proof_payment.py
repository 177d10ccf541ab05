"""the proof of delivery records the payment: proof_of_delivery.payment

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 10:00:00

Reviewed, hand-written. One nullable JSON column, added with plain ADD COLUMN: proofs signed
before it keep NULL and their scheme (1 or 2), whose digest does not cover a payment, so they
still verify. Proofs signed from now on are scheme 3 (webapp/orders/proof.py): their digest
covers the payment's facts as they stood at the signature. A downgrade drops those facts, so
scheme 3 proofs then no longer verify (their digest still says what they held).
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('proof_of_delivery', sa.Column('payment', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('proof_of_delivery', schema=None) as batch_op:
        batch_op.drop_column('payment')
