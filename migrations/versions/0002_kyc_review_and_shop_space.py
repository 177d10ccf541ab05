"""KYC review (drafts, documents, address codes, per-field notes, audit log) and shop space

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:55:16

Reviewed: new NOT NULL columns get a server default so existing rows are valid on PostgreSQL;
created_at/updated_at are back-filled from the submission time before they become NOT NULL.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_log_actor_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_subject_id'), ['subject_id'], unique=False)

    empty = sa.text("''")
    with op.batch_alter_table('merchant_application', schema=None) as batch_op:
        for name, length in (('handle_wish', 40), ('province_code', 12), ('city_code', 12),
                             ('district_code', 12), ('street', 200)):
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False,
                                          server_default=empty))
        batch_op.add_column(sa.Column('id_front', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('id_back', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('licence_photo', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('id_number_encrypted', existing_type=sa.LargeBinary(),
                              nullable=True)
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(), nullable=True)
    op.execute("UPDATE merchant_application SET created_at = submitted_at, "
               "updated_at = COALESCE(reviewed_at, submitted_at)")
    with op.batch_alter_table('merchant_application', schema=None) as batch_op:
        batch_op.alter_column('created_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
        # Two tabs resubmitting at once must not both become "version 3".
        batch_op.create_unique_constraint(
            batch_op.f('uq_merchant_application_user_id_version'), ['user_id', 'version'])

    with op.batch_alter_table('shop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sa.String(length=100), nullable=False,
                                      server_default=empty))
        batch_op.add_column(sa.Column('logo', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('banner', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('suspended_reason', sa.String(length=200), nullable=False,
                                      server_default=empty))


def downgrade():
    with op.batch_alter_table('shop', schema=None) as batch_op:
        for name in ('suspended_reason', 'suspended_at', 'banner', 'logo', 'opening_hours'):
            batch_op.drop_column(name)

    op.execute("UPDATE merchant_application SET submitted_at = created_at "
               "WHERE submitted_at IS NULL")
    op.execute("DELETE FROM merchant_application WHERE id_number_encrypted IS NULL")
    with op.batch_alter_table('merchant_application', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_merchant_application_user_id_version'),
                                 type_='unique')
        batch_op.alter_column('submitted_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('id_number_encrypted', existing_type=sa.LargeBinary(),
                              nullable=False)
        for name in ('updated_at', 'created_at', 'licence_photo', 'id_back', 'id_front', 'street',
                     'district_code', 'city_code', 'province_code', 'handle_wish'):
            batch_op.drop_column(name)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_subject_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))
    op.drop_table('audit_log')
