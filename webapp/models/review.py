"""Reviews (评价) of signed orders, and the reports that bring one to an admin (issue 19).

A review is never deleted: an admin may fold it (it stays readable behind its fold reason) and
unfold it again; visibility moves only as webapp/reviews/state.py says."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.order import Order
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum
from webapp.reviews.state import Visibility


class Review(db.Model):
    __table_args__ = (
        # A shop's reviews, newest first, a page at a time (webapp/reviews/queries.py), and its
        # scores summed along the same index.
        Index("ix_review_shop_page", "shop_id", "id"),
        # The admin's queue: reviews with open reports, oldest report first; and the folded ones.
        Index("ix_review_reported_page", "reported_at", "id"),
        Index("ix_review_folded_page", "folded_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One review per order: the unique constraint decides a double submit.
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    goods_score: Mapped[int] = mapped_column(SmallInteger)
    delivery_score: Mapped[int] = mapped_column(SmallInteger)
    service_score: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(String(500), default="")
    # Up to three webapp/uploads names, shown to anyone once posted.
    photos: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The buyer's one follow-up (追评), and the shop's one public reply.
    followup_text: Mapped[str | None] = mapped_column(String(500))
    followup_at: Mapped[datetime | None] = mapped_column()
    reply_text: Mapped[str | None] = mapped_column(String(500))
    reply_at: Mapped[datetime | None] = mapped_column()
    visibility: Mapped[Visibility] = mapped_column(str_enum(Visibility), default=Visibility.SHOWN)
    # The fold's reason: one of webapp/reviews/reasons.py REASONS (a msgid, shown translated).
    fold_reason: Mapped[str] = mapped_column(String(40), default="")
    folded_at: Mapped[datetime | None] = mapped_column()
    # Reports not yet looked at: their number and when the first of them came.
    open_reports: Mapped[int] = mapped_column(default=0)
    reported_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship()
    shop: Mapped[Shop] = relationship()
    buyer: Mapped[User] = relationship()

    @property
    def folded(self) -> bool:
        return self.visibility is Visibility.FOLDED

    @property
    def average(self) -> float:
        return (self.goods_score + self.delivery_score + self.service_score) / 3


class ReviewReport(db.Model):
    """Someone signed in found a review wrong; one report per person per review."""

    __table_args__ = (UniqueConstraint("review_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "folded" or "dismissed", when an admin looked at it.
    outcome: Mapped[str | None] = mapped_column(String(20))
    resolved_at: Mapped[datetime | None] = mapped_column()

    reporter: Mapped[User] = relationship()
