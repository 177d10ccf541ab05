"""What a buyer keeps between orders: an address book and one cart per shop."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.catalog import Product, ProductVariant
from webapp.regions import names
from webapp.regions.services import full_name


class Address(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(12))
    city_code: Mapped[str] = mapped_column(String(12))
    district_code: Mapped[str] = mapped_column(String(12), index=True)
    detail: Mapped[str] = mapped_column(String(200))
    # Optional map pin, WGS-84 as the browser's geolocation gives it.
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def region_text(self) -> str:
        """The region as read in the page's language (webapp/regions/names.py)."""
        return names.label(self.province_code, self.city_code, self.district_code)

    @property
    def full_text(self) -> str:
        """Region and street as read in the page's language."""
        return names.label(self.province_code, self.city_code, self.district_code, self.detail)

    @property
    def snapshot_text(self) -> str:
        """Region and street in Chinese, as an order keeps them (shown through names.stored)."""
        return f"{full_name(self.province_code, self.city_code, self.district_code)} {self.detail}".strip()


class CartItem(db.Model):
    """One variant of a product in a buyer's cart; the cart of a shop is its items with that
    shop's products."""

    __table_args__ = (UniqueConstraint("user_id", "variant_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variant.id"))
    quantity: Mapped[int] = mapped_column()
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()
    variant: Mapped[ProductVariant] = relationship()

    @property
    def subtotal_fen(self) -> int:
        return self.variant.price_fen * self.quantity
