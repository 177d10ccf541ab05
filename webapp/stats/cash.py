"""Money collected at the door, per courier and day: what the orders say was due against what the
courier confirmed receiving (webapp/orders/actions.confirm_payment records the confirmation as
the order's `paid_fen` and a PAID event naming who confirmed it).

Which orders: delivered by one of the shop's couriers and signed for (completed, or partly
refused) in the period, paid in cash or by card at the door, or by a scan the courier confirmed
as cash where the shop has no account at the channel. Due: the total less the lines refused at
the door. Payments the gateway confirmed (a scan paid, PAID_ONLINE) are not the courier's money
and are left out. The day is the signature's, in the shop's local time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from webapp.extensions import db
from webapp.models import Delivery, Order, OrderEvent, ProofOfDelivery, User
from webapp.models.order import EventKind, PaymentMethod
from webapp.models.user import DELETED_NAME, shown_deleted_name
from webapp.orders.state import Status
from webapp.stats.days import local_day
from webapp.stats.period import Period

CONFIRMED_BY_HAND = (PaymentMethod.COD, PaymentMethod.CARD)
DELIVERED = (Status.COMPLETED, Status.PARTIALLY_REFUSED)


@dataclass
class CashRow:
    day: date
    courier: str
    orders: int
    due_fen: int
    courier_fen: int   # confirmed received by this courier
    shop_fen: int      # confirmed by the shop instead
    unconfirmed: int   # orders nobody confirmed yet

    @property
    def difference_fen(self) -> int:
        """Due less everything confirmed: 0 when the money and the orders agree."""
        return self.due_fen - self.courier_fen - self.shop_fen


def cash_by_courier(shop_id: int, period: Period) -> list[CashRow]:
    """One row per day and courier, oldest day first, couriers by name."""
    # An order is confirmed paid once (a compare-and-set in confirm_payment): one PAID event.
    paid = aliased(OrderEvent)
    day = local_day(ProofOfDelivery.signed_at, period.zone, period.start, period.end).label("day")
    due = Order.total_fen - ProofOfDelivery.refund_fen
    by_courier = paid.actor_id == Delivery.courier_id
    by_other = and_(paid.actor_id.is_not(None), paid.actor_id != Delivery.courier_id)
    rows = db.session.execute(
        select(day, Delivery.courier_id, User.display_name, func.count(Order.id), func.sum(due),
               func.sum(case((by_courier, func.coalesce(Order.paid_fen, 0)), else_=0)),
               func.sum(case((by_other, func.coalesce(Order.paid_fen, 0)), else_=0)),
               func.sum(case((paid.id.is_(None), 1), else_=0)))
        .select_from(Order)
        .join(ProofOfDelivery, ProofOfDelivery.order_id == Order.id)
        .join(Delivery, Delivery.order_id == Order.id)
        .join(User, User.id == Delivery.courier_id)
        .outerjoin(paid, and_(paid.order_id == Order.id, paid.kind == EventKind.PAID))
        .where(Order.shop_id == shop_id, Order.status.in_(DELIVERED),
               ProofOfDelivery.signed_at >= period.start, ProofOfDelivery.signed_at < period.end,
               or_(Order.payment_method.in_(CONFIRMED_BY_HAND), paid.order_id.is_not(None)))
        .group_by(day, Delivery.courier_id, User.display_name)
        .order_by(day, User.display_name, Delivery.courier_id)).all()
    # A courier who deleted the account is named in the reader's language (User.shown_name).
    return [CashRow(date.fromisoformat(str(r[0])),
                    shown_deleted_name() if r[2] == DELETED_NAME else r[2], r[3],
                    *(int(v or 0) for v in r[4:])) for r in rows]


def totals(rows: list[CashRow]) -> CashRow | None:
    """The rows added up (day and courier left empty), or None without rows."""
    if not rows:
        return None
    return CashRow(rows[0].day, "", sum(r.orders for r in rows), sum(r.due_fen for r in rows),
                   sum(r.courier_fen for r in rows), sum(r.shop_fen for r in rows),
                   sum(r.unconfirmed for r in rows))
