"""Goods coming back to the shop (issue 19): one return per order at most, for the lines that
come back, confirmed once by the shop on receipt (webapp/orders/returns.py)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import JSON, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.i18n import N_
from webapp.models.base import db, utcnow
from webapp.models.order import Order
from webapp.models.user import User, str_enum
from webapp.orders.return_state import ReturnCause, ReturnStatus

RETURN_LABELS = {ReturnStatus.AWAITED: N_("待商家确认收货"),
                 ReturnStatus.RESTOCKED: N_("商家已收货，已恢复库存"),
                 ReturnStatus.WRITTEN_OFF: N_("商家已收货，无法再售，未恢复库存")}


class OrderReturn(db.Model):
    """The goods of a failed delivery that was ended, or the lines refused at the door, on their
    way back to the shop. The shop's confirmation moves it once (AWAITED -> RESTOCKED puts the
    lines back on sale, -> WRITTEN_OFF does not), with one conditional UPDATE."""

    __tablename__ = "order_return"
    # A shop's returns still awaited (its board's notice).
    __table_args__ = (Index("ix_order_return_shop_status", "shop_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    cause: Mapped[ReturnCause] = mapped_column(str_enum(ReturnCause))
    # The order lines that come back, as [[line id, quantity], …].
    lines: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[ReturnStatus] = mapped_column(str_enum(ReturnStatus),
                                                 default=ReturnStatus.AWAITED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column()
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    order: Mapped[Order] = relationship(back_populates="goods_return")
    received_by: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        """The status in the page's language."""
        return gettext(RETURN_LABELS[self.status])

    @property
    def quantity(self) -> int:
        """How many items come back, over all its lines."""
        return sum(quantity for _, quantity in self.lines)

    @property
    def items(self) -> list[tuple[str, int]]:
        """What comes back: each line's title and how many of it."""
        titles = {line.id: line.title for line in self.order.lines}
        return [(titles.get(line_id, ""), quantity) for line_id, quantity in self.lines]
