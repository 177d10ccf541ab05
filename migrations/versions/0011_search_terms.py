"""search terms: a search key per product, synonym groups; the old substring indexes go

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 01:00:00

Reviewed, hand-written. Upgrade:
- adds product.search_text, search_pinyin, search_initials and search_body (NOT NULL, '') and
  fills them for every existing product with the app's key builder (webapp/search/keys.py
  `fill`; from now on the app writes them on every insert and title or description change).
  A later change of the key's format comes with a migration that calls `fill` again;
- creates synonym_group and seeds a few groups (a frozen copy of webapp/search/synonyms.SEED);
- drops what served the old search and nothing reads any more: on SQLite the FTS5 table
  product_search and its five triggers (an index of product and shop rows: no data of its own),
  on PostgreSQL the three pg_trgm GIN indexes (the extension stays, as 0003 left it).
Downgrade rebuilds the FTS5 table from the rows (0003's statements) or the GIN indexes, and drops
the synonym groups and the key columns; products and shops keep every row.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from webapp.search.keys import fill

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = ('search_text', 'search_pinyin', 'search_initials', 'search_body')
SEED = (
    ('produce', '土豆 马铃薯 洋芋'), ('produce', '番茄 西红柿'), ('produce', '红薯 地瓜 番薯'),
    ('produce', '香菜 芫荽'), ('produce', '玉米 苞米 苞谷'), ('grocery', '面粉 小麦粉'),
    ('grocery', '酱油 豉油'),
)
SQLITE_TRIGGERS = ('product_search_product_insert', 'product_search_product_update',
                   'product_search_product_delete', 'product_search_shop_update',
                   'product_search_shop_delete')
PG_INDEXES = (('ix_product_title_trgm', 'product', 'title'),
              ('ix_product_description_trgm', 'product', 'description'),
              ('ix_shop_name_trgm', 'shop', 'name'))
# 0003's index, as it was (for the downgrade).
SQLITE_INDEX = (
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


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for name in SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
        op.execute('DROP TABLE IF EXISTS product_search')
    elif dialect == 'postgresql':
        for name, table, _column in reversed(PG_INDEXES):
            op.execute(f'DROP INDEX IF EXISTS {name}')
    for name in COLUMNS:
        op.add_column('product', sa.Column(name, sa.Text(), nullable=False, server_default=''))
    synonym_group = op.create_table(
        'synonym_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('words', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_synonym_group_category', 'synonym_group', ['category'])
    now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the columns store it
    op.bulk_insert(synonym_group, [
        {'category': category, 'words': words, 'updated_at': now}
        for category, words in SEED])
    fill(op.get_bind())


def downgrade():
    op.drop_index('ix_synonym_group_category', table_name='synonym_group')
    op.drop_table('synonym_group')
    # Not a batch copy: SQLite 3.35+ drops a column in place (see 0009).
    for name in reversed(COLUMNS):
        op.drop_column('product', name)
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for statement in SQLITE_INDEX:
            op.execute(statement)
    elif dialect == 'postgresql':
        for name, table, column in PG_INDEXES:
            op.create_index(name, table, [column], postgresql_using='gin',
                            postgresql_ops={column: 'gin_trgm_ops'})
