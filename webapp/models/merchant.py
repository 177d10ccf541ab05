from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.user import User, str_enum


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class MerchantApplication(db.Model):
    """One real-name submission; a resubmission is a new row with the next version."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    legal_name: Mapped[str] = mapped_column(String(80))
    id_number_encrypted: Mapped[bytes] = mapped_column()
    id_number_masked: Mapped[str] = mapped_column(String(18))
    uscc: Mapped[str] = mapped_column(String(18))
    mobile: Mapped[str] = mapped_column(String(20))
    shop_name: Mapped[str] = mapped_column(String(60))
    shop_address: Mapped[str] = mapped_column(String(200))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), default=ApplicationStatus.SUBMITTED, index=True)
    review_notes: Mapped[dict] = mapped_column(JSON, default=dict)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
