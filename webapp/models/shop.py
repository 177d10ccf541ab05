from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.user import User, str_enum


class ShopStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


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
    opening_hours: Mapped[str] = mapped_column(String(100), default="")
    logo: Mapped[str | None] = mapped_column(String(120))
    banner: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ShopStatus] = mapped_column(str_enum(ShopStatus), default=ShopStatus.ACTIVE)
    verified_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    suspended_at: Mapped[datetime | None] = mapped_column()
    suspended_reason: Mapped[str] = mapped_column(String(200), default="")

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
