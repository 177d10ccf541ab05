"""buyers' demands, merchants' quotes, and the order an accepted quote became

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 09:00:00

Reviewed, hand-written. `uq_quote_live_per_shop` is a partial unique index (one live quote per
shop per demand), the same WHERE clause on SQLite and PostgreSQL. `order` gains `quote_id` with
a foreign key and a unique constraint (one order per quote): SQLite cannot add either by ALTER,
so `order` is rebuilt in batch mode, which is safe because it carries no triggers (unlike
`product` and `shop`, whose search triggers from 0003 a rebuild would drop).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

DEMAND_STATUS = sa.Enum('open', 'accepted', 'closed', 'expired', name='demandstatus',
                        native_enum=False, length=20)
QUOTE_STATUS = sa.Enum('live', 'withdrawn', 'declined', 'accepted', 'not_chosen', 'expired',
                       name='quotestatus', native_enum=False, length=20)


def upgrade():
    op.create_table('demand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=120), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('budget_fen', sa.Integer(), nullable=True),
    sa.Column('district_code', sa.String(length=12), nullable=False),
    sa.Column('needed_by', sa.DateTime(), nullable=False),
    sa.Column('status', DEMAND_STATUS, nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('budget_fen IS NULL OR budget_fen > 0', name=op.f('ck_demand_budget_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_demand_quantity_positive')),
    sa.ForeignKeyConstraint(['buyer_id'], ['user.id'], name=op.f('fk_demand_buyer_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand')),
    sa.UniqueConstraint('buyer_id', 'idempotency_key', name=op.f('uq_demand_buyer_id_idempotency_key'))
    )
    with op.batch_alter_table('demand', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demand_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_demand_feed', ['district_code', 'status', 'needed_by'],
                              unique=False)

    op.create_table('quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('demand_id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('unit_price_fen', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('delivery_fee_fen', sa.Integer(), nullable=False),
    sa.Column('earliest_delivery', sa.DateTime(), nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('status', QUOTE_STATUS, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('delivery_fee_fen >= 0', name=op.f('ck_quote_delivery_fee_not_negative')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_quote_quantity_positive')),
    sa.CheckConstraint('unit_price_fen > 0', name=op.f('ck_quote_unit_price_positive')),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_quote_demand_id_demand')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_quote_product_id_product')),
    sa.ForeignKeyConstraint(['shop_id'], ['shop.id'], name=op.f('fk_quote_shop_id_shop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote'))
    )
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_demand_id'), ['demand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index('uq_quote_live_per_shop', ['demand_id', 'shop_id'], unique=True,
                              sqlite_where=sa.text("status = 'live'"),
                              postgresql_where=sa.text("status = 'live'"))

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_order_quote_id'), ['quote_id'])
        batch_op.create_foreign_key(batch_op.f('fk_order_quote_id_quote'), 'quote',
                                    ['quote_id'], ['id'])


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_quote_id_quote'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_order_quote_id'), type_='unique')
        batch_op.drop_column('quote_id')
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_index('uq_quote_live_per_shop', sqlite_where=sa.text("status = 'live'"),
                            postgresql_where=sa.text("status = 'live'"))
        batch_op.drop_index(batch_op.f('ix_quote_shop_id'))
        batch_op.drop_index(batch_op.f('ix_quote_demand_id'))
    op.drop_table('quote')
    with op.batch_alter_table('demand', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_feed')
        batch_op.drop_index(batch_op.f('ix_demand_created_at'))
        batch_op.drop_index(batch_op.f('ix_demand_buyer_id'))
    op.drop_table('demand')
