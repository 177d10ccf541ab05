"""Opening an after-sales request: what is left to ask for on each line of a signed order,
within its category's period, and the request itself, made once however often it is sent.

A line may be asked about for what the buyer accepted at the door, less what earlier requests
(not withdrawn) already cover. Requests of an order are numbered (AfterSale.seq, unique per
order): two sent at once from the same reading of what is left both take the next number, the
database lets one in and the other gets a 409, so quantities are never asked for twice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.aftersales import policy
from webapp.aftersales.policy import Policy
from webapp.aftersales.state import COUNTED, Kind, Status
from webapp.extensions import db
from webapp.models import (
    AfterSale,
    AfterSaleEvent,
    AfterSaleLine,
    Demand,
    EventKind,
    Inspection,
    Order,
    OrderLine,
    Quote,
    User,
)
from webapp.models import Status as OrderStatus
from webapp.orders.transitions import announce, record
from webapp.uploads import CleanImage, discard, store
from webapp.web import Conflict, ServiceError

# After signing with something kept: a refused order kept nothing to ask about.
SIGNED = (OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUSED)


@dataclass(frozen=True)
class Ask:
    """A buyer's request as sent: the kind, a reason code and their words, the quantity asked
    for each order line (by id), photos already checked, and the form's one-time key."""

    kind: str
    reason: str
    note: str
    quantities: dict[int, int]
    photos: tuple[CleanImage, ...]
    idempotency_key: str


@dataclass(frozen=True)
class Room:
    """What may still be asked about one line: how many, under which policy, until when."""

    line: OrderLine
    accepted: int
    left: int
    policy: Policy
    until: datetime

    @property
    def open(self) -> bool:
        return self.left > 0 and policy.now() <= self.until


def buyers_order(buyer: User, order_id: int) -> Order:
    """The buyer's own order, or 404 (never a hint that another's exists)."""
    order = db.session.scalar(select(Order).where(Order.id == order_id,
                                                  Order.buyer_id == buyer.id))
    if order is None:
        abort(404)
    return order


def _categories(order: Order) -> dict[int, str | None]:
    """Each line's category: its product's, or for a free-text quote the demand's."""
    demand_category = None
    if order.quote_id is not None and any(line.product_id is None for line in order.lines):
        demand_category = db.session.scalar(select(Demand.category).join(
            Quote, Quote.demand_id == Demand.id).where(Quote.id == order.quote_id))
    return {line.id: line.product.category if line.product is not None else demand_category
            for line in order.lines}


def covered(order_id: int) -> dict[int, int]:
    """Quantities of each line that the order's requests (not withdrawn) already cover."""
    rows = db.session.execute(
        select(AfterSaleLine.order_line_id, func.sum(AfterSaleLine.quantity))
        .join(AfterSale, AfterSale.id == AfterSaleLine.after_sale_id)
        .where(AfterSale.order_id == order_id, AfterSale.status.in_(COUNTED))
        .group_by(AfterSaleLine.order_line_id)).all()
    return {line_id: int(quantity) for line_id, quantity in rows}


def rooms(order: Order) -> list[Room]:
    """Every line of a signed order with what is left to ask for; [] before signing."""
    if order.status not in SIGNED or order.proof is None:
        return []
    signed_at = order.proof.signed_at
    taken = covered(order.id)
    categories = _categories(order)
    found = []
    for line in order.lines:
        accepted = 0 if line.inspection is Inspection.REJECTED else line.quantity
        rule = policy.policy_for(categories[line.id])
        found.append(Room(line, accepted, max(0, accepted - taken.get(line.id, 0)), rule,
                          signed_at + rule.period))
    return found


def open_until(order: Order) -> datetime | None:
    """Until when a new request may be made (the latest line still open), or None."""
    return max((room.until for room in rooms(order) if room.open), default=None)


def _checked(order: Order, ask: Ask) -> list[tuple[Room, int]]:
    """The lines asked for with their quantities, or the error that says what is wrong."""
    if order.status not in SIGNED:
        raise Conflict(_("订单签收后才能申请售后。"))
    if ask.kind not in {k.value for k in Kind} or ask.reason not in policy.REASONS:
        raise ServiceError(_("请选择售后类型和原因。"), 422)
    if len(ask.note) > policy.MAX_NOTE or len(ask.photos) > policy.MAX_PHOTOS:
        raise ServiceError(_("说明最多 %(n)s 字，照片最多 %(photos)s 张。", n=policy.MAX_NOTE,
                             photos=policy.MAX_PHOTOS), 422)
    by_line = {room.line.id: room for room in rooms(order)}
    chosen = [(by_line.get(line_id), n) for line_id, n in ask.quantities.items() if n]
    if not chosen:
        raise ServiceError(_("请选择要申请售后的商品和数量。"), 422)
    for room, n in chosen:
        if room is None:
            raise ServiceError(_("该订单没有这件商品。"), 422)
        _check_line(room, n, ask)
    return chosen


def _check_line(room: Room, n: int, ask: Ask) -> None:
    title = room.line.title
    if policy.now() > room.until:
        raise ServiceError(_("「%(title)s」已超过售后期限。", title=title), 422)
    if n < 0 or n > room.left:
        raise ServiceError(_("「%(title)s」最多还能申请 %(n)s 件。", title=title, n=room.left), 422)
    if ask.kind not in room.policy.kinds:
        raise ServiceError(_("「%(title)s」只能申请仅退款。", title=title), 422)
    if ask.reason not in room.policy.reasons:
        raise ServiceError(_("「%(title)s」不支持七天无理由退货，请选择质量原因。", title=title), 422)


def _same_key(buyer: User, key: str) -> AfterSale | None:
    return db.session.scalar(select(AfterSale).where(AfterSale.buyer_id == buyer.id,
                                                     AfterSale.idempotency_key == key))


def next_seq(order_id: int) -> int:
    """The number the order's next request takes (read with what is left: see the module)."""
    return (db.session.scalar(select(func.max(AfterSale.seq)).where(
        AfterSale.order_id == order_id)) or 0) + 1


def open_request(order_id: int, buyer: User, ask: Ask) -> AfterSale:
    """Make the request (the same key again: the request it made). Refused with the reason
    (422), or 409 when another request of the order got in first."""
    order = buyers_order(buyer, order_id)
    if (earlier := _same_key(buyer, ask.idempotency_key)) is not None:
        return earlier
    chosen = _checked(order, ask)
    now = policy.now()
    seq = next_seq(order.id)
    stored = [store(photo, "aftersales") for photo in ask.photos]
    request = AfterSale(
        order_id=order.id, seq=seq, buyer_id=buyer.id, shop_id=order.shop_id, kind=Kind(ask.kind),
        status=Status.REQUESTED, reason=ask.reason, note=ask.note.strip(), photos=stored,
        amount_fen=sum(room.line.unit_price_fen * n for room, n in chosen),
        due_at=policy.due_for(Status.REQUESTED, now), idempotency_key=ask.idempotency_key,
        created_at=now, updated_at=now,
        lines=[AfterSaleLine(order_line_id=room.line.id, quantity=n,
                             amount_fen=room.line.unit_price_fen * n) for room, n in chosen])
    try:
        db.session.add(request)
        db.session.flush()
        db.session.add(AfterSaleEvent(after_sale_id=request.id, actor_id=buyer.id,
                                      to_status=Status.REQUESTED, at=now,
                                      params={"amount_fen": request.amount_fen}))
        record(order, buyer, EventKind.AFTER_SALE_OPENED, request=request.id,
               amount_fen=request.amount_fen)
        announce(order)
        db.session.commit()
    except BaseException as error:
        db.session.rollback()
        for name in stored:
            discard(name)
        if not isinstance(error, IntegrityError):
            raise
        if (earlier := _same_key(buyer, ask.idempotency_key)) is not None:
            return earlier
        raise Conflict(_("这笔订单刚刚提交了另一个售后申请，请刷新后核对可申请的数量。")) from None
    return request
