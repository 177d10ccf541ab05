from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.order import Order
from webapp.models.user import User


class Delivery(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    courier_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    arrived_at: Mapped[datetime | None] = mapped_column()
    last_lat: Mapped[float | None] = mapped_column()
    last_lng: Mapped[float | None] = mapped_column()
    last_accuracy: Mapped[float | None] = mapped_column()
    last_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship(back_populates="delivery")
    courier: Mapped[User] = relationship()


class TrackPoint(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    lat: Mapped[float] = mapped_column()
    lng: Mapped[float] = mapped_column()
    accuracy: Mapped[float | None] = mapped_column()
    speed: Mapped[float | None] = mapped_column()
    heading: Mapped[float | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProofOfDelivery(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    signer_name: Mapped[str] = mapped_column(String(40))
    signer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    accepted_lines: Mapped[list] = mapped_column(JSON, default=list)
    digest: Mapped[str] = mapped_column(String(64))

    order: Mapped[Order] = relationship(back_populates="proof")
