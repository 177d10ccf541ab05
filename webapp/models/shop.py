from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.user import User, str_enum


class ShopStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"  # its owner deleted the account (webapp/me/deletion.py): hidden for good


class Shop(db.Model):
    # The admin's suspended queue and its count start from the suspended shops (webapp/paging.py).
    __table_args__ = (Index("ix_shop_status_owner", "status", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("merchant_application.id"))
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    # GB/T 2260 district code of the shop, from its approved application: buyers nearby see it.
    district_code: Mapped[str] = mapped_column(String(12), default="", index=True)
    # Delivery windows the shop offers: "9-11,11-13" (local hours), for the next N days, from
    # `delivery_lead_minutes` ahead; and a flat delivery fee added to each order.
    delivery_slots: Mapped[str] = mapped_column(String(100), default="9-11,11-13,13-15,15-17,17-19,19-21")
    delivery_days: Mapped[int] = mapped_column(default=3)
    delivery_lead_minutes: Mapped[int] = mapped_column(default=60)
    delivery_fee_fen: Mapped[int] = mapped_column(default=0)
    # Opening hours (issue 21, webapp/shops/hours.py): seven days from Monday, "|" between days,
    # up to two "HH:MM-HH:MM" ranges a day ("," between; 24:00 ends a day; a day left empty is
    # closed); "" = hours not set, always open. Closed dates: "YYYY-MM-DD" joined by ",".
    weekly_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    closed_days: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The shop's location (WGS-84), for the ASAP promise's distance (webapp/shops/promise.py).
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    # Minutes to prepare an order; busy mode (tapped on the board, or by itself at
    # `busy_auto_orders` open orders, 0 = never) adds `busy_extra_minutes` to every promise.
    prep_minutes: Mapped[int] = mapped_column(default=15, server_default="15")
    busy: Mapped[bool] = mapped_column(default=False, server_default=false())
    busy_extra_minutes: Mapped[int] = mapped_column(default=20, server_default="20")
    busy_auto_orders: Mapped[int] = mapped_column(default=0, server_default="0")
    # New orders accepted at once, through the same service as the board's button.
    auto_accept: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A public phone number (E.164: a mainland mobile, or a landline with its area code) and the
    # owner's agreement to show it: on the shop's page and its buyers' order pages, only when
    # both are there (webapp/merchants/phone.py).
    public_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    phone_shown: Mapped[bool] = mapped_column(default=False, server_default=false())
    logo: Mapped[str | None] = mapped_column(String(120))
    banner: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ShopStatus] = mapped_column(str_enum(ShopStatus), default=ShopStatus.ACTIVE)
    verified_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column()
    suspended_reason: Mapped[str] = mapped_column(String(200), default="")

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    @property
    def phone_to_show(self) -> str:
        """The public number (E.164) where its owner agreed to show it; '' otherwise."""
        return self.public_phone if self.phone_shown and self.public_phone else ""
