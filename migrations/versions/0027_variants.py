"""product variants

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 12:50:00

Reviewed, hand-written. Issue 21's variants (规格): a product has one or more variants, each
with its own name, price, stock, low-stock level and optional barcode (unique within the shop);
carts, order lines and quotes name a variant. Every existing product gets one variant, unnamed,
with its price, stock and low-stock level; every cart line, order line and quote naming a
product names that variant. The product keeps price_fen and stock as the lowest price and the
total stock of its live variants (the same figures for a product of one variant) and gains
variant_count (1 for all existing products). An order line gains the variant's name as ordered
('' for them all: none had a name).

`product` is altered in place (plain ADD COLUMN: a batch rebuild on SQLite would drop the search
triggers of 0003); cart_item, order_line and quote in batch mode (SQLite copies them; they have
no triggers). Downgrade drops what upgrade added: a cart holding two variants of one product
keeps the line added first (cart_item is unique per product again); the prices and stock of the
other variants are lost, the product keeps its lowest price and total stock.
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'product_variant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('price_fen', sa.Integer(), nullable=False),
        sa.Column('stock', sa.Integer(), nullable=False),
        sa.Column('low_stock_at', sa.Integer(), nullable=False),
        sa.Column('barcode', sa.String(length=14), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('price_fen > 0', name=op.f('ck_product_variant_price_positive')),
        sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variant_stock_not_negative')),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'], ondelete='CASCADE',
                                name=op.f('fk_product_variant_product_id_product')),
        sa.ForeignKeyConstraint(['shop_id'], ['shop.id'],
                                name=op.f('fk_product_variant_shop_id_shop')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variant')),
        sa.UniqueConstraint('shop_id', 'barcode', name=op.f('uq_product_variant_shop_id_barcode')),
    )
    op.create_index(op.f('ix_product_variant_product_id'), 'product_variant', ['product_id'],
                    unique=False)
    # One variant per product, with the product's own id: existing links need no lookup, and
    # the sequence (PostgreSQL) is moved past them below.
    op.execute("INSERT INTO product_variant (id, product_id, shop_id, name, price_fen, stock, "
               "low_stock_at, barcode, position, retired, created_at) "
               "SELECT id, id, shop_id, '', price_fen, stock, low_stock_at, NULL, 0, false, "
               "created_at FROM product")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('product_variant', 'id'), "
                   "(SELECT coalesce(max(id), 0) + 1 FROM product_variant), false)")
    op.add_column('product', sa.Column('variant_count', sa.Integer(), server_default='1',
                                       nullable=False))

    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
    op.execute("UPDATE cart_item SET variant_id = product_id")
    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_cart_item_user_id_product_id', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_cart_item_user_id_variant_id'),
                                          ['user_id', 'variant_id'])
        batch_op.create_foreign_key(op.f('fk_cart_item_variant_id_product_variant'),
                                    'product_variant', ['variant_id'], ['id'])

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('variant_name', sa.String(length=20), server_default='',
                                      nullable=False))
        batch_op.create_foreign_key(op.f('fk_order_line_variant_id_product_variant'),
                                    'product_variant', ['variant_id'], ['id'])
    op.execute("UPDATE order_line SET variant_id = product_id WHERE product_id IS NOT NULL")

    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_quote_variant_id_product_variant'),
                                    'product_variant', ['variant_id'], ['id'])
    op.execute("UPDATE quote SET variant_id = product_id WHERE product_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_quote_variant_id_product_variant'), type_='foreignkey')
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_order_line_variant_id_product_variant'),
                                 type_='foreignkey')
        batch_op.drop_column('variant_name')
        batch_op.drop_column('variant_id')
    # One line per product again: the first added of each product's variants stays.
    op.execute("DELETE FROM cart_item WHERE id NOT IN "
               "(SELECT min(id) FROM cart_item GROUP BY user_id, product_id)")
    with op.batch_alter_table('cart_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_cart_item_variant_id_product_variant'),
                                 type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_cart_item_user_id_variant_id'), type_='unique')
        batch_op.create_unique_constraint('uq_cart_item_user_id_product_id',
                                          ['user_id', 'product_id'])
        batch_op.drop_column('variant_id')
    op.drop_column('product', 'variant_count')
    op.drop_index(op.f('ix_product_variant_product_id'), table_name='product_variant')
    op.drop_table('product_variant')
