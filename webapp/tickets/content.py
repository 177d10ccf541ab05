"""What a ticket says, read once from the order: the page (templates/tickets/ticket.html) and
the printer (webapp/tickets/escpos.py) word and lay out the same facts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Order
from webapp.models.order import PAYMENT_STATUS_LABELS
from webapp.regions import names


@dataclass(frozen=True)
class Line:
    title: str
    variant: str  # "" when the line has none
    quantity: int
    unit_fen: int
    subtotal_fen: int


@dataclass(frozen=True)
class Ticket:
    shop: str
    order_id: int
    day_number: int  # the shop's Nth order of its day: the short code called out at the counter
    placed_at: datetime  # in the shop's zone, like every time below
    lines: tuple[Line, ...]
    note: str
    fulfilment: str  # window, asap (window_end: the promised time) or pickup (ready by window_end)
    recipient: str
    mobile: str
    address: str
    window_start: datetime
    window_end: datetime
    payment_method: str  # catalog words (Chinese source strings), worded where shown
    payment_status: str
    items_fen: int
    delivery_fee_fen: int
    total_fen: int

    @property
    def pickup(self) -> bool:
        return self.fulfilment == "pickup"

    @property
    def short_code(self) -> str:
        return f"#{self.day_number}"


def shop_zone() -> ZoneInfo:
    """The shops' zone (TIMEZONE): a ticket is read at the counter, whoever prints it."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(zone)


def day_number(order: Order, zone: ZoneInfo) -> int:
    """How many of the shop's orders were placed that day (in the shop's zone) up to this one."""
    placed = local(order.created_at, zone)
    midnight = placed.replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight.astimezone(UTC).replace(tzinfo=None)
    return db.session.scalar(select(func.count(Order.id)).where(
        Order.shop_id == order.shop_id, Order.created_at >= start, Order.id <= order.id)) or 1


def ticket_for(order: Order) -> Ticket:
    """The ticket of `order` (already scoped to its shop by the caller)."""
    zone = shop_zone()
    lines = tuple(Line(title=line.title, variant=getattr(line, "variant_name", "") or "",
                       quantity=line.quantity, unit_fen=line.unit_price_fen,
                       subtotal_fen=line.subtotal_fen) for line in order.lines)
    return Ticket(
        shop=order.shop.name, order_id=order.id, day_number=day_number(order, zone),
        placed_at=local(order.created_at, zone), lines=lines, note=order.note or "",
        # How the buyer gets it, where the orders know (issue 21's ASAP and self-pickup).
        fulfilment=str(getattr(order, "fulfilment", None) or "window"),
        recipient=order.recipient_name or "", mobile=order.recipient_mobile or "",
        address=names.stored(order.address or "", order.district_code or ""),
        window_start=local(order.window_start, zone), window_end=local(order.window_end, zone),
        payment_method=order.payment_label,
        payment_status=PAYMENT_STATUS_LABELS.get(order.payment_status, order.payment_status),
        items_fen=order.items_fen, delivery_fee_fen=order.delivery_fee_fen or 0,
        total_fen=order.total_fen)
