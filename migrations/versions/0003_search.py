"""search index: FTS5 trigram table and triggers (SQLite), pg_trgm GIN indexes (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00

Reviewed, hand-written (autogenerate sees neither virtual tables nor operator classes).
SQLite: `product_search` holds the published products of active shops (rowid = product.id),
kept in step by triggers on product and shop, and is filled from the rows already there. Stock
is left out of the triggers' `UPDATE OF` lists, so a sale never touches the index.
PostgreSQL: pg_trgm is a trusted extension (PostgreSQL 13+), so the database owner can create it.
It makes trigrams of Chinese characters under a UTF-8 LC_CTYPE (C.UTF-8, zh_CN.UTF-8); under
plain "C" it skips them, and ILIKE still answers right, only without the index narrowing it.
The downgrade drops the indexes but leaves the extension: it may have been there before this
migration, and something else may use it.
The statements are a frozen copy of webapp/search/services.py (SQLITE_INDEX, SQLITE_FILL);
tests/search/test_index.py fails if the two drift apart.
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE product_search USING fts5("
    "title, description, shop_name, tokenize = 'trigram')",
    """CREATE TRIGGER product_search_product_insert AFTER INSERT ON product BEGIN
  INSERT INTO product_search (rowid, title, description, shop_name)
  SELECT new.id, new.title, new.description, shop.name FROM shop
  WHERE shop.id = new.shop_id AND new.published AND shop.status = 'active';
END""",
    """CREATE TRIGGER product_search_product_update
AFTER UPDATE OF id, shop_id, title, description, published ON product BEGIN
  DELETE FROM product_search WHERE rowid = old.id;
  INSERT INTO product_search (rowid, title, description, shop_name)
  SELECT new.id, new.title, new.description, shop.name FROM shop
  WHERE shop.id = new.shop_id AND new.published AND shop.status = 'active';
END""",
    """CREATE TRIGGER product_search_product_delete AFTER DELETE ON product BEGIN
  DELETE FROM product_search WHERE rowid = old.id;
END""",
    """CREATE TRIGGER product_search_shop_update AFTER UPDATE OF id, name, status ON shop BEGIN
  DELETE FROM product_search WHERE rowid IN (SELECT id FROM product WHERE shop_id = old.id);
  INSERT INTO product_search (rowid, title, description, shop_name)
  SELECT product.id, product.title, product.description, new.name FROM product
  WHERE product.shop_id = new.id AND product.published AND new.status = 'active';
END""",
    """CREATE TRIGGER product_search_shop_delete AFTER DELETE ON shop BEGIN
  DELETE FROM product_search WHERE rowid IN (SELECT id FROM product WHERE shop_id = old.id);
END""",
    "INSERT INTO product_search (rowid, title, description, shop_name) "
    "SELECT product.id, product.title, product.description, shop.name "
    "FROM product JOIN shop ON shop.id = product.shop_id "
    "WHERE product.published AND shop.status = 'active'",
)
SQLITE_TRIGGERS = ('product_search_product_insert', 'product_search_product_update',
                   'product_search_product_delete', 'product_search_shop_update',
                   'product_search_shop_delete')
PG_INDEXES = (('ix_product_title_trgm', 'product', 'title'),
              ('ix_product_description_trgm', 'product', 'description'),
              ('ix_shop_name_trgm', 'shop', 'name'))


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    elif dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, table, column in PG_INDEXES:
            op.create_index(name, table, [column], postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for name in SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS product_search')
    elif dialect == 'postgresql':
        for name, table, _column in reversed(PG_INDEXES):
            op.drop_index(name, table_name=table)
