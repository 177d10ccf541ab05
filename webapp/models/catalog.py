from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.catalog import categories
from webapp.models.base import db, utcnow
from webapp.models.shop import Shop


class Product(db.Model):
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        # The shop page: a page of the products on sale, of all categories or of one, in id
        # order, and the chips' grouped counts (webapp/shops/grid.py).
        Index("ix_product_shelf", "shop_id", "published", "id"),
        Index("ix_product_shelf_category", "shop_id", "published", "category", "id"),
        # The home page's newest products on sale (webapp/shops/services.new_products).
        Index("ix_product_new", "published", "created_at", "id"),
        # The merchant's product manager: a page of all the shop's products, newest first, of
        # all categories or of one, and its grouped counts (webapp/catalog/listing.py).
        Index("ix_product_manager", "shop_id", "id"),
        Index("ix_product_manager_category", "shop_id", "category", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    price_fen: Mapped[int] = mapped_column()
    stock: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=True)
    category: Mapped[str] = mapped_column(String(20), default="other", index=True)
    # Re-encoded photo under UPLOAD_DIR (see webapp/uploads.py); None until one is chosen.
    image: Mapped[str | None] = mapped_column(String(120))
    # The board and the product list flag the product once stock falls to this or below.
    low_stock_at: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The search key (webapp/search/keys.py writes it on every insert and title or description
    # change; migration 0011 filled it). Deferred: only search reads it.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    search_pinyin: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    search_initials: Mapped[str] = mapped_column(Text, default="", server_default="",
                                                 deferred=True)
    search_body: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)

    shop: Mapped[Shop] = relationship()

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock <= self.low_stock_at

    @property
    def category_label(self) -> str:
        return categories.category_label(self.category)
