from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.user import User, str_enum


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"


# The fields a reviewer can give a reason for, in the order forms and review pages show them.
REVIEWABLE = ("legal_name", "id_number", "uscc", "mobile", "shop_name", "handle_wish",
              "shop_address", "id_front", "id_back", "licence_photo")
DOCUMENTS = ("id_front", "id_back", "licence_photo")


class MerchantApplication(db.Model):
    """One version of a merchant's real-name data; fixing and resubmitting makes the next one."""

    __table_args__ = (
        UniqueConstraint("user_id", "version"),
        # The admin's review queues, paged oldest first by status (webapp/paging.py).
        Index("ix_application_queue_page", "status", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    legal_name: Mapped[str] = mapped_column(String(80), default="")
    id_number_encrypted: Mapped[bytes | None] = mapped_column()
    id_number_masked: Mapped[str] = mapped_column(String(18), default="")
    uscc: Mapped[str] = mapped_column(String(18), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    shop_name: Mapped[str] = mapped_column(String(60), default="")
    handle_wish: Mapped[str] = mapped_column(String(40), default="")
    province_code: Mapped[str] = mapped_column(String(12), default="")
    city_code: Mapped[str] = mapped_column(String(12), default="")
    district_code: Mapped[str] = mapped_column(String(12), default="")
    street: Mapped[str] = mapped_column(String(200), default="")
    # The full address as shown: region names and street.
    shop_address: Mapped[str] = mapped_column(String(200), default="")
    id_front: Mapped[str | None] = mapped_column(String(120))
    id_back: Mapped[str | None] = mapped_column(String(120))
    licence_photo: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), default=ApplicationStatus.DRAFT, index=True)
    # {field: reason} from the reviewer, shown beside each field to the merchant.
    review_notes: Mapped[dict] = mapped_column(JSON, default=dict)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    reviewed_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])


class AuditLog(db.Model):
    """Append-only: who did what to which record, and when (reviews, reveals, suspensions)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
