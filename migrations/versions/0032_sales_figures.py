"""sales figures: indexes on the orders by shop and the time they reached it, and on signatures
by time

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 12:50:00

The merchant's sales figures (webapp/stats) read one shop's orders in a period by `placed_at`;
without it a busy shop's figures read every order it ever had. Its cash-at-the-door table reads
a period's signatures by `signed_at`. Adds two indexes, keeps all data.
"""
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order") as batch_op:
        batch_op.create_index("ix_order_shop_placed", ["shop_id", "placed_at"], unique=False)
    with op.batch_alter_table("proof_of_delivery") as batch_op:
        batch_op.create_index("ix_proof_of_delivery_signed_at", ["signed_at"], unique=False)


def downgrade():
    with op.batch_alter_table("proof_of_delivery") as batch_op:
        batch_op.drop_index("ix_proof_of_delivery_signed_at")
    with op.batch_alter_table("order") as batch_op:
        batch_op.drop_index("ix_order_shop_placed")
