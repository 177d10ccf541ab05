"""One function per order action. Each checks the state machine, applies the change with a
conditional UPDATE, writes an OrderEvent, commits, and only then announces it."""
from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from webapp.cart.services import ShopCart
from webapp.extensions import db
from webapp.models import (
    CartItem, Delivery, Inspection, Order, OrderEvent, OrderLine, PaymentMethod, Product, ProofOfDelivery,
    Role, Shop, ShopStatus, Status, User, utcnow,
)
from webapp.models.order import PAYMENT_LABELS
from webapp.uploads import CleanImage, discard, path_of, store
from webapp.orders.forms import WINDOW_FORMAT
from webapp.orders.state import FINAL, LABELS, Action, IllegalTransition, RoleNotAllowed, transition
from webapp.realtime import emit_after_commit, order_room, shop_room, user_room
from webapp.i18n import N_
from webapp.web import MAX_ID, Conflict, ServiceError, yuan

SYSTEM = SimpleNamespace(id=None, role=Role.SYSTEM)

ACTION_LABELS = {
    Action.ACCEPT: N_("接单"), Action.REFUSE: N_("拒绝"), Action.CANCEL: N_("取消"), Action.ASSIGN: N_("派单"),
    Action.START: N_("开始配送"), Action.ARRIVE: N_("确认送达"), Action.SIGN: N_("签收"),
    Action.FAIL: N_("标记配送失败"), Action.EXPIRE: N_("超时取消"),
}
# Notes written into the order's log are stored in Chinese (the source language) and shown in
# each reader's language: the `translate_note` filter matches them against these patterns.
NOTE_EXPIRED = N_("商家超时未接单，已自动取消")
NOTE_FROM_QUOTE = N_("来自报价 #%(id)s")
NOTE_PAID = N_("已收款：%(method)s %(amount)s")
NOTE_PAID_LESS_REFUSED = N_("已收款：%(method)s %(amount)s（已扣除拒收 %(refused)s）")
NOTE_SIGNED_WITH_REFUSALS = N_("%(name)s；拒收 %(n)s 项，不收 %(amount)s")
NOTE_REASON = N_("%(reason)s：%(note)s")
STORED_NOTES = (NOTE_FROM_QUOTE, NOTE_PAID_LESS_REFUSED, NOTE_PAID, NOTE_SIGNED_WITH_REFUSALS, NOTE_REASON)


class OutOfStock(ServiceError):
    status = 409

    def __init__(self, left: int, title: str | None = None):
        if left > 0:
            message = (_("「%(title)s」库存不足，仅剩 %(n)s 件", title=title, n=left) if title
                       else _("库存不足，仅剩 %(n)s 件", n=left))
        else:
            message = _("「%(title)s」已售罄", title=title) if title else _("该商品已售罄")
        super().__init__(message)
        self.left = left


def expire_overdue(*, shop_id: int | None = None, buyer_id: int | None = None,
                   order_id: int | None = None) -> int:
    """Cancel placed orders their shop did not accept in time and put their stock back.

    Run before every read of orders (so nobody sees, or accepts, an overdue order as new) and
    by `flask expire-orders` from cron (so stock comes back even if nobody looks).
    """
    cutoff = utcnow() - timedelta(minutes=current_app.config["ORDER_ACCEPT_MINUTES"])
    query = select(Order).where(Order.status == Status.PLACED, Order.created_at < cutoff)
    for column, value in ((Order.shop_id, shop_id), (Order.buyer_id, buyer_id),
                          (Order.id, order_id)):
        if value is not None:
            query = query.where(column == value)
    expired = 0
    for order in db.session.scalars(query).all():
        try:
            _apply(order, Action.EXPIRE, SYSTEM, note=NOTE_EXPIRED)
        except Conflict:
            continue  # accepted or cancelled a moment ago
        _restock(order)
        _finish(order)
        expired += 1
    return expired


def find_order_for(actor: User, order_id: int) -> Order | None:
    """The order if `actor` is its buyer, its shop's owner or its courier; else None."""
    expire_overdue(order_id=order_id)
    query = select(Order).where(Order.id == order_id)
    if actor.role is Role.BUYER:
        query = query.where(Order.buyer_id == actor.id)
    elif actor.role is Role.MERCHANT:
        query = query.join(Shop, Shop.id == Order.shop_id).where(Shop.owner_id == actor.id)
    elif actor.role is Role.COURIER:
        query = query.join(Delivery, Delivery.order_id == Order.id).where(
            Delivery.courier_id == actor.id)
    else:
        return None
    return db.session.scalar(query)


def order_for(actor: User, order_id: int) -> Order:
    order = find_order_for(actor, order_id)
    if order is None:
        abort(404)
    return order


# What order lists show of each order, loaded in a fixed number of queries, not one per order.
LISTED = (selectinload(Order.lines), joinedload(Order.shop),
          selectinload(Order.delivery).joinedload(Delivery.courier))


# The buyer's tabs, as shoppers here know them, and the board's columns.
BUYER_TABS = {
    "all": (N_("全部"), None),
    "placed": (N_("待接单"), {Status.PLACED}),
    "on_the_way": (N_("配送中"), {Status.ACCEPTED, Status.DISPATCHED, Status.DELIVERING,
                               Status.DELIVERY_FAILED}),
    "to_sign": (N_("待签收"), {Status.ARRIVED}),
    "done": (N_("已完成"), {Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED}),
    "cancelled": (N_("已取消"), {Status.CANCELLED}),
}
BOARD_COLUMNS = {
    "new": (N_("新订单"), {Status.PLACED}),
    "accepted": (N_("待派单"), {Status.ACCEPTED, Status.DELIVERY_FAILED}),
    "on_the_way": (N_("配送中"), {Status.DISPATCHED, Status.DELIVERING, Status.ARRIVED}),
}


def orders_of_buyer(buyer: User, tab: str = "all") -> list[Order]:
    expire_overdue(buyer_id=buyer.id)
    query = select(Order).where(Order.buyer_id == buyer.id)
    statuses = BUYER_TABS.get(tab, BUYER_TABS["all"])[1]
    if statuses:
        query = query.where(Order.status.in_(statuses))
    return list(db.session.scalars(query.options(*LISTED).order_by(Order.id.desc())))


def buyer_tab_counts(buyer: User) -> dict[str, int]:
    rows = db.session.execute(select(Order.status, func.count()).where(
        Order.buyer_id == buyer.id).group_by(Order.status)).all()
    by_status = {status: n for status, n in rows}
    return {tab: sum(n for s, n in by_status.items() if statuses is None or s in statuses)
            for tab, (_, statuses) in BUYER_TABS.items()}


def board_orders(shop: Shop) -> tuple[list[Order], list[Order]]:
    """The shop's open orders (oldest first) and its 20 latest finished ones."""
    expire_overdue(shop_id=shop.id)
    open_orders = db.session.scalars(select(Order).options(*LISTED).where(
        Order.shop_id == shop.id, Order.status.not_in(FINAL)).order_by(Order.id))
    finished = db.session.scalars(select(Order).options(*LISTED).where(
        Order.shop_id == shop.id, Order.status.in_(FINAL)).order_by(Order.id.desc()).limit(20))
    return list(open_orders), list(finished)


def parse_window(value: str) -> tuple[datetime, datetime]:
    """A window value "<start>/<end>" in local time -> (start, end) naive UTC."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    begin, _, finish = value.partition("/")
    start, end = (datetime.strptime(part, WINDOW_FORMAT).replace(tzinfo=zone).astimezone(UTC)
                  .replace(tzinfo=None) for part in (begin, finish))
    return start, end


@dataclass(frozen=True)
class Destination:
    """Where an order goes, copied from the address book so later edits don't move it."""

    name: str
    mobile: str
    text: str
    district_code: str = ""
    lat: float | None = None
    lng: float | None = None

    @classmethod
    def of(cls, address) -> "Destination":
        return cls(name=address.contact_name, mobile=address.mobile, text=address.full_text,
                   district_code=address.district_code, lat=address.lat, lng=address.lng)


def _announce(order: Order) -> None:
    data = {"id": order.id, "status": str(order.status), "label": LABELS[order.status]}
    rooms = [order_room(order.id), shop_room(order.shop_id), user_room(order.buyer_id)]
    if order.delivery is not None:
        rooms.append(user_room(order.delivery.courier_id))
    emit_after_commit(db.session, "order:updated", data, *rooms)


def _by_key(buyer: User, idempotency_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(
        Order.buyer_id == buyer.id, Order.idempotency_key == idempotency_key))


def place_order(buyer: User, shop_id: int, lines: dict[int, int] | None = None, *,
                destination: Destination, window: str, payment_method: str, note: str = "",
                idempotency_key: str, cart: ShopCart | None = None) -> Order:
    """Order from one shop: `lines` ({product id: quantity}) or, if None, the buyer's cart there.

    All lines or none: each takes its stock with a conditional UPDATE, and one short line rolls
    the whole order back. The same idempotency key always gives the same order, so a double tap
    or a retry after a lost response places one order (the first one emptied the cart).

    `cart` is the buyer's cart at the shop as this request already loaded it (the checkout page
    shows it): its lines are ordered without reading them again, and a line it already shows
    short or off sale is refused before anything is written (nothing to roll back, and the
    page keeps the cart as loaded: the error has `cart_as_seen`). The conditional UPDATE stays
    the guard for stock that runs out after the cart was read.
    """
    assert cart is None or lines is None, "order either the cart or the given lines"
    if (existing := _by_key(buyer, idempotency_key)) is not None:
        return existing
    if cart is not None and (refusal := _refusal(*_cart_lines(cart))) is not None:
        # The cart was read before the key check, so a same-key order placed from another tab
        # would have been found above: it cannot be what emptied this stock.
        refusal.cart_as_seen = True
        raise refusal
    try:
        return _place_order(buyer, shop_id, lines, destination=destination, window=window,
                            payment_method=payment_method, note=note,
                            idempotency_key=idempotency_key, cart=cart)
    except (ServiceError, IntegrityError):
        # The same key raced in from another tab and won while this one ran: its order emptied
        # the cart, took the stock or holds the key (the INSERT fails at flush). That order is
        # this one; without it, the refusal stands.
        db.session.rollback()
        if (existing := _by_key(buyer, idempotency_key)) is not None:
            return existing
        raise


def _cart_lines(cart: ShopCart) -> tuple[dict[int, int], dict[int, Product]]:
    """({product id: quantity}, {product id: product}) of a cart loaded with its products."""
    return ({item.product_id: item.quantity for item in cart.items},
            {item.product_id: item.product for item in cart.items})


def _refusal(lines: dict[int, int], products: dict[int, Product]) -> ServiceError | None:
    """Why the order cannot be placed as the products were read, line by line in the order
    their stock is taken (an unknown or unpublished product, a quantity out of range, stock
    short); None if nothing stands in the way yet."""
    for product_id, quantity in sorted(lines.items()):
        product = products.get(product_id)
        if product is None or not product.published:
            return Conflict(_("「%(title)s」已下架，请从购物车移除后再结算。", title=product.title)
                            if product is not None else _("有商品已下架，请从购物车移除后再结算。"))
        if not 1 <= quantity <= 99:
            return ServiceError(_("数量需为 1 到 %(max)s。", max=99), 422)
        if product.stock < quantity:
            return OutOfStock(max(product.stock, 0), product.title if len(lines) > 1 else None)
    return None


def _place_order(buyer: User, shop_id: int, lines: dict[int, int] | None, *,
                 destination: Destination, window: str, payment_method: str, note: str,
                 idempotency_key: str, cart: ShopCart | None = None) -> Order:
    shop = db.session.get(Shop, shop_id)  # the cart already loaded it: no second query
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        raise ServiceError(_("该店铺已暂停营业或不存在，无法下单。"), 404)
    from_cart = lines is None
    if cart is not None and from_cart:
        lines, products = _cart_lines(cart)
    else:
        if from_cart:
            lines = {item.product_id: item.quantity for item in db.session.scalars(
                select(CartItem).join(Product).where(CartItem.user_id == buyer.id,
                                                     Product.shop_id == shop.id))}
        products = {p.id: p for p in db.session.scalars(select(Product).where(
            Product.id.in_(lines), Product.shop_id == shop.id))} if lines else {}
    if not lines:
        raise Conflict(_("购物车中没有该店铺的商品。"))
    # Refuse what the read already shows before writing anything; the UPDATEs below decide.
    if (refusal := _refusal(lines, products)) is not None:
        raise refusal
    order = Order(
        buyer_id=buyer.id, shop_id=shop.id, status=Status.PLACED,
        payment_method=PaymentMethod(payment_method), recipient_name=destination.name.strip(),
        recipient_mobile=destination.mobile.strip(), address=destination.text.strip()[:200],
        district_code=destination.district_code, dest_lat=destination.lat,
        dest_lng=destination.lng, note=(note or "").strip(), idempotency_key=idempotency_key)
    order.window_start, order.window_end = parse_window(window)
    for product_id, quantity in sorted(lines.items()):
        product = products[product_id]
        # Still on sale as well as in stock: the check above read the product a moment ago.
        taken = db.session.execute(
            update(Product).where(Product.id == product.id, Product.stock >= quantity,
                                  Product.published.is_(True))
            .values(stock=Product.stock - quantity).execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            db.session.rollback()
            now = db.session.execute(select(Product.stock, Product.published)
                                     .where(Product.id == product_id)).first()
            if now is not None and not now.published:
                raise Conflict(_("「%(title)s」已下架，请从购物车移除后再结算。", title=product.title))
            raise OutOfStock(max(now.stock, 0) if now else 0,
                             product.title if len(lines) > 1 else None)
        order.lines.append(OrderLine(product_id=product.id, title=product.title,
                                     unit_price_fen=product.price_fen, quantity=quantity))
    order.items_fen = sum(line.subtotal_fen for line in order.lines)
    order.delivery_fee_fen = shop.delivery_fee_fen
    order.total_fen = order.items_fen + order.delivery_fee_fen
    # The event rides on the order: one flush writes the order, its lines and its event.
    order.events.append(OrderEvent(actor_id=buyer.id, action=None, from_status=None,
                                   to_status=Status.PLACED, note=""))
    db.session.add(order)
    db.session.flush()
    if from_cart:
        db.session.execute(delete(CartItem).where(CartItem.user_id == buyer.id,
                                                  CartItem.product_id.in_(list(lines))))
    emit_after_commit(db.session, "order:placed", {"id": order.id, "status": "placed"},
                      shop_room(order.shop_id))
    db.session.commit()
    return order


def _check(order: Order, action: Action, actor: User, outcome: Status | None = None) -> Status:
    """The status `action` leads to, or the error the user sees (before anything is stored)."""
    try:
        return transition(order.status, action, actor.role, outcome)
    except RoleNotAllowed:
        raise ServiceError(_("你不能对该订单执行此操作。"), 403) from None
    except IllegalTransition:
        raise Conflict(_("订单当前为「%(status)s」，不能%(action)s。", status=_(LABELS[order.status]),
                         action=_(ACTION_LABELS[action]))) from None


def _apply(order: Order, action: Action, actor: User, outcome: Status | None = None,
           note: str = "", photo: str | None = None) -> Status:
    """Move `order` by `action`, once: a second tap or a stale tab gets a Conflict."""
    current = order.status
    target = _check(order, action, actor, outcome)
    changed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == current)
        .values(status=target, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict(_("订单状态已变化，请刷新后重试。"))
    db.session.add(OrderEvent(order_id=order.id, actor_id=actor.id, action=action,
                              from_status=current, to_status=target, note=note, photo=photo))
    db.session.expire(order, ["status", "updated_at"])
    return target


def _restock(order: Order) -> None:
    for line in order.lines:
        if line.product_id is not None:
            db.session.execute(update(Product).where(Product.id == line.product_id)
                               .values(stock=Product.stock + line.quantity)
                               .execution_options(synchronize_session=False))


def _finish(order: Order) -> Order:
    _announce(order)
    db.session.commit()
    return order


def accept(order_id: int, actor: User) -> Order:
    """Accept a placed order as its shop's owner."""
    order = order_for(actor, order_id)
    _apply(order, Action.ACCEPT, actor)
    return _finish(order)


def refuse(order_id: int, actor: User, reason: str) -> Order:
    """Refuse a placed order with a reason; its stock goes back on sale."""
    order = order_for(actor, order_id)
    if actor.role is not Role.MERCHANT:
        raise ServiceError(_("你不能对该订单执行此操作。"), 403)
    _apply(order, Action.REFUSE, actor, note=reason.strip())
    _restock(order)
    return _finish(order)


# Why an order is called off, offered as choices; the merchant must give one (the buyer was
# promised the goods), the buyer may.
# They are stored as they are (Chinese) and shown translated.
BUYER_CANCEL_REASONS = (N_("不想要了"), N_("地址或时间填错了"), N_("等待太久"), N_("其他"))
MERCHANT_CANCEL_REASONS = (N_("商品缺货"), N_("无法按时配送"), N_("买家要求取消"), N_("其他"))


def cancel(order_id: int, actor: User, reason: str = "") -> Order:
    """Cancel an order: the buyer before the shop accepts it, the shop after accepting it and
    before a courier is assigned (with a reason the buyer sees). The stock goes back on sale."""
    order = order_for(actor, order_id)
    reason = (reason or "").strip()[:200]
    if actor.role is Role.MERCHANT and not reason and order.status is Status.ACCEPTED:
        raise ServiceError(_("请选择取消原因，买家会看到它。"), 422)
    _apply(order, Action.CANCEL, actor, note=reason)
    _restock(order)
    return _finish(order)


def assign(order_id: int, actor: User, courier_id: int | None) -> Order:
    """Hand an accepted (or failed) order to one of the shop's couriers."""
    order = order_for(actor, order_id)
    courier = db.session.scalar(select(User).where(
        User.id == courier_id, User.role == Role.COURIER, User.shop_id == order.shop_id,
        User.active.is_(True))) if courier_id and 0 < courier_id <= MAX_ID else None
    if courier is None:
        raise ServiceError(_("请选择本店的骑手。"), 422)
    _apply(order, Action.ASSIGN, actor, note=courier.display_name)
    if order.delivery is None:
        db.session.add(Delivery(order_id=order.id, courier_id=courier.id))
    else:
        order.delivery.courier_id = courier.id
        order.delivery.assigned_at = utcnow()
        order.delivery.started_at = order.delivery.arrived_at = None
        _stop_tracking(order.delivery)
    db.session.flush()
    db.session.refresh(order, ["delivery"])
    return _finish(order)


def start(order_id: int, actor: User) -> Order:
    """Start the delivery from the courier's phone; positions are accepted from now on."""
    order = order_for(actor, order_id)
    _apply(order, Action.START, actor)
    order.delivery.started_at = utcnow()
    return _finish(order)


def arrive(order_id: int, actor: User) -> Order:
    """Mark the courier as arrived at the buyer's address."""
    order = order_for(actor, order_id)
    _apply(order, Action.ARRIVE, actor)
    order.delivery.arrived_at = utcnow()
    return _finish(order)


# Why a delivery could not be completed: the courier picks one; the shop reads it to decide.
FAIL_REASONS = {"absent": N_("收件人不在"), "wrong_address": N_("地址错误"), "refused": N_("买家拒收"),
                "damaged": N_("货物损坏")}


def _stop_tracking(delivery: Delivery | None) -> None:
    """Forget the live position: tracks are kept only from pickup to signature or failure."""
    if delivery is not None:
        delivery.last_lat = delivery.last_lng = delivery.last_accuracy = None
        delivery.last_at = delivery.late_until = None


def fail(order_id: int, actor: User, reason: str, note: str = "",
         photo: CleanImage | None = None) -> Order:
    """The courier cannot complete the delivery: a reason from FAIL_REASONS (its code or its
    words), an optional note and photo. Tracking stops; the shop can assign it again."""
    reason = (reason or "").strip()
    code = reason if reason in FAIL_REASONS else next(
        (key for key, label in FAIL_REASONS.items() if label == reason), None)
    if code is None:
        raise ServiceError(_("请选择配送失败的原因。"), 422)
    order = order_for(actor, order_id)
    _check(order, Action.FAIL, actor)
    note = (note or "").strip()[:150]
    name = store(photo, "failures") if photo is not None else None
    try:
        _apply(order, Action.FAIL, actor,
               note=NOTE_REASON % {"reason": FAIL_REASONS[code], "note": note} if note else FAIL_REASONS[code],
               photo=name)
        _stop_tracking(order.delivery)
        return _finish(order)
    except BaseException:
        db.session.rollback()
        if name:
            discard(name)
        raise


PAYABLE = frozenset({Status.ARRIVED, Status.COMPLETED, Status.PARTIALLY_REFUSED})


def confirm_payment(order_id: int, actor: User) -> Order:
    """The courier (at the door) or the shop records that the buyer has paid; once."""
    order = order_for(actor, order_id)
    if actor.role not in (Role.COURIER, Role.MERCHANT):
        raise ServiceError(_("只有骑手或商家可以确认收款。"), 403)
    if order.status not in PAYABLE:
        raise Conflict(_("订单当前为「%(status)s」，送达后才能确认收款。", status=_(LABELS[order.status])))
    due, refused = amount_due(order), refused_fen(order)
    changed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.payment_status == "unpaid")
        .values(payment_status="paid", paid_fen=due)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        raise Conflict(_("该订单已确认收款。"))
    # Payment is kept apart from the order's status: the event records it without a move.
    facts = {"method": PAYMENT_LABELS[order.payment_method], "amount": yuan(due), "refused": yuan(refused)}
    note = (NOTE_PAID_LESS_REFUSED if refused else NOTE_PAID) % facts
    db.session.add(OrderEvent(order_id=order.id, actor_id=actor.id, action=None,
                              from_status=order.status, to_status=order.status, note=note))
    db.session.expire(order, ["payment_status", "paid_fen"])
    return _finish(order)


def refused_fen(order: Order) -> int:
    """What the buyer does not pay for: the lines rejected at the door (0 before signing)."""
    return order.proof.refund_fen if order.proof is not None else 0


def amount_due(order: Order) -> int:
    """What the courier collects at the door: the total less the rejected lines."""
    return order.total_fen - refused_fen(order)


def refund_due(order: Order) -> int:
    """Paid before inspecting, then rejected lines: the money owed back to the buyer."""
    if order.paid_fen is None:
        return 0
    return max(0, order.paid_fen - amount_due(order))


def decode_signature(data_url: str) -> bytes:
    """Check a signature data URL by content and re-encode it as a clean PNG.

    Refused: anything but a PNG, an empty canvas, and a trivial mark (a dot, a tick) that inks
    less than SIGNATURE_MIN_INK of the canvas or spans less than SIGNATURE_MIN_SPAN of it.
    """
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise ServiceError(_("签名格式无效，请重新签名。"), 422)
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError(_("签名格式无效，请重新签名。"), 422) from None
    if len(raw) > current_app.config["SIGNATURE_MAX_BYTES"]:
        raise ServiceError(_("签名图片过大，请重新签名。"), 413)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or image.width * image.height > 4_000_000:
                raise ServiceError(_("签名格式无效，请重新签名。"), 422)
            image.load()
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ServiceError(_("签名格式无效，请重新签名。"), 422) from None
    # Ink = what shows dark on white paper, whether the canvas is transparent or white.
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    ink = Image.alpha_composite(paper, rgba).convert("L").point(lambda v: 255 if v < 160 else 0)
    box = ink.getbbox()
    if box is None:
        raise ServiceError(_("签名为空，请在签名区内签名。"), 422)
    width, height = rgba.size
    share = ink.histogram()[255] / (width * height)
    span = max((box[2] - box[0]) / width, (box[3] - box[1]) / height)
    config = current_app.config
    if share < config["SIGNATURE_MIN_INK"] or span < config["SIGNATURE_MIN_SPAN"]:
        raise ServiceError(_("签名过于简单，请写下完整的签名。"), 422)
    if share > 0.5:
        raise ServiceError(_("签名格式无效，请重新签名。"), 422)  # a filled canvas is no signature
    out = io.BytesIO()
    rgba.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def proof_digest(proof: ProofOfDelivery) -> str:
    """SHA-256 over the signature and every recorded fact, in a fixed order.

    Scheme 1 (proofs from before migration 0006) covered fewer facts; each proof is checked
    against the facts of its own scheme, and the scheme itself is one of them from 2 on.
    """
    facts = {
        "order_id": proof.order_id, "signer_name": proof.signer_name,
        "signer_id": proof.signer_id, "signed_at": proof.signed_at.isoformat(),
        "lat": proof.lat, "lng": proof.lng, "accepted_lines": proof.accepted_lines,
    }
    if proof.scheme != 1:
        facts.update(scheme=proof.scheme, accuracy=proof.accuracy,
                     position_at=_iso(proof.position_at), rejected_lines=proof.rejected_lines,
                     refund_fen=proof.refund_fen)
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True, ensure_ascii=False).encode())
    digest.update(proof.signature_png)
    return digest.hexdigest()


def _file_sha256(name: str | None) -> str | None:
    try:
        return hashlib.sha256(path_of(name).read_bytes()).hexdigest() if name else None
    except OSError:
        return None


def proof_intact(order: Order) -> bool:
    """Whether the stored proof still hashes to its digest, photos of rejected lines included."""
    proof = order.proof
    if proof is None or proof_digest(proof) != proof.digest:
        return False
    photos = {line.id: line.reject_photo for line in order.lines}
    return all(_file_sha256(photos.get(entry.get("id"))) == entry["photo_sha256"]
               for entry in proof.rejected_lines or []
               if isinstance(entry, dict) and entry.get("photo_sha256"))


# Why a line is rejected at the door: the buyer picks one and may add a few words.
REJECT_REASONS = (N_("商品破损"), N_("数量或规格不符"), N_("质量问题"), N_("与描述不符"), N_("其他"))


@dataclass(frozen=True)
class LineCheck:
    """The buyer's verdict on one order line at the door."""

    accepted: bool
    reason: str = ""
    photo: CleanImage | None = None


def _line_fact(line: OrderLine) -> dict:
    return {"id": line.id, "title": line.title, "quantity": line.quantity,
            "unit_price_fen": line.unit_price_fen, "amount_fen": line.subtotal_fen}


def sign(order_id: int, actor: User, signer_name: str, signature_data_url: str,
         checks: dict[int, LineCheck] | None = None) -> Order:
    """Inspect and sign at the door: store the proof of delivery and stop tracking.

    `checks` holds a verdict for every line (None: all accepted). All accepted -> completed;
    some rejected -> partially refused, their amount not due; all rejected -> refused (the
    buyer signs that they refused, and owes nothing, delivery fee included: nothing was
    delivered). Nothing is stored unless everything is valid.
    """
    order = order_for(actor, order_id)
    _check(order, Action.SIGN, actor, Status.COMPLETED)  # before arrival: 409, not a form error
    name = (signer_name or "").strip()
    if not name or len(name) > 40:
        raise ServiceError(_("请输入签收人姓名（不超过 %(max)s 个字）。", max=40), 422)
    checks = checks if checks is not None else {line.id: LineCheck(True) for line in order.lines}
    if set(checks) != {line.id for line in order.lines}:
        raise ServiceError(_("请逐项验货：每件商品选择验收或拒收。"), 422)
    rejected = [line for line in order.lines if not checks[line.id].accepted]
    accepted = [line for line in order.lines if checks[line.id].accepted]
    if any(not checks[line.id].reason.strip() for line in rejected):
        raise ServiceError(_("请为拒收的商品选择原因。"), 422)
    png = decode_signature(signature_data_url)
    if not accepted:
        action, outcome, refund = Action.REFUSE, Status.REFUSED, order.total_fen
    elif rejected:
        action, outcome = Action.SIGN, Status.PARTIALLY_REFUSED
        refund = sum(line.subtotal_fen for line in rejected)
    else:
        action, outcome, refund = Action.SIGN, Status.COMPLETED, 0
    note = name if not rejected else NOTE_SIGNED_WITH_REFUSALS % {
        "name": name, "n": len(rejected), "amount": yuan(refund)}
    stored: list[str] = []
    try:
        _apply(order, action, actor, outcome=outcome, note=note)
        rejected_facts = []
        for line in order.lines:
            check = checks[line.id]
            line.inspection = Inspection.ACCEPTED if check.accepted else Inspection.REJECTED
            if check.accepted:
                continue
            line.reject_reason = check.reason.strip()[:200]
            if check.photo is not None:
                line.reject_photo = store(check.photo, "inspections")
                stored.append(line.reject_photo)
            rejected_facts.append({**_line_fact(line), "reason": line.reject_reason,
                                   "photo_sha256": check.photo.sha256 if check.photo else None})
        delivery = order.delivery
        proof = ProofOfDelivery(
            order_id=order.id, signature_png=png, signer_name=name, signer_id=actor.id,
            signed_at=utcnow().replace(microsecond=0),
            lat=delivery.last_lat if delivery else None,
            lng=delivery.last_lng if delivery else None,
            accuracy=delivery.last_accuracy if delivery else None,
            position_at=delivery.last_at.replace(microsecond=0)
            if delivery and delivery.last_at else None,
            accepted_lines=[_line_fact(line) for line in accepted],
            rejected_lines=rejected_facts, refund_fen=refund, scheme=2, digest="")
        proof.digest = proof_digest(proof)
        db.session.add(proof)
        # The proof keeps the position at signature; the live one stops being kept.
        _stop_tracking(delivery)
        return _finish(order)
    except BaseException:
        db.session.rollback()
        for photo in stored:
            discard(photo)
        raise


def place_quote_order(buyer: User, quote, *, destination: Destination, window: str,
                      payment_method: str, note: str = "", idempotency_key: str) -> Order:
    """Add the order for an accepted quote, at the quoted price, to the caller's transaction.

    webapp.demands.services.accept_quote has claimed the demand and the quote with conditional
    UPDATEs before calling this, and commits after it (the order:placed event goes out then).
    A quote naming a product takes its stock with a conditional UPDATE; a short stock rolls the
    whole transaction back, claims included. A free-text item is a line without a product.
    """
    order = Order(
        buyer_id=buyer.id, shop_id=quote.shop_id, status=Status.PLACED, quote_id=quote.id,
        payment_method=PaymentMethod(payment_method), recipient_name=destination.name.strip(),
        recipient_mobile=destination.mobile.strip(), address=destination.text.strip()[:200],
        district_code=destination.district_code, dest_lat=destination.lat,
        dest_lng=destination.lng, note=(note or "").strip(), idempotency_key=idempotency_key)
    order.window_start, order.window_end = parse_window(window)
    product_id, title, quantity = quote.product_id, quote.title, quote.quantity
    if product_id is not None:
        taken = db.session.execute(
            update(Product).where(Product.id == product_id, Product.stock >= quantity)
            .values(stock=Product.stock - quantity).execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            db.session.rollback()
            left = db.session.scalar(select(Product.stock).where(Product.id == product_id)) or 0
            raise OutOfStock(left, title)
    order.lines.append(OrderLine(product_id=product_id, title=title[:80],
                                 unit_price_fen=quote.unit_price_fen, quantity=quantity))
    order.items_fen = quote.unit_price_fen * quantity
    order.delivery_fee_fen = quote.delivery_fee_fen
    order.total_fen = order.items_fen + order.delivery_fee_fen
    db.session.add(order)
    db.session.flush()
    db.session.add(OrderEvent(order_id=order.id, actor_id=buyer.id, action=None, from_status=None,
                              to_status=Status.PLACED, note=NOTE_FROM_QUOTE % {"id": quote.id}))
    emit_after_commit(db.session, "order:placed", {"id": order.id, "status": "placed"},
                      shop_room(order.shop_id))
    return order
