"""Money through the platform (issue 18): a shop's accounts at the payment channels, each online
payment of an order, and each refund owed. Statuses move only as webapp/payments/state.py says;
every change is also an order event (webapp/orders/events.py words them)."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.order import Order
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum
from webapp.payments.state import AccountStatus, PaymentState, RefundState


class Channel(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"


class Purpose(StrEnum):
    PREPAY = "prepay"    # paid online at checkout, before the shop sees the order
    AT_DOOR = "at_door"  # paid by scanning the courier's code after inspection


class ShopPaymentAccount(db.Model):
    """A shop's own merchant account at one channel, which the platform's service-provider app
    acts for (WeChat Pay `sub_mchid`; Alipay the shop's user id with its `app_auth_token`, kept
    encrypted). Used only once an admin approved it."""

    # The admin's queue reads the submitted ones oldest first (webapp/payments/shop_accounts.py).
    __table_args__ = (UniqueConstraint("shop_id", "channel"),
                      Index("ix_payment_account_queue", "status", "submitted_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, length=10))
    merchant_id: Mapped[str] = mapped_column(String(32))
    auth_token_encrypted: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AccountStatus] = mapped_column(str_enum(AccountStatus),
                                                  default=AccountStatus.SUBMITTED)
    review_note: Mapped[str] = mapped_column(String(200), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the merchant last entered the data, and how many times they have: an admin's decision
    # names the revision it was shown, so data changed meanwhile is never approved unseen.
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    shop: Mapped[Shop] = relationship()
    reviewed_by: Mapped[User | None] = relationship()


class Payment(db.Model):
    """One attempt to be paid through a channel: the buyer may retry or change channel, so an
    order may have several, at most one of them paid (webapp/payments/records.py)."""

    # The reconciliation sweep reads pending payments oldest first.
    __table_args__ = (Index("ix_payment_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, length=10))
    purpose: Mapped[Purpose] = mapped_column(str_enum(Purpose, length=10))
    kind: Mapped[str] = mapped_column(String(12))  # webapp.payments.channels.PaymentKind value
    out_trade_no: Mapped[str] = mapped_column(String(32), unique=True)
    # The shop's account it was made for (WeChat sub_mchid / Alipay seller id): a notification
    # is checked against it, whatever the shop's account is now.
    merchant_id: Mapped[str] = mapped_column(String(32), default="", server_default="")
    amount_fen: Mapped[int] = mapped_column()
    status: Mapped[PaymentState] = mapped_column(str_enum(PaymentState, length=10),
                                                 default=PaymentState.PENDING)
    # Where the buyer pays: the gateway page's URL (mobile web) or the QR code's text.
    link: Mapped[str] = mapped_column(Text, default="")
    transaction_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship()


class Refund(db.Model):
    """Money owed back on a paid payment: rejected lines, a cancellation after payment, or a
    payment that arrived after its order expired. Sent to the channel's refund API, tried again
    until it is through or `attempts` run out."""

    # The refund sweep reads the ones due.
    __table_args__ = (Index("ix_refund_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    out_refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount_fen: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(30))  # webapp.payments.records.REFUND_REASONS
    # The order lines it pays back, as [[line id, quantity], …] (empty: not line by line).
    lines: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[RefundState] = mapped_column(str_enum(RefundState, length=12),
                                                default=RefundState.REQUESTED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    refund_id: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship()
    payment: Mapped[Payment] = relationship()
