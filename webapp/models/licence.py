"""A shop's licence for regulated categories (issue 21): uploaded by its merchant with kind,
number, expiry and a photo, reviewed field by field by an admin (webapp/licences/)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.licences.rules import LicenceKind
from webapp.licences.state import LicenceStatus
from webapp.models.base import db, utcnow
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum

# The fields a reviewer gives a reason for, in the order the pages show them.
LICENCE_FIELDS = ("kind", "number", "expires_on", "photo")


class ShopLicence(db.Model):
    """One licence as uploaded; a renewal is another row. Valid while APPROVED and
    `expires_at` (the end of `expires_on`, Beijing time, in UTC) is still ahead."""

    __table_args__ = (
        # What a shop may sell: its approved licences of a kind, by expiry (webapp/licences).
        Index("ix_licence_valid", "shop_id", "kind", "status", "expires_at"),
        # The admin's queue, oldest first; and the next expiry, which bounds the kept pages.
        Index("ix_licence_queue", "status", "submitted_at", "id"),
        Index("ix_licence_expiry", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    kind: Mapped[LicenceKind] = mapped_column(str_enum(LicenceKind, length=10))
    number: Mapped[str] = mapped_column(String(40))
    expires_on: Mapped[date] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    photo: Mapped[str] = mapped_column(String(120))
    status: Mapped[LicenceStatus] = mapped_column(str_enum(LicenceStatus),
                                                  default=LicenceStatus.SUBMITTED)
    # {field: reason} from the reviewer, shown beside each field to the merchant.
    review_notes: Mapped[dict] = mapped_column(JSON, default=dict)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The expiry notices already sent ([30, 7]: days before), so each goes once.
    notices: Mapped[list] = mapped_column(JSON, default=list)

    shop: Mapped[Shop] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
