"""A shop's sales figures over a period, each one aggregate statement (grouped in the database,
along the order's (shop_id, placed_at) index, migration 0032).

Which orders count, as the page says (templates/stats/_definitions.html):
- The period's orders are those that reached the shop's board in it (`placed_at`: at checkout,
  or once paid for an order paid online; an online order never paid never reached the shop).
- Revenue counts every such order not cancelled, not returned after a failed delivery and not
  refused whole at the door, open orders included: its total with the delivery fee, less the
  lines refused at the door. After-sales refunds are not taken off (their rate is shown).
- Cancelled orders (by the shop's refusal, the buyer, the shop, or the acceptance deadline) and
  returned ones are counted apart, by who called them off.
- Door refusals, after-sales and on-time are shares of the signed orders (a proof of delivery):
  refused = at least one line refused at the door; on time = signed by the window's end.
- Quote win rate: of the quotes the shop sent in the period, those the buyer accepted (an
  accepted quote whose order later fell through still counts as won)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, distinct, func, select

from webapp.aftersales.state import Status as AfterSaleStatus
from webapp.extensions import db
from webapp.models import AfterSale, Order, OrderEvent, OrderLine, ProofOfDelivery
from webapp.models.demand import Quote, QuoteStatus
from webapp.models.order import ONLINE, EventKind, Inspection, PaymentMethod
from webapp.orders.state import Status
from webapp.stats.days import local_day
from webapp.stats.period import Period

TOP_PRODUCTS = 10
NOT_SOLD = (Status.CANCELLED, Status.RETURNED, Status.REFUSED, Status.AWAITING_PAYMENT)
SIGNED = (Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED)
WON = (QuoteStatus.ACCEPTED, QuoteStatus.FELL_THROUGH)
# Who called an order off, in the order the page lists them (webapp/stats/labels.py words them).
CALLED_OFF = (EventKind.REFUSED_BY_SHOP, EventKind.CANCELLED_BY_BUYER, EventKind.CANCELLED_BY_SHOP,
              EventKind.EXPIRED, EventKind.TAKEN_BACK, EventKind.FAILURE_EXPIRED)
AT_DOOR = tuple(m for m in PaymentMethod if m not in ONLINE)


@dataclass
class Day:
    day: date
    orders: int = 0
    revenue_fen: int = 0


@dataclass
class Product:
    title: str
    variant: str
    quantity: int
    revenue_fen: int


@dataclass
class Figures:
    period: Period
    days: list[Day]
    placed: int = 0         # every order that reached the shop in the period
    sold: int = 0           # of those, the ones revenue counts
    revenue_fen: int = 0
    signed: int = 0
    refused_at_door: int = 0  # signed orders with a line (or all) refused at the door
    on_time: int = 0
    after_sales: int = 0      # signed orders with an after-sales request (not withdrawn)
    called_off: dict[str, int] = field(default_factory=dict)   # EventKind value -> orders
    door_reasons: list[tuple[str, int]] = field(default_factory=list)  # (reason, lines)
    after_sale_reasons: list[tuple[str, int]] = field(default_factory=list)  # (code, requests)
    products: list[Product] = field(default_factory=list)
    payments: list[tuple[str, int, int]] = field(default_factory=list)  # (method, orders, fen)
    quotes_sent: int = 0
    quotes_won: int = 0
    has_variants: bool = False

    @property
    def average_fen(self) -> int:
        return round(self.revenue_fen / self.sold) if self.sold else 0

    @property
    def cancelled(self) -> int:
        return sum(self.called_off.values())

    @property
    def busiest(self) -> Day | None:
        best = max(self.days, key=lambda d: d.revenue_fen, default=None)
        return best if best is not None and best.revenue_fen else None

    def payment_share(self, online: bool) -> tuple[int, int]:
        """(orders, fen) paid online, or at the door."""
        rows = [p for p in self.payments if (PaymentMethod(p[0]) in ONLINE) == online]
        return sum(r[1] for r in rows), sum(r[2] for r in rows)


def rate(part: int, whole: int) -> float | None:
    """A share in percent, one decimal; None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None


def _in_period(shop_id: int, period: Period):
    return and_(Order.shop_id == shop_id, Order.placed_at >= period.start,
                Order.placed_at < period.end)


def _due():
    """An order's amount after the lines refused at the door (its proof's refund)."""
    return Order.total_fen - func.coalesce(ProofOfDelivery.refund_fen, 0)


def _orders(figures: Figures, shop_id: int, period: Period) -> None:
    """Per day, the totals and the payment split from one pass over the period's orders: grouped
    by local day, payment method and status in the database (at most days × methods × statuses
    rows), added up here."""
    day = local_day(Order.placed_at, period.zone, period.start, period.end).label("day")
    signed = Order.status.in_(SIGNED)
    rows = db.session.execute(
        select(day, Order.payment_method, Order.status, func.count(Order.id), func.sum(_due()),
               func.sum(case((and_(signed, ProofOfDelivery.refund_fen > 0), 1), else_=0)),
               func.sum(case((and_(signed, ProofOfDelivery.signed_at <= Order.window_end), 1),
                             else_=0)))
        .outerjoin(ProofOfDelivery, ProofOfDelivery.order_id == Order.id)
        .where(_in_period(shop_id, period))
        .group_by(day, Order.payment_method, Order.status)).all()
    days = {d.isoformat(): Day(d) for d in period.days}
    payments: dict[str, list[int]] = {}
    for when, method, status, count, due, refused, on_time in rows:
        figures.placed += count
        if Status(status) in SIGNED:
            figures.signed += count
            figures.refused_at_door += int(refused or 0)
            figures.on_time += int(on_time or 0)
        if Status(status) in NOT_SOLD:
            continue
        figures.sold += count
        figures.revenue_fen += int(due or 0)
        if (bucket := days.get(str(when))) is not None:
            bucket.orders += count
            bucket.revenue_fen += int(due or 0)
        paid = payments.setdefault(str(method), [0, 0])
        paid[0] += count
        paid[1] += int(due or 0)
    figures.days = list(days.values())
    figures.payments = [(str(m), *payments[str(m)]) for m in PaymentMethod if str(m) in payments]


def _called_off(shop_id: int, period: Period) -> dict[str, int]:
    rows = db.session.execute(
        select(OrderEvent.kind, func.count(distinct(Order.id)))
        .join(OrderEvent, OrderEvent.order_id == Order.id)
        .where(_in_period(shop_id, period), Order.status.in_((Status.CANCELLED, Status.RETURNED)),
               OrderEvent.kind.in_(CALLED_OFF))
        .group_by(OrderEvent.kind)).all()
    found = {str(kind): n for kind, n in rows}
    return {str(kind): found[str(kind)] for kind in CALLED_OFF if found.get(str(kind))}


def _door_reasons(shop_id: int, period: Period) -> list[tuple[str, int]]:
    rows = db.session.execute(
        select(OrderLine.reject_reason, func.count(OrderLine.id))
        .join(Order, Order.id == OrderLine.order_id)
        .where(_in_period(shop_id, period), Order.status.in_(SIGNED),
               OrderLine.inspection == Inspection.REJECTED)
        .group_by(OrderLine.reject_reason)
        .order_by(func.count(OrderLine.id).desc(), OrderLine.reject_reason)).all()
    return [(reason, n) for reason, n in rows]


def _after_sales(figures: Figures, shop_id: int, period: Period) -> None:
    kept = and_(AfterSale.shop_id == shop_id, AfterSale.status != AfterSaleStatus.WITHDRAWN,
                _in_period(shop_id, period), Order.status.in_(SIGNED))
    figures.after_sales = db.session.scalar(
        select(func.count(distinct(AfterSale.order_id)))
        .join(Order, Order.id == AfterSale.order_id).where(kept)) or 0
    rows = db.session.execute(
        select(AfterSale.reason, func.count(AfterSale.id))
        .join(Order, Order.id == AfterSale.order_id).where(kept)
        .group_by(AfterSale.reason)
        .order_by(func.count(AfterSale.id).desc(), AfterSale.reason)).all()
    figures.after_sale_reasons = [(reason, n) for reason, n in rows]


def _products(shop_id: int, period: Period) -> tuple[list[Product], bool]:
    """The best sellers by revenue: lines of the orders revenue counts, less refused lines; by
    variant too where order lines name one (the variants of issue 21)."""
    variant = getattr(OrderLine, "variant_name", None)
    keys = [OrderLine.title] + ([variant] if variant is not None else [])
    amount = func.sum(OrderLine.unit_price_fen * OrderLine.quantity)
    rows = db.session.execute(
        select(*keys, func.sum(OrderLine.quantity), amount)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_in_period(shop_id, period), Order.status.not_in(NOT_SOLD),
               func.coalesce(OrderLine.inspection, Inspection.ACCEPTED) != Inspection.REJECTED)
        .group_by(*keys).order_by(amount.desc(), *keys).limit(TOP_PRODUCTS)).all()
    products = [Product(r[0], (r[1] or "") if variant is not None else "", int(r[-2]), int(r[-1]))
                for r in rows]
    return products, variant is not None


def _quotes(figures: Figures, shop_id: int, period: Period) -> None:
    sent, won = db.session.execute(
        select(func.count(Quote.id), func.sum(case((Quote.status.in_(WON), 1), else_=0)))
        .where(Quote.shop_id == shop_id, Quote.created_at >= period.start,
               Quote.created_at < period.end)).one()
    figures.quotes_sent, figures.quotes_won = int(sent or 0), int(won or 0)


def figures_for(shop_id: int, period: Period) -> Figures:
    """Every figure of the page for the shop's own orders and quotes in `period`."""
    figures = Figures(period=period, days=[])
    _orders(figures, shop_id, period)
    figures.called_off = _called_off(shop_id, period)
    figures.door_reasons = _door_reasons(shop_id, period)
    _after_sales(figures, shop_id, period)
    figures.products, figures.has_variants = _products(shop_id, period)
    _quotes(figures, shop_id, period)
    return figures
