"""After-sales requests (售后, issue 19): after signing, the buyer asks for a refund only or a
return and refund of chosen lines; the shop agrees or refuses before a deadline, a refusal may be
escalated to the platform. Statuses move only as webapp/aftersales/state.py says; each move is
a row of the request's own history and an order event."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.aftersales.door_state import DoorMethod, DoorRefund
from webapp.aftersales.state import Action, Kind, Status
from webapp.models.base import db, utcnow
from webapp.models.order import Order, OrderLine
from webapp.models.payment import Refund
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum


class AfterSale(db.Model):
    __tablename__ = "after_sale"
    __table_args__ = (
        # A double tap sends the same key: the same request comes back.
        UniqueConstraint("buyer_id", "idempotency_key"),
        # The order's requests are numbered as they are made: two made at once from the same
        # reading of what is left both take the next number, and the database lets one in.
        UniqueConstraint("order_id", "seq"),
        # The shop's list (its open requests by deadline), the admin's queue (escalated, oldest
        # first) and the sweep (timed statuses past their deadline), each along one index.
        Index("ix_after_sale_shop_status_due", "shop_id", "status", "due_at", "id"),
        Index("ix_after_sale_status_due", "status", "due_at", "id"),
        # Door refunds the shop has not confirmed: the shop's 待退款 tab and the admin's
        # overdue list (owed since updated_at, the moment the request was refunded).
        Index("ix_after_sale_door_refund", "door_refund", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    seq: Mapped[int] = mapped_column()
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    status: Mapped[Status] = mapped_column(str_enum(Status), default=Status.REQUESTED)
    # One of webapp.aftersales.policy.REASONS (a code), and the buyer's own words.
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Up to three photos (webapp/uploads names), shown to the parties and the platform.
    photos: Mapped[list] = mapped_column(JSON, default=list)
    amount_fen: Mapped[int] = mapped_column()
    # When the current step's time runs out (the shop's answer, the escalation, the return, the
    # receipt): TIMEOUT then moves it (state.TIMED). None in a final status.
    due_at: Mapped[datetime | None] = mapped_column()
    shop_note: Mapped[str] = mapped_column(String(500), default="")  # why the shop refused
    buyer_statement: Mapped[str] = mapped_column(String(500), default="")  # on escalating
    return_note: Mapped[str] = mapped_column(String(200), default="")  # how it was sent back
    ruling_note: Mapped[str] = mapped_column(String(500), default="")  # the platform's reasons
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refund.id"))
    # Refunded with nothing paid through a gateway (cash or card at the door): the shop owes
    # the amount until it says it paid it back (webapp/aftersales/door_state.py).
    door_refund: Mapped[DoorRefund | None] = mapped_column(str_enum(DoorRefund))
    door_refund_paid_at: Mapped[datetime | None] = mapped_column()
    door_refund_method: Mapped[DoorMethod | None] = mapped_column(str_enum(DoorMethod))
    door_refund_note: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    shop: Mapped[Shop] = relationship()
    buyer: Mapped[User] = relationship()
    refund: Mapped[Refund | None] = relationship()
    lines: Mapped[list["AfterSaleLine"]] = relationship(order_by="AfterSaleLine.id",
                                                        back_populates="after_sale")
    history: Mapped[list["AfterSaleEvent"]] = relationship(order_by="AfterSaleEvent.id")


class AfterSaleLine(db.Model):
    __tablename__ = "after_sale_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    after_sale_id: Mapped[int] = mapped_column(ForeignKey("after_sale.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    quantity: Mapped[int] = mapped_column()
    amount_fen: Mapped[int] = mapped_column()

    after_sale: Mapped[AfterSale] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()


class AfterSaleEvent(db.Model):
    """The request's own history: one row per move (and its opening), as the action and its
    facts, never a sentence (worded by webapp.aftersales.labels)."""

    __tablename__ = "after_sale_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    after_sale_id: Mapped[int] = mapped_column(ForeignKey("after_sale.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[Action | None] = mapped_column(str_enum(Action))  # None: the opening
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status))
    to_status: Mapped[Status] = mapped_column(str_enum(Status))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
