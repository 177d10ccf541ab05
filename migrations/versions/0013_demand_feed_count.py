"""Index demand (district_code, status, category): the merchant's feed counts its demands along it

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09 10:00:00

Reviewed, hand-written. Only an index: no table or row changes, so upgrade and downgrade keep
every row. The feed's count (webapp/demands/quoting.py `feed`) is the district's open demands in
the shop's categories; ix_demand_feed_page holds the category after the id, so counting by
category sorted every open demand of the district first (1.5 ms for 1,500 on SQLite, most of
what the large feed paid beyond the small one). The model declares the same index.
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_demand_feed_count", "demand", ["district_code", "status", "category"])


def downgrade():
    op.drop_index("ix_demand_feed_count", table_name="demand")
