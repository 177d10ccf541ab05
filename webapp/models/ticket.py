"""Order tickets (小票): the shop's network receipt printer and each print sent to it
(webapp/tickets)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import db, utcnow


class ShopPrinter(db.Model):
    """A shop's ESC/POS printer on its own network (raw TCP, usually port 9100), set by its
    owner; a shop without a row has no printer and prints from the ticket page only."""

    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"), primary_key=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(default=9100)
    paper_mm: Mapped[int] = mapped_column(default=58)  # 58 or 80
    auto_print: Mapped[bool] = mapped_column(default=True)  # print each order as it is accepted
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TicketPrint(db.Model):
    """One ticket sent (or being sent) to the shop's printer: queued in the transaction that
    asked for it, then printed or failed (webapp/tickets/state.py) once the printer answered or
    the time ran out. A test print has no order."""

    __table_args__ = (Index("ix_ticket_print_order", "order_id", "id"),
                      Index("ix_ticket_print_shop", "shop_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))
    trigger: Mapped[str] = mapped_column(String(10))  # accept, again, test
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, printed, failed
    error: Mapped[str] = mapped_column(String(200), default="")
    printer: Mapped[str] = mapped_column(String(260), default="")  # host:port it went to
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
