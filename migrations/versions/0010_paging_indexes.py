"""Indexes for keyset pagination: every paged list reads a page with an index on its order

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 00:20:00

Reviewed, hand-written. Only indexes: no table or row changes, so upgrade and downgrade keep
every row. Each index serves one paged list's WHERE and ORDER BY (webapp/paging.py); the model
declares the same index, so `db.create_all()` and this migration build the same schema.
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# (index name, table, columns): one line per paged list, with the list it serves.
INDEXES = (
    ("ix_demand_feed_page", "demand", ("district_code", "status", "id", "category")),  # demand feed
    ("ix_demand_buyer_page", "demand", ("buyer_id", "id")),  # buyer's own demands
    ("ix_quote_shop_page", "quote", ("shop_id", "updated_at", "id")),  # merchant's own quotes
    ("ix_application_queue_page", "merchant_application", ("status", "submitted_at", "id")),  # admin queues
    ("ix_shop_status_owner", "shop", ("status", "owner_id")),  # admin's suspended queue and count
    ("ix_order_buyer_page", "order", ("buyer_id", "id")),  # buyer's 全部 tab
    ("ix_order_buyer_status_page", "order", ("buyer_id", "status", "id")),  # buyer's tabs, counts
    ("ix_order_shop_status_page", "order", ("shop_id", "status", "id")),  # board columns, counts
    ("ix_delivery_courier_page", "delivery", ("courier_id", "order_id")),  # courier's history
    ("ix_product_shelf", "product", ("shop_id", "published", "id")),  # shop page, all categories
    ("ix_product_shelf_category", "product", ("shop_id", "published", "category", "id")),  # and chips
    ("ix_product_new", "product", ("published", "created_at", "id")),  # home page's new products
    ("ix_product_manager", "product", ("shop_id", "id")),  # merchant's product manager
    ("ix_product_manager_category", "product", ("shop_id", "category", "id")),  # …by category
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, list(columns))


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
