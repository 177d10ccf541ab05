"""Buyers' demands and merchants' sealed quotes on them."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.catalog import categories
from webapp.i18n import N_
from webapp.models.base import db, utcnow
from webapp.models.catalog import Product, ProductVariant
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum
from webapp.regions.names import of_district


class DemandStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # the buyer took one quote; it became an order
    CLOSED = "closed"  # the buyer called it off
    EXPIRED = "expired"  # its needed-by time passed while it was open


class QuoteStatus(StrEnum):
    LIVE = "live"
    WITHDRAWN = "withdrawn"  # by its shop, before the buyer decided
    DECLINED = "declined"  # by the buyer, this quote only
    ACCEPTED = "accepted"
    NOT_CHOSEN = "not_chosen"  # the buyer took another quote or closed the demand
    EXPIRED = "expired"  # its valid-until (or the demand's needed-by) passed
    FELL_THROUGH = "fell_through"  # accepted, but its order was cancelled or came back (issue 19)


DEMAND_LABELS = {DemandStatus.OPEN: N_("报价中"), DemandStatus.ACCEPTED: N_("已成交"),
                 DemandStatus.CLOSED: N_("已关闭"), DemandStatus.EXPIRED: N_("已过期")}
QUOTE_LABELS = {QuoteStatus.LIVE: N_("有效"), QuoteStatus.WITHDRAWN: N_("已撤回"),
                QuoteStatus.DECLINED: N_("买家已婉拒"), QuoteStatus.ACCEPTED: N_("已被选中"),
                QuoteStatus.NOT_CHOSEN: N_("未被选中"), QuoteStatus.EXPIRED: N_("已过期"),
                QuoteStatus.FELL_THROUGH: N_("订单已取消")}


class Demand(db.Model):
    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("budget_fen IS NULL OR budget_fen > 0", name="budget_positive"),
        # The merchants' feed: open demands of one district, newest first.
        Index("ix_demand_feed", "district_code", "status", "needed_by"),
        # Paged lists (webapp/paging.py): the feed a page at a time, newest first (its category
        # in the index too: the category filter reads no table row), and the
        # buyer's own demands, newest first.
        Index("ix_demand_feed_page", "district_code", "status", "id", "category"),
        # The feed's count: the district's open demands in the shop's categories, counted along
        # the index without sorting them by category first.
        Index("ix_demand_feed_count", "district_code", "status", "category"),
        Index("ix_demand_buyer_page", "buyer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    # Re-encoded photo under UPLOAD_DIR (webapp/uploads.py), shown only to the buyer and to the
    # merchants who may quote.
    photo: Mapped[str | None] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column()
    budget_fen: Mapped[int | None] = mapped_column()
    # GB/T 2260 district; its first 2 and 4 digits are the province and the city.
    district_code: Mapped[str] = mapped_column(String(12))
    # The demand expires then: no quotes, no accepting after it.
    needed_by: Mapped[datetime] = mapped_column()
    status: Mapped[DemandStatus] = mapped_column(str_enum(DemandStatus),
                                                 default=DemandStatus.OPEN)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    buyer: Mapped[User] = relationship()
    quotes: Mapped[list["Quote"]] = relationship(back_populates="demand", order_by="Quote.id")

    @property
    def region_text(self) -> str:
        return of_district(self.district_code or "")

    @property
    def category_label(self) -> str:
        return categories.category_label(self.category)

    @property
    def label(self) -> str:
        """The status in the page's language."""
        return gettext(DEMAND_LABELS[self.status])


class Quote(db.Model):
    __table_args__ = (
        CheckConstraint("unit_price_fen > 0", name="unit_price_positive"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("delivery_fee_fen >= 0", name="delivery_fee_not_negative"),
        # One live quote per shop per demand: the database says no to a second one, whatever
        # races in (two tabs, a double tap).
        Index("uq_quote_live_per_shop", "demand_id", "shop_id", unique=True,
              sqlite_where=text("status = 'live'"), postgresql_where=text("status = 'live'")),
        # The shop's own quotes, paged, the latest changed first (webapp/paging.py).
        Index("ix_quote_shop_page", "shop_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demand.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    # One of the shop's products, or None for a free-text item; `title` is what is offered.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    # The variant of that product quoted (its stock is taken on accept); None for free text.
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variant.id"))
    title: Mapped[str] = mapped_column(String(80))
    unit_price_fen: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()
    delivery_fee_fen: Mapped[int] = mapped_column(default=0)
    earliest_delivery: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[QuoteStatus] = mapped_column(str_enum(QuoteStatus), default=QuoteStatus.LIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()

    demand: Mapped[Demand] = relationship(back_populates="quotes")
    shop: Mapped[Shop] = relationship()
    product: Mapped[Product | None] = relationship()
    variant: Mapped[ProductVariant | None] = relationship()

    @property
    def full_title(self) -> str:
        """What is offered, with the variant's name when the product has a choice."""
        name = self.variant.name if self.variant is not None else ""
        return f"{self.title}（{name}）" if name else self.title

    @property
    def items_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    @property
    def total_fen(self) -> int:
        return self.items_fen + self.delivery_fee_fen

    @property
    def label(self) -> str:
        """The status in the page's language."""
        return gettext(QUOTE_LABELS[self.status])
