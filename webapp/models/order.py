from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.catalog import Product
from webapp.models.shop import Shop
from webapp.models.user import DELETED_NAME, User, shown_deleted_name, str_enum
from webapp.orders.state import FINAL, Action, Status


class PaymentMethod(StrEnum):
    """How the buyer pays. At the door: cash or card (the courier or the shop confirms it), or
    WeChat Pay / Alipay by scanning the courier's code for the amount due after inspection.
    Online: WeChat Pay or Alipay at checkout, before the shop sees the order."""

    COD = "cod"
    CARD = "card"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    WECHAT_ONLINE = "wechat_online"
    ALIPAY_ONLINE = "alipay_online"


PAYMENT_LABELS = {PaymentMethod.COD: "货到付款（现金）", PaymentMethod.CARD: "货到刷卡",
                  PaymentMethod.WECHAT: "微信扫码付", PaymentMethod.ALIPAY: "支付宝扫码付",
                  PaymentMethod.WECHAT_ONLINE: "微信支付（在线付款）",
                  PaymentMethod.ALIPAY_ONLINE: "支付宝（在线付款）"}
# Paid at the shop rather than to a courier, for an order collected there (到店自取); the scan
# methods and the online ones read the same either way.
PICKUP_PAYMENT_LABELS = {**PAYMENT_LABELS, PaymentMethod.COD: "到店付款（现金）",
                         PaymentMethod.CARD: "到店刷卡"}
ONLINE = frozenset({PaymentMethod.WECHAT_ONLINE, PaymentMethod.ALIPAY_ONLINE})
# The channel (webapp.models.payment.Channel value) each gateway method pays through.
METHOD_CHANNEL = {PaymentMethod.WECHAT: "wechat", PaymentMethod.WECHAT_ONLINE: "wechat",
                  PaymentMethod.ALIPAY: "alipay", PaymentMethod.ALIPAY_ONLINE: "alipay"}
PAYMENT_STATUS_LABELS = {"unpaid": "未收款", "paid": "已收款"}


def new_receipt_code() -> str:
    """A receipt code (收货码): six random digits, from the system's secure source."""
    return f"{secrets.randbelow(10**6):06d}"


class EventKind(StrEnum):
    """What happened to an order, as its history records it (worded by webapp.orders.events)."""

    PLACED = "placed"
    PLACED_FROM_QUOTE = "placed_from_quote"
    ACCEPTED = "accepted"
    REFUSED_BY_SHOP = "refused_by_shop"
    CANCELLED_BY_BUYER = "cancelled_by_buyer"
    CANCELLED_BY_SHOP = "cancelled_by_shop"
    EXPIRED = "expired"
    ASSIGNED = "assigned"
    STARTED = "started"
    ARRIVED = "arrived"
    FAILED = "failed"
    SIGNED = "signed"
    SIGNED_WITH_REFUSALS = "signed_with_refusals"
    REFUSED_AT_DOOR = "refused_at_door"
    PAID = "paid"
    PAID_ONLINE = "paid_online"          # the gateway confirmed a payment (channel, amount, id)
    PAYMENT_EXPIRED = "payment_expired"  # not paid in time: cancelled, stock back
    REFUND_OWED = "refund_owed"          # money owed back (amount, reason)
    REFUNDED = "refunded"                # the channel paid it back
    REFUND_FAILED = "refund_failed"      # the channel could not, after every attempt
    # Issue 19: after a failed delivery (webapp/orders/failures.py), and the goods coming back.
    RESCHEDULED_BY_BUYER = "rescheduled_by_buyer"  # a new window (start, end): dispatched again
    RESCHEDULED_BY_SHOP = "rescheduled_by_shop"
    TAKEN_BACK = "taken_back"              # the shop ended the failed delivery, goods back
    FAILURE_EXPIRED = "failure_expired"    # nobody acted for FAILED_DELIVERY_HOURS (hours)
    RETURN_OPENED = "return_opened"        # n items on their way back to the shop
    RETURN_RESTOCKED = "return_restocked"  # the shop has them; n items back on sale
    RETURN_WRITTEN_OFF = "return_written_off"  # the shop has them, not fit to sell again
    DEMAND_REOPENED = "demand_reopened"    # the demand it came from takes quotes again (demand)
    # A wrong receipt code on the courier's phone (webapp/orders/handover.py), never the code:
    RECEIPT_CODE_WRONG = "receipt_code_wrong"    # tries left
    RECEIPT_CODE_LOCKED = "receipt_code_locked"  # n wrong: signed on the buyer's phone only
    # Self-pickup (issue 21, webapp/orders/pickup.py): handed over at the counter for the buyer
    # to sign, or picked up with the pickup code matched.
    HANDED_OVER = "handed_over"
    PICKED_UP = "picked_up"
    # After-sales (webapp/aftersales): each step of a request, named by its number.
    AFTER_SALE_OPENED = "after_sale_opened"
    AFTER_SALE_AGREED = "after_sale_agreed"          # by the shop, or by its silence
    AFTER_SALE_REFUSED = "after_sale_refused"
    AFTER_SALE_ESCALATED = "after_sale_escalated"
    AFTER_SALE_FOR_BUYER = "after_sale_for_buyer"    # the platform's ruling
    AFTER_SALE_FOR_SHOP = "after_sale_for_shop"
    AFTER_SALE_SHIPPED = "after_sale_shipped"        # the buyer sent the goods back
    AFTER_SALE_RECEIVED = "after_sale_received"      # by the shop, or by its silence
    AFTER_SALE_WITHDRAWN = "after_sale_withdrawn"
    AFTER_SALE_CLOSED = "after_sale_closed"          # a deadline of the buyer's passed
    # The shop says it paid back a refund owed at the door (request, amount_fen, way).
    AFTER_SALE_DOOR_REFUNDED = "after_sale_door_refunded"

CANCELLATIONS = frozenset({EventKind.REFUSED_BY_SHOP, EventKind.CANCELLED_BY_BUYER,
                           EventKind.CANCELLED_BY_SHOP, EventKind.EXPIRED,
                           EventKind.PAYMENT_EXPIRED, EventKind.TAKEN_BACK,
                           EventKind.FAILURE_EXPIRED})
# Where the progress steps end: signed in one of three ways.
SIGNED_STATUSES = (Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED)


class Inspection(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Fulfilment(StrEnum):
    """How the buyer gets an order (issue 21): in a delivery window they chose, delivered as
    soon as possible (window_end is the promised time), or collected at the shop (到店自取;
    window_end is when it is promised ready)."""

    WINDOW = "window"
    ASAP = "asap"
    PICKUP = "pickup"


class Order(db.Model):
    __table_args__ = (
        UniqueConstraint("buyer_id", "idempotency_key"),
        # Paged lists (webapp/paging.py, webapp/orders/queries.py): the buyer's 全部 tab newest
        # first; each status of a buyer's tab or a board column as one index range by id (a
        # tab's page merges its statuses' ranges), which also serves the tab counts (grouped
        # COUNT) and the expiry sweep of one buyer's or one shop's placed orders.
        Index("ix_order_buyer_page", "buyer_id", "id"),
        Index("ix_order_buyer_status_page", "buyer_id", "status", "id"),
        Index("ix_order_shop_status_page", "shop_id", "status", "id"),
        # The shop's sales figures read a period's orders by when they reached it (webapp/stats).
        Index("ix_order_shop_placed", "shop_id", "placed_at"),
    )

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
    fulfilment: Mapped[Fulfilment] = mapped_column(str_enum(Fulfilment, 10),
                                                   default=Fulfilment.WINDOW,
                                                   server_default="window")
    items_fen: Mapped[int] = mapped_column()
    delivery_fee_fen: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column()
    # What the courier or shop confirmed collecting at the door (total less rejected lines).
    paid_fen: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # The accepted quote this order was placed from (webapp/demands); at most one order each.
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"), unique=True)
    # The receipt code (收货码) only the buyer is shown: whoever receives the goods for them
    # tells it to the courier, who enters it to let them sign on the courier's phone; wrong
    # codes entered so far (webapp/orders/handover.py locks the order at HANDOVER_CODE_ATTEMPTS).
    # Every order has one (migration 0019 gave the older ones theirs; nullable only because
    # SQLite cannot tighten an existing column without copying the table).
    receipt_code: Mapped[str | None] = mapped_column(String(6), default=new_receipt_code)
    receipt_code_misses: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # When it reached the shop's board (the acceptance deadline counts from here): at checkout,
    # or for an order paid online when the gateway confirmed the payment.
    placed_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    buyer: Mapped[User] = relationship()
    shop: Mapped[Shop] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(back_populates="order", order_by="OrderLine.id")
    events: Mapped[list["OrderEvent"]] = relationship(order_by="OrderEvent.id")
    delivery: Mapped["Delivery | None"] = relationship(back_populates="order")  # noqa: F821
    proof: Mapped["ProofOfDelivery | None"] = relationship(back_populates="order")  # noqa: F821
    # Online payments and refunds (webapp/models/payment.py), oldest first.
    payments: Mapped[list["Payment"]] = relationship(  # noqa: F821
        order_by="Payment.id", viewonly=True)
    refunds: Mapped[list["Refund"]] = relationship(order_by="Refund.id", viewonly=True)  # noqa: F821
    # The goods coming back to the shop, if any (webapp/models/returns.py, issue 19).
    goods_return: Mapped["OrderReturn | None"] = relationship(back_populates="order")  # noqa: F821

    @property
    def recipient_shown(self) -> str:
        """The recipient's name to show: its buyer deleted the account (the name blanked to
        DELETED_NAME with no mobile, which an address always has): in the reader's language."""
        if self.recipient_name == DELETED_NAME and not self.recipient_mobile:
            return shown_deleted_name()
        return self.recipient_name

    @property
    def is_pickup(self) -> bool:
        """Collected at the shop: no courier (webapp/orders/state.py PICKUP_TRANSITIONS)."""
        return self.fulfilment is Fulfilment.PICKUP

    @property
    def payment_label(self) -> str:
        """How the order is paid, as a message id (the `translate` filter words it): at the
        door for a delivery, at the shop for a pickup."""
        labels = PICKUP_PAYMENT_LABELS if self.is_pickup else PAYMENT_LABELS
        return labels.get(self.payment_method, str(self.payment_method))

    @property
    def prepaid(self) -> bool:
        """Paid online at checkout (not at the door)."""
        return self.payment_method in ONLINE

    @property
    def through_gateway(self) -> bool:
        """Paid through a channel's gateway: online, or by scanning the courier's code."""
        return self.payment_method in METHOD_CHANNEL

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    @property
    def refused_fen(self) -> int:
        """What the buyer does not pay for: the lines rejected at the door (0 before signing)."""
        return self.proof.refund_fen if self.proof is not None else 0

    @property
    def amount_due_fen(self) -> int:
        """What is collected at the door: the total less the rejected lines."""
        return self.total_fen - self.refused_fen

    @property
    def refund_due_fen(self) -> int:
        """Paid before inspecting, then lines rejected: the money owed back to the buyer."""
        return 0 if self.paid_fen is None else max(0, self.paid_fen - self.amount_due_fen)

    def _last_event(self, kinds) -> "OrderEvent | None":
        return next((e for e in reversed(self.events) if e.kind in kinds), None)

    @property
    def cancellation(self) -> "OrderEvent | None":
        """The event that called the order off (by whom and why), if it is cancelled or its
        failed delivery ended with the goods back at the shop."""
        if self.status not in (Status.CANCELLED, Status.RETURNED):
            return None
        return self._last_event(CANCELLATIONS)

    @property
    def failure(self) -> "OrderEvent | None":
        """The courier's report of the failed delivery, while the order waits for a new courier."""
        if self.status is not Status.DELIVERY_FAILED:
            return None
        return self._last_event({EventKind.FAILED})

    @property
    def step_times(self) -> dict[str, datetime]:
        """When the order last reached each status (moves only; a payment is no step), with
        "signed" for whichever of the three signed statuses it reached."""
        reached = {str(e.to_status): e.at for e in self.events if e.to_status != e.from_status}
        signed = [reached[str(s)] for s in SIGNED_STATUSES if str(s) in reached]
        if signed:
            reached["signed"] = signed[0]
        return reached


class OrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    # The variant whose stock the line took, and its name as ordered (a snapshot, like the
    # title and price; "" for a product's only, unnamed variant and for a free-text quote).
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("product_variant.id"))
    variant_name: Mapped[str] = mapped_column(String(20), default="", server_default="")
    title: Mapped[str] = mapped_column(String(80))
    unit_price_fen: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column()
    inspection: Mapped[Inspection | None] = mapped_column(str_enum(Inspection))
    # One of REJECT_REASONS (stored in the source language, shown translated) and the buyer's
    # own words beside it.
    reject_reason: Mapped[str] = mapped_column(String(200), default="")
    reject_note: Mapped[str] = mapped_column(String(100), default="")
    # The buyer's photo of a rejected line (webapp/uploads name), shown to the order's parties.
    reject_photo: Mapped[str | None] = mapped_column(String(120))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    @property
    def subtotal_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    @property
    def full_title(self) -> str:
        """The title with the variant's name as ordered (the title alone without one)."""
        return f"{self.title}（{self.variant_name}）" if self.variant_name else self.title


class OrderEvent(db.Model):
    """Append-only history: one row per status change or payment, as a kind and its parameters
    (never a sentence), worded in each reader's language by webapp.orders.events."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[Action | None] = mapped_column(str_enum(Action))
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status))
    to_status: Mapped[Status] = mapped_column(str_enum(Status))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, length=30))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # A photo the actor attached (the courier's picture of a failed delivery), an uploads name.
    photo: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
