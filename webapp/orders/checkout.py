"""Placing an order, from a shop's cart or from an accepted quote: one builder for the order
(new_order, add_order) and one stock-taking function (take_stock) for both paths, each line's
stock taken by a conditional UPDATE."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from webapp.cart.services import ShopCart
from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import (
    CartItem,
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    PaymentMethod,
    Product,
    Shop,
    ShopStatus,
    Status,
    User,
)
from webapp.orders.shown import Shown, cart_change, changed, fee_part, price_part
from webapp.realtime import emit_after_commit, shop_room
from webapp.shops.windows import parse_window
from webapp.web import Conflict, ServiceError

MAX_QUANTITY = 99


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


def off_sale(title: str | None, in_cart: bool = True) -> Conflict:
    """The refusal for a product taken off sale, from a cart or from a quote."""
    if not in_cart:
        return Conflict(_("「%(title)s」已下架，无法按该报价下单。", title=title))
    return Conflict(_("「%(title)s」已下架，请从购物车移除后再结算。", title=title) if title
                    else _("有商品已下架，请从购物车移除后再结算。"))


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
        return cls(name=address.contact_name, mobile=address.mobile, text=address.snapshot_text,
                   district_code=address.district_code, lat=address.lat, lng=address.lng)


@dataclass(frozen=True)
class Terms:
    """What the buyer chose at checkout, the same for a cart and a quote (the checkout form)."""

    destination: Destination
    window: str
    payment_method: str
    idempotency_key: str
    note: str = ""
    shown: Shown | None = None  # what the checkout page showed; None for an order made in code


def take_stock(product_id: int, quantity: int, title: str, *, name_it: bool = True,
               in_cart: bool = True, price_fen: int | None = None) -> None:
    """Take `quantity` of a product that is still on sale, or roll back and say why not.

    The same rule on both paths: a product taken off sale is not sold, whether from a cart or
    from a quote that named it (the merchant unpublished it for a reason: spoiled, recalled).
    Off sale names the product; short stock names it when `name_it` (an order of several
    lines: which one?). `in_cart` says whether the buyer can fix it in their cart. With
    `price_fen`, only at that price: the price the order records is the one the row held when
    its stock was taken (and the row stays locked until the commit).
    """
    conditions = [Product.id == product_id, Product.stock >= quantity, Product.published.is_(True)]
    if price_fen is not None:
        conditions.append(Product.price_fen == price_fen)
    if update_where(Product, *conditions, stock=Product.stock - quantity) == 1:
        return
    db.session.rollback()
    now = db.session.execute(select(Product.stock, Product.published, Product.price_fen)
                             .where(Product.id == product_id)).first()
    if now is not None and not now.published:
        raise off_sale(title, in_cart)
    if now is not None and price_fen is not None and now.price_fen != price_fen:
        raise changed([price_part(title, price_fen, now.price_fen)])
    raise OutOfStock(max(now.stock, 0) if now else 0, title if name_it else None)


def held_fee(shop_id: int, shown: Shown | None) -> int:
    """The shop's delivery fee for an order whose stock is taken, or roll back if it is not the
    one the page showed.

    Read after the first write of the transaction: SQLite's writer lock then keeps any other
    change out until the commit, and on PostgreSQL the row is share-locked, so the fee cannot
    change between this check and the order it goes into.
    """
    fee = db.session.scalar(select(Shop.delivery_fee_fen).where(Shop.id == shop_id)
                            .with_for_update(read=True))
    if shown is not None and fee != shown.fee_fen:
        db.session.rollback()
        raise changed([fee_part(shown.fee_fen, fee)])
    return fee


def new_order(buyer: User, shop_id: int, terms: Terms, quote_id: int | None = None) -> Order:
    """The order the terms describe, not yet stored: made before any stock is taken, so a bad
    window or payment method refuses the order with nothing written."""
    destination = terms.destination
    order = Order(
        buyer_id=buyer.id, shop_id=shop_id, status=Status.PLACED, quote_id=quote_id,
        payment_method=PaymentMethod(terms.payment_method),
        recipient_name=destination.name.strip(), recipient_mobile=destination.mobile.strip(),
        address=destination.text.strip()[:200], district_code=destination.district_code,
        dest_lat=destination.lat, dest_lng=destination.lng, note=(terms.note or "").strip(),
        idempotency_key=terms.idempotency_key)
    order.window_start, order.window_end = parse_window(terms.window)
    return order


def add_order(order: Order, lines: list[OrderLine], delivery_fee_fen: int) -> Order:
    """Store the order with its lines, totals and first event, and announce it to the shop once
    the caller commits. The stock is the caller's: taken before this."""
    order.lines.extend(lines)
    order.items_fen = sum(line.subtotal_fen for line in lines)
    order.delivery_fee_fen = delivery_fee_fen
    order.total_fen = order.items_fen + delivery_fee_fen
    kind, params = ((EventKind.PLACED_FROM_QUOTE, {"quote": order.quote_id})
                    if order.quote_id is not None else (EventKind.PLACED, {}))
    # The event rides on the order: one flush writes the order, its lines and its event.
    order.events.append(OrderEvent(actor_id=order.buyer_id, action=None, kind=kind,
                                   params=params, from_status=None, to_status=Status.PLACED))
    db.session.add(order)
    db.session.flush()
    emit_after_commit(db.session, "order:placed", {"id": order.id, "status": "placed"},
                      shop_room(order.shop_id))
    return order


def _by_key(buyer: User, idempotency_key: str) -> Order | None:
    return db.session.scalar(select(Order).where(
        Order.buyer_id == buyer.id, Order.idempotency_key == idempotency_key))


def place_order(buyer: User, shop_id: int, lines: dict[int, int] | None = None, *,
                destination: Destination, window: str, payment_method: str, note: str = "",
                idempotency_key: str, cart: ShopCart | None = None,
                shown: Shown | None = None) -> Order:
    """Order from one shop: `lines` ({product id: quantity}) or, if None, the buyer's cart there.

    All lines or none: each takes its stock with a conditional UPDATE, and one short line rolls
    the whole order back. The same idempotency key always gives the same order, so a double tap
    or a retry after a lost response places one order (the first one emptied the cart).

    `cart` is the buyer's cart at the shop as this request already loaded it (the checkout page
    shows it): its lines are ordered without reading them again, and a line it already shows
    short or off sale is refused before anything is written (nothing to roll back, and the
    page keeps the cart as loaded: the error has `cart_as_seen`). The conditional UPDATE stays
    the guard for stock that runs out after the cart was read.

    `shown` is what the checkout page showed: lines, quantities, prices and the fee must be the
    same, or the order is refused (409) naming what changed. Each price is checked by the
    statement that takes its line's stock and the fee after that (`held_fee`), so what the
    order records is what was checked.
    """
    assert cart is None or lines is None, "order either the cart or the given lines"
    terms = Terms(destination, window, payment_method, idempotency_key, note, shown)
    if (existing := _by_key(buyer, terms.idempotency_key)) is not None:
        return existing
    if cart is not None and (refusal := _refusal(*_cart_lines(cart))) is not None:
        # The cart was read before the key check, so a same-key order placed from another tab
        # would have been found above: it cannot be what emptied this stock.
        refusal.cart_as_seen = True
        raise refusal
    try:
        return _place_order(buyer, shop_id, lines, terms, cart)
    except (ServiceError, IntegrityError):
        # The same key raced in from another tab and won while this one ran: its order emptied
        # the cart, took the stock or holds the key (the INSERT fails at flush). That order is
        # this one; without it, the refusal stands.
        db.session.rollback()
        if (existing := _by_key(buyer, terms.idempotency_key)) is not None:
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
            return off_sale(product.title if product is not None else None)
        if not 1 <= quantity <= MAX_QUANTITY:
            return ServiceError(_("数量需为 1 到 %(max)s。", max=MAX_QUANTITY), 422)
        if product.stock < quantity:
            return OutOfStock(max(product.stock, 0), product.title if len(lines) > 1 else None)
    return None


def _lines_and_products(buyer: User, shop: Shop, lines: dict[int, int] | None,
                        cart: ShopCart | None) -> tuple[dict[int, int], dict[int, Product]]:
    if cart is not None and lines is None:
        return _cart_lines(cart)
    if lines is None:
        lines = {item.product_id: item.quantity for item in db.session.scalars(
            select(CartItem).join(Product).where(CartItem.user_id == buyer.id,
                                                 Product.shop_id == shop.id))}
    products = {p.id: p for p in db.session.scalars(select(Product).where(
        Product.id.in_(lines), Product.shop_id == shop.id))} if lines else {}
    return lines, products


def _place_order(buyer: User, shop_id: int, lines: dict[int, int] | None, terms: Terms,
                 cart: ShopCart | None) -> Order:
    shop = db.session.get(Shop, shop_id)  # the cart already loaded it: no second query
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        raise ServiceError(_("该店铺已暂停营业或不存在，无法下单。"), 404)
    from_cart = lines is None
    lines, products = _lines_and_products(buyer, shop, lines, cart)
    if not lines:
        raise Conflict(_("购物车中没有该店铺的商品。"))
    # Refuse what the read already shows before writing anything; the UPDATEs below decide.
    if (refusal := _refusal(lines, products)) is not None:
        raise refusal
    if terms.shown is not None and (change := cart_change(terms.shown, lines, products,
                                                          shop.delivery_fee_fen)) is not None:
        raise change
    order = new_order(buyer, shop.id, terms)
    order_lines = []
    for product_id, quantity in sorted(lines.items()):
        product = products[product_id]
        take_stock(product.id, quantity, product.title, name_it=len(lines) > 1,
                   price_fen=product.price_fen)
        order_lines.append(OrderLine(product_id=product.id, title=product.title,
                                     unit_price_fen=product.price_fen, quantity=quantity))
    add_order(order, order_lines, held_fee(shop.id, terms.shown))
    if from_cart:
        db.session.execute(delete(CartItem).where(CartItem.user_id == buyer.id,
                                                  CartItem.product_id.in_(list(lines))))
    db.session.commit()
    return order


def place_quote_order(buyer: User, quote, *, destination: Destination, window: str,
                      payment_method: str, note: str = "", idempotency_key: str) -> Order:
    """Add the order for an accepted quote, at the quoted price, to the caller's transaction.

    The demand code has claimed the demand and the quote with conditional UPDATEs before calling
    this, and commits after it (the order:placed event goes out then). A quote naming a product
    takes its stock like a cart line; a short stock rolls the whole transaction back, claims
    included. A free-text item is a line without a product.
    """
    order = new_order(buyer, quote.shop_id, Terms(destination, window, payment_method,
                                                  idempotency_key, note), quote_id=quote.id)
    if quote.product_id is not None:
        take_stock(quote.product_id, quote.quantity, quote.title, in_cart=False)
    line = OrderLine(product_id=quote.product_id, title=quote.title[:80],
                     unit_price_fen=quote.unit_price_fen, quantity=quote.quantity)
    return add_order(order, [line], quote.delivery_fee_fen)
