"""search tokens: an index of the search key, so search reads candidates, not every product

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00

Reviewed, hand-written. Upgrade creates search_token (token, product_id): primary key on both
(WITHOUT ROWID on SQLite: the key is the row), an index on product_id (a product's tokens are
rewritten when its title or description changes), a foreign key to product that deletes a
product's tokens with it; then writes the tokens of every existing product with the app's
builder (webapp/search/tokens.py `fill`; from now on the app writes them on every insert and
title or description change). A later change of the tokens' format comes with a migration that
calls `fill` again. Downgrade drops the table: it holds nothing that product does not (search
before 0012 scans the key columns of 0011), so no data is lost.
"""
import sqlalchemy as sa
from alembic import op

from webapp.search.tokens import fill

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_token',
        sa.Column('token', sa.String(length=8), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token', 'product_id'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_search_token_product', 'search_token', ['product_id'])
    fill(op.get_bind())


def downgrade():
    op.drop_index('ix_search_token_product', table_name='search_token')
    op.drop_table('search_token')
