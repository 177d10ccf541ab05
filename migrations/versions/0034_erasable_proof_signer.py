"""erasable signer name and signature in proofs of delivery

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-08 10:00:00

Reviewed, hand-written. Proof scheme 5 (webapp/orders/proof.py): deleting an account keeps its
orders and proofs as records without the person's identity, and the proof's digest must still
verify. Schemes 1-4 hash the signer's typed name and the signature image themselves, so erasing
either breaks the digest; scheme 5 hashes stand-ins instead, kept in four new nullable columns of
proof_of_delivery: signer_name_salt (16 random bytes, hex) and signer_name_sha256 (sha256 of
salt + name), signature_sha256 (sha256 of the PNG), and erased_at (when the name, salt and image
were erased by webapp/me/deletion.py). Existing proofs keep their scheme, get NULL in all four
and still verify as before; only proofs signed from now on are scheme 5 (the model's default,
not the database's). The columns are added and dropped in place, not in batch mode (as 0030):
SQLite adds a nullable column and (3.35+) drops one without copying the table, where a batch
copy would rebuild it with every proof. Downgrade drops the four columns; a scheme 5 proof
signed meanwhile then no longer verifies (its hashes are gone, and its image is no longer in the
digest), and an erased one stays erased.
"""
import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

COLUMNS = [('signer_name_salt', 32), ('signer_name_sha256', 64), ('signature_sha256', 64)]


def upgrade():
    for name, length in COLUMNS:
        op.add_column('proof_of_delivery', sa.Column(name, sa.String(length=length), nullable=True))
    op.add_column('proof_of_delivery', sa.Column('erased_at', sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column('proof_of_delivery', 'erased_at')
    for name, _ in reversed(COLUMNS):
        op.drop_column('proof_of_delivery', name)
