from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.catalog import Product
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum
from webapp.orders.state import Action, Status


class PaymentMethod(StrEnum):
    """Paid at the door: no online gateway; the courier or the shop confirms the payment."""

    COD = "cod"
    CARD = "card"
    WECHAT = "wechat"
    ALIPAY = "alipay"


PAYMENT_LABELS = {PaymentMethod.COD: "货到付款（现金）", PaymentMethod.CARD: "货到刷卡",
                  PaymentMethod.WECHAT: "微信扫码付", PaymentMethod.ALIPAY: "支付宝扫码付"}
PAYMENT_STATUS_LABELS = {"unpaid": "未收款", "paid": "已收款"}


class Inspection(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Order(db.Model):
    __table_args__ = (UniqueConstraint("buyer_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), index=True)
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.PLACED, index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    payment_status: Mapped[str] = mapped_column(String(20), default="unpaid")
    recipient_name: Mapped[str] = mapped_column(String(40))
    recipient_mobile: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(200))
    # Snapshot of the chosen address-book entry: district code and optional map pin (WGS-84).
    district_code: Mapped[str] = mapped_column(String(12), default="")
    dest_lat: Mapped[float | None] = mapped_column()
    dest_lng: Mapped[float | None] = mapped_column()
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    items_fen: Mapped[int] = mapped_column()
    delivery_fee_fen: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column()
    # What the courier or shop confirmed collecting at the door (total less rejected lines).
    paid_fen: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # The accepted quote this order was placed from (webapp/demands); at most one order each.
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    buyer: Mapped[User] = relationship()
    shop: Mapped[Shop] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", order_by="OrderLine.id")
    events: Mapped[list["OrderEvent"]] = relationship(order_by="OrderEvent.id")
    delivery: Mapped["Delivery | None"] = relationship(back_populates="order")  # noqa: F821
    proof: Mapped["ProofOfDelivery | None"] = relationship(back_populates="order")  # noqa: F821


class OrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    title: Mapped[str] = mapped_column(String(80))
    unit_price_fen: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()
    inspection: Mapped[Inspection | None] = mapped_column(str_enum(Inspection))
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    # The buyer's photo of a rejected line (webapp/uploads name), shown to the order's parties.
    reject_photo: Mapped[str | None] = mapped_column(String(120))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    @property
    def subtotal_fen(self) -> int:
        return self.unit_price_fen * self.quantity


class OrderEvent(db.Model):
    """Append-only audit trail: one row per status change."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[Action | None] = mapped_column(str_enum(Action))
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status))
    to_status: Mapped[Status] = mapped_column(str_enum(Status))
    note: Mapped[str] = mapped_column(Text, default="")
    # A photo the actor attached (the courier's picture of a failed delivery), an uploads name.
    photo: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
