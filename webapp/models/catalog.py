from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

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
    # price_fen, stock and variant_count sum up the product's live variants (ProductVariant,
    # migration 0027): the lowest price, the stock of all of them, how many. Lists, cards,
    # search and filters read them; checkout and the product manager keep them in step with
    # the variants in the same transaction (webapp/catalog/variants.py).
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
    variant_count: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The search key (webapp/search/keys.py writes it on every insert and title or description
    # change; migration 0011 filled it). Deferred: only search reads it.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    search_pinyin: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)
    search_initials: Mapped[str] = mapped_column(Text, default="", server_default="",
                                                 deferred=True)
    search_body: Mapped[str] = mapped_column(Text, default="", server_default="", deferred=True)

    shop: Mapped[Shop] = relationship()
    # Live variants, in the merchant's order (loaded only where a page shows them).
    variants: Mapped[list[ProductVariant]] = relationship(
        primaryjoin="and_(ProductVariant.product_id == Product.id, "
                    "ProductVariant.retired.is_(False))",
        order_by="ProductVariant.position, ProductVariant.id", viewonly=True)

    @property
    def low_stock(self) -> bool:
        """At or under the low-stock level, not sold out; for a product of several variants:
        one of them low or sold out while others are not (`any_low`, loaded with the list)."""
        if self.variant_count > 1:
            return self.stock > 0 and self.any_low
        return 0 < self.stock <= self.low_stock_at

    @property
    def has_choice(self) -> bool:
        """Whether buyers choose a variant (two or more): one variant looks like no variant."""
        return self.variant_count > 1

    @property
    def category_label(self) -> str:
        return categories.category_label(self.category)


class ProductVariant(db.Model):
    """One size, weight or portion of a product (规格: 500g, 1斤, 大份) with its own price, stock
    and low-stock level. Carts, orders, quotes and stock-taking name a variant; a product has at
    least one (migration 0027 gave every product one, unnamed). A variant that was ordered is
    retired, never deleted, so the order lines naming it keep their link."""

    __tablename__ = "product_variant"
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        # A barcode finds one variant of the shop (NULLs, no barcode, are not compared).
        UniqueConstraint("shop_id", "barcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A product deleted (never by the app; tests and data repairs) takes its variants along.
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"),
                                            index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    # Empty for a product's only variant (shown as no choice at all).
    name: Mapped[str] = mapped_column(String(20), default="")
    price_fen: Mapped[int] = mapped_column()
    stock: Mapped[int] = mapped_column(default=0)
    low_stock_at: Mapped[int] = mapped_column(default=5)
    # EAN-13, EAN-8 or the shop's own digits (8 to 14); unique within the shop.
    barcode: Mapped[str | None] = mapped_column(String(14))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock <= self.low_stock_at

    @property
    def label(self) -> str:
        """The name as shown: a product's only, unnamed variant reads as the standard one."""
        return self.name or _("标准")

    @property
    def line_title(self) -> str:
        """The product's title with the variant's name, as a refusal or a price change names
        the line (the title alone for an unnamed variant)."""
        return f"{self.product.title} {self.name}" if self.name else self.product.title


# A live variant at or under its low-stock level (sold out included): the product manager's
# badge and filter (webapp/catalog/listing.py loads it with the page).
Product.any_low = column_property(exists().where(
    ProductVariant.product_id == Product.id, ProductVariant.retired.is_(False),
    ProductVariant.stock <= ProductVariant.low_stock_at).correlate_except(ProductVariant),
    deferred=True)
