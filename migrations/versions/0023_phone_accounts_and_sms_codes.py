"""phone accounts and sms codes

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 10:05:00

Reviewed, hand-written. Accounts by mobile number and one-time SMS code (issue 20): the sms_code
table keeps each code's keyed hash (never the code), its number (E.164) and purpose (register,
login or reset), when it expires, the wrong tries and when it was used; one index finds the
newest code of a number and purpose. Two columns on user record the privacy-policy consent given
at registration (when, and which version); accounts made before it was asked keep them empty.
user.mobile already exists and keeps its data (couriers' numbers as the shop typed them; the
login finds both forms). Downgrade drops the table and the two columns.
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sms_code',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('mobile', sa.String(length=20), nullable=False),
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_sms_code_mobile_purpose', 'sms_code', ['mobile', 'purpose', 'id'],
                    unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('privacy_consent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('privacy_policy_version', sa.String(length=20), nullable=True))


def downgrade():
    # In place (SQLite 3.35+ drops a column without copying user, which most tables reference).
    op.drop_column('user', 'privacy_policy_version')
    op.drop_column('user', 'privacy_consent_at')
    op.drop_index('ix_sms_code_mobile_purpose', table_name='sms_code')
    op.drop_table('sms_code')
