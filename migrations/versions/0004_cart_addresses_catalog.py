"""cart, address book, product photo/category/low-stock level, shop district and delivery slots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00

Reviewed, hand-written. Columns are added with plain ADD COLUMN, not batch mode: a batch
rebuild of `product` or `shop` on SQLite would drop the search triggers of 0003. New NOT NULL
columns carry a server default so existing rows stay valid. Existing shops take their district
from the application they were approved with.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SLOTS = "9-11,11-13,13-15,15-17,17-19,19-21"


def upgrade():
    op.create_table('address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(length=40), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('province_code', sa.String(length=12), nullable=False),
    sa.Column('city_code', sa.String(length=12), nullable=False),
    sa.Column('district_code', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Double(), nullable=True),
    sa.Column('lng', sa.Double(), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_address_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address'))
    )
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_district_code'), ['district_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_user_id'), ['user_id'], unique=False)

    op.create_table('cart_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_cart_item_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_cart_item_product_id_product')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cart_item_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cart_item')),
    sa.UniqueConstraint('user_id', 'product_id', name=op.f('uq_cart_item_user_id_product_id'))
    )
    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_item_user_id'), ['user_id'], unique=False)

    op.add_column('product', sa.Column('category', sa.String(length=20), nullable=False,
                                       server_default='other'))
    op.add_column('product', sa.Column('image', sa.String(length=120), nullable=True))
    op.add_column('product', sa.Column('low_stock_at', sa.Integer(), nullable=False,
                                       server_default='5'))
    op.create_index(op.f('ix_product_category'), 'product', ['category'], unique=False)

    op.add_column('shop', sa.Column('district_code', sa.String(length=12), nullable=False,
                                    server_default=''))
    op.add_column('shop', sa.Column('delivery_slots', sa.String(length=100), nullable=False,
                                    server_default=SLOTS))
    op.add_column('shop', sa.Column('delivery_days', sa.Integer(), nullable=False,
                                    server_default='3'))
    op.add_column('shop', sa.Column('delivery_lead_minutes', sa.Integer(), nullable=False,
                                    server_default='60'))
    op.add_column('shop', sa.Column('delivery_fee_fen', sa.Integer(), nullable=False,
                                    server_default='0'))
    op.create_index(op.f('ix_shop_district_code'), 'shop', ['district_code'], unique=False)
    op.execute("UPDATE shop SET district_code = (SELECT merchant_application.district_code "
               "FROM merchant_application WHERE merchant_application.id = shop.application_id) "
               "WHERE application_id IS NOT NULL")

    op.add_column('order', sa.Column('district_code', sa.String(length=12), nullable=False,
                                     server_default=''))
    op.add_column('order', sa.Column('dest_lat', sa.Double(), nullable=True))
    op.add_column('order', sa.Column('dest_lng', sa.Double(), nullable=True))


def downgrade():
    # `order` has no triggers, so batch mode may rebuild it; `product` and `shop` use plain
    # DROP COLUMN (SQLite 3.35+) so the search triggers of 0003 survive.
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('dest_lng')
        batch_op.drop_column('dest_lat')
        batch_op.drop_column('district_code')
    op.drop_index(op.f('ix_shop_district_code'), table_name='shop')
    op.drop_index(op.f('ix_product_category'), table_name='product')
    for table, columns in (('shop', ('delivery_fee_fen', 'delivery_lead_minutes', 'delivery_days',
                                     'delivery_slots', 'district_code')),
                           ('product', ('low_stock_at', 'image', 'category'))):
        for column in columns:
            op.drop_column(table, column)
    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_item_user_id'))
    op.drop_table('cart_item')
    with op.batch_alter_table('address', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_user_id'))
        batch_op.drop_index(batch_op.f('ix_address_district_code'))
    op.drop_table('address')
