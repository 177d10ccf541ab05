from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.order import Order
from webapp.models.user import User, shown_deleted_name


class Delivery(db.Model):
    # The courier's finished deliveries, paged newest order first (webapp/delivery/services.py).
    __table_args__ = (Index("ix_delivery_courier_page", "courier_id", "order_id"),)

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
    # The newest fix time of the positions the phone queued offline and sent late: a later batch
    # must start after it, so late fixes can never outnumber the seconds that passed.
    late_until: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship(back_populates="delivery")
    courier: Mapped[User] = relationship()


class TrackPoint(db.Model):
    # Every position reads the delivery's last two minutes of points (the ETA's speed) and the
    # map reads its trail in order: by delivery, then time, however long the delivery grows.
    __table_args__ = (Index("ix_track_point_delivery_id_recorded_at", "delivery_id",
                            "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"))
    lat: Mapped[float] = mapped_column()
    lng: Mapped[float] = mapped_column()
    accuracy: Mapped[float | None] = mapped_column()
    speed: Mapped[float | None] = mapped_column()
    heading: Mapped[float | None] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Taken while the phone was offline and sent on reconnect: part of the trail, never the
    # courier's current position. recorded_at is then when the fix was taken.
    late: Mapped[bool] = mapped_column(default=False, server_default=false())


class ProofOfDelivery(db.Model):
    # The sales figures' cash-at-the-door table reads a period's signatures (webapp/stats/cash.py).
    __table_args__ = (Index("ix_proof_of_delivery_signed_at", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    signature_png: Mapped[bytes] = mapped_column(LargeBinary)
    signer_name: Mapped[str] = mapped_column(String(40))
    signer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The courier's last position when the buyer signed: where, how precise, when it was taken.
    lat: Mapped[float | None] = mapped_column()
    lng: Mapped[float | None] = mapped_column()
    accuracy: Mapped[float | None] = mapped_column()
    position_at: Mapped[datetime | None] = mapped_column()
    # Scheme 1 (before migration 0006): line ids only. Scheme 2: one object per line with title,
    # quantity and price; rejected lines carry the reason and their photo's SHA-256.
    accepted_lines: Mapped[list] = mapped_column(JSON, default=list)
    rejected_lines: Mapped[list] = mapped_column(JSON, default=list)
    # What the buyer does not pay for: the rejected lines (everything when all are rejected).
    refund_fen: Mapped[int] = mapped_column(default=0)
    # Scheme 3 (from migration 0015): the payment as known at signature: method, amount due,
    # amount paid, channel and transaction id, refund owed (webapp/orders/signing.py). None before.
    payment: Mapped[dict | None] = mapped_column(JSON)
    # Scheme 4 (from migration 0019): where it was signed, "buyer" (the buyer's own account) or
    # "courier" (handed over on the courier's phone), and whether the receipt code was entered
    # and matched there (None on the buyer's own phone, which needs no code). None before.
    signed_on: Mapped[str | None] = mapped_column(String(10))
    code_matched: Mapped[bool | None] = mapped_column()
    # Scheme 5 (from migration 0034): the digest covers the name and the signature through
    # these hashes, sha256(salt + name) with 16 random bytes of salt, and sha256(png), not the
    # name and image themselves, so deleting the account can erase both (webapp/me/deletion.py)
    # and the rest of the proof still verifies. The salt is erased with the name: without it the
    # hash cannot be matched against guessed names. None on older schemes.
    signer_name_salt: Mapped[str | None] = mapped_column(String(32))
    signer_name_sha256: Mapped[str | None] = mapped_column(String(64))
    signature_sha256: Mapped[str | None] = mapped_column(String(64))
    # When the name and signature were erased (signer_name then holds DELETED_NAME and
    # signature_png is empty); None while they are kept.
    erased_at: Mapped[datetime | None] = mapped_column()
    # Which facts proof_digest() covers; proofs signed before 0006 keep scheme 1, before 0015 2,
    # before 0019 3, before 0034 4.
    scheme: Mapped[int] = mapped_column(default=5)
    digest: Mapped[str] = mapped_column(String(64))

    order: Mapped[Order] = relationship(back_populates="proof")

    @property
    def signer_shown(self) -> str:
        """The signer's name to show: an erased one as the deleted-user name, in the reader's
        language."""
        return shown_deleted_name() if self.erased_at is not None else self.signer_name
