"""Placing an order, from a shop's cart or from an accepted quote: one writer for the order
(write_order: the order, its lines and its event in three Core statements) and one stock-taking
function (take_stock) for both paths, each line's stock taken from its variant by a conditional
UPDATE (and from its product's total after all of them: variants.count_out)."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, delete, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from webapp.cart.services import ShopCart
from webapp.cas import update_where
from webapp.catalog.variants import count_out, only_variants
from webapp.extensions import db
from webapp.licences.services import product_sellable, sellable
from webapp.models import (
    CartItem,
    EventKind,
    Order,
    OrderEvent,
    OrderLine,
    PaymentMethod,
    Product,
    ProductVariant,
    Shop,
    ShopStatus,
    Status,
    User,
    utcnow,
)
from webapp.models.order import METHOD_CHANNEL, ONLINE, Fulfilment
from webapp.notifications import events as notices
from webapp.orders.shown import Shown, cart_change, changed, fee_part, price_part
from webapp.orders.terms import Destination, Terms
from webapp.payments.accounts import channels_for
from webapp.realtime import emit_after_commit, shop_room
from webapp.shops.promise import choose
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


def take_stock(variant_id: int, quantity: int, title: str, *, in_cart: bool = True,
               price_fen: int | None = None) -> None:
    """Take `quantity` of a variant of a product that is still on sale, or roll back and say
    why not. The product's total follows with count_out, once every line's variant is taken.

    The same rule on both paths: a product taken off sale (or a variant the merchant removed)
    is not sold, whether from a cart or from a quote that named it (the merchant unpublished it
    for a reason: spoiled, recalled). Off sale and short stock name the product and variant
    (which one, and the refusal may be all the buyer's screen changes). `in_cart` says whether
    the buyer can fix it in their cart. With `price_fen`, only at that price: the price the
    order records is the one the row held when its stock was taken (and the row stays locked
    until the commit).
    """
    on_sale = select(Product.id).where(Product.published.is_(True), sellable())  # licences
    conditions = [ProductVariant.id == variant_id, ProductVariant.stock >= quantity,
                  ProductVariant.retired.is_(False), ProductVariant.product_id.in_(on_sale)]
    if price_fen is not None:
        conditions.append(ProductVariant.price_fen == price_fen)
    if update_where(ProductVariant, *conditions, stock=ProductVariant.stock - quantity) == 1:
        return
    db.session.rollback()
    now = db.session.execute(select(ProductVariant.stock, ProductVariant.retired,
                                    ProductVariant.price_fen, Product.published, sellable().label("ok"))
                             .join(Product, Product.id == ProductVariant.product_id)
                             .where(ProductVariant.id == variant_id)).first()
    if now is not None and (now.retired or not (now.published and now.ok)):
        raise off_sale(title, in_cart)
    if now is not None and price_fen is not None and now.price_fen != price_fen:
        raise changed([price_part(title, price_fen, now.price_fen)])
    raise OutOfStock(max(now.stock, 0) if now else 0, title)


def _order_values(buyer_id: int, shop_id: int, terms: Terms, quote_id: int | None = None) -> dict:
    """The order's columns the terms decide, worked out before any stock is taken, so a bad
    window or payment method refuses the order with nothing written."""
    destination = terms.destination
    # A window's value, or "as soon as possible" / pickup, promised from now (only while the
    # shop is open: webapp/shops/promise.py, which reads the shop only for those two).
    fulfilment, start, end = choose(lambda: db.session.get(Shop, shop_id), terms.window,
                                    lat=destination.lat, lng=destination.lng)
    method = PaymentMethod(terms.payment_method)
    # Paid online: not the shop's until the gateway confirms the payment (webapp/payments).
    prepaid = method in ONLINE
    if prepaid and METHOD_CHANNEL[method] not in channels_for(shop_id):
        raise ServiceError(_("本店暂不支持该支付方式，请换一种。"), 422)
    return dict(
        buyer_id=buyer_id, shop_id=shop_id, quote_id=quote_id, payment_method=method,
        status=Status.AWAITING_PAYMENT if prepaid else Status.PLACED,
        placed_at=None if prepaid else utcnow(),
        recipient_name=destination.name.strip(), recipient_mobile=destination.mobile.strip(),
        address=destination.text.strip()[:200], district_code=destination.district_code,
        dest_lat=destination.lat, dest_lng=destination.lng, note=(terms.note or "").strip(),
        idempotency_key=terms.idempotency_key, window_start=start, window_end=end,
        fulfilment=fulfilment)


def write_order(values: dict, lines: list[dict], *, fee_fen: int | None = None,
                shown_fee: int | None = None) -> int | None:
    """Store an order (`values`: _order_values), its lines ({product_id, variant_id,
    variant_name, title, unit_price_fen, quantity}) and its first event, and announce it to the
    shop once the caller commits; the order's id. The stock is the caller's: taken before this.

    The delivery fee is `fee_fen` (a quote's), or else the shop's as the INSERT reads it; with
    `shown_fee`, only if it is the one the page showed: otherwise nothing is inserted and the
    answer is None (the caller rolls back). The order records the fee its statement checked.
    Three statements: the order (INSERT ... SELECT ... RETURNING), its lines, its event.
    """
    table, shop = Order.__table__, Shop.__table__
    items_fen = sum(line["unit_price_fen"] * line["quantity"] for line in lines)
    fee = shop.c.delivery_fee_fen if fee_fen is None else literal(fee_fen, Integer)
    columns = {**values, "items_fen": items_fen}
    chosen = select(*(literal(value, table.c[name].type) for name, value in columns.items()),
                    fee, fee + literal(items_fen, Integer)).where(shop.c.id == values["shop_id"])
    if shown_fee is not None:
        chosen = chosen.where(shop.c.delivery_fee_fen == shown_fee)
    placed = db.session.execute(insert(table).from_select(
        [*columns, "delivery_fee_fen", "total_fen"], chosen).returning(
        table.c.id, table.c.total_fen)).first()
    if placed is None:
        return None
    order_id, total_fen = placed
    db.session.execute(insert(OrderLine.__table__), [{**line, "order_id": order_id}
                                                     for line in lines])
    kind, params = ((EventKind.PLACED_FROM_QUOTE, {"quote": values["quote_id"]})
                    if values["quote_id"] is not None else (EventKind.PLACED, {}))
    db.session.execute(insert(OrderEvent.__table__).values(
        order_id=order_id, actor_id=values["buyer_id"], action=None, kind=kind, params=params,
        from_status=None, to_status=values["status"]))
    if values["status"] is Status.PLACED:
        emit_after_commit(db.session, "order:placed", {"id": order_id, "status": "placed"},
                          shop_room(values["shop_id"]))
        notices.order_placed(order_id, values["shop_id"], total_fen, values["quote_id"])
    return order_id


# Built once (every refusal asks it, only the values change): building was a third of its cost.
_ID_BY_KEY = select(Order.id).where(Order.buyer_id == bindparam("buyer_id"),
                                    Order.idempotency_key == bindparam("key"))


def id_by_key(buyer_id: int, idempotency_key: str) -> int | None:
    """The id of the order this buyer placed with this key, if any."""
    return db.session.scalar(_ID_BY_KEY, {"buyer_id": buyer_id, "key": idempotency_key})


def _by_key(buyer: User, idempotency_key: str) -> Order | None:
    order_id = id_by_key(buyer.id, idempotency_key)
    return db.session.get(Order, order_id) if order_id is not None else None


def place_order(buyer: User, shop_id: int, lines: dict[int, int] | None = None, *,
                destination: Destination, window: str, payment_method: str, note: str = "",
                idempotency_key: str, cart: ShopCart | None = None,
                shown: Shown | None = None, variants: dict[int, int] | None = None) -> Order:
    """Order from one shop: `variants` ({variant id: quantity}), `lines` ({product id:
    quantity} of products of one variant each) or, if neither, the buyer's cart there (`cart`
    as the caller loaded it, else read here); the order as stored (see _place).
    place_cart_order is the checkout page's way: the same, answering only the id."""
    assert cart is None or (lines is None and variants is None), \
        "order either the cart or the given lines"
    if lines is not None:
        if (found := only_variants(lines)) is None:
            raise off_sale(None)
        variants = {**found, **(variants or {})}
    terms = Terms(destination, window, payment_method, idempotency_key, note, shown)
    return db.session.get(Order, _place(buyer, shop_id, variants, terms, cart))



def place_cart_order(buyer: User, cart: ShopCart, terms: Terms) -> int:
    """Order the buyer's cart at one shop as this request loaded it and its page showed it
    (`terms.shown`); the id of the new order, or of the one this key already placed.

    Commits without expiring what the request loaded (the buyer, the cart): all that follows is
    the redirect, and reading the buyer again after the commit was one statement more."""
    return _place(buyer, cart.shop.id, None, terms, cart, keep_loaded=True)


def _place(buyer: User, shop_id: int, lines: dict[int, int] | None, terms: Terms,
           cart: ShopCart | None, *, keep_loaded: bool = False) -> int:
    """All lines or none: each takes its stock with a conditional UPDATE, and one short line
    rolls the whole order back.

    The same idempotency key always gives the same order, so a double tap or a retry after a
    lost response places one order. The key is looked up only when the order is refused, before
    saying why (the order it names emptied the cart or took the stock); (buyer, key) is unique,
    so an order placed with it while this one ran makes this one's INSERT fail, and that order
    is the answer.

    `cart` is the buyer's cart at the shop as this request already loaded it (the checkout page
    shows it): its lines are ordered without reading them again, and a line it already shows
    short or off sale is refused before anything is written (nothing to roll back, and the
    page keeps the cart as loaded: the error has `cart_as_seen`). The conditional UPDATE stays
    the guard for stock that runs out after the cart was read.

    `terms.shown` is what the checkout page showed: lines, quantities, prices and the fee must
    be the same, or the order is refused (409) naming what changed. Each price is checked by
    the statement that takes its line's stock and the fee by the one that inserts the order,
    so what the order records is what was checked.
    """
    if cart is not None and (refusal := cart_refusal(cart)) is not None:
        refusal.cart_as_seen = True
        return _refused(buyer, terms, refusal)
    try:
        shop, lines, products, from_cart = _checked(buyer, shop_id, lines, terms, cart)
    except ServiceError as error:  # nothing written: nothing to roll back
        return _refused(buyer, terms, error)
    try:
        return _write(buyer, shop, lines, products, terms, from_cart, keep_loaded)
    except (ServiceError, IntegrityError) as error:
        # The same key raced in from another tab and won while this one ran: its order emptied
        # the cart, took the stock or holds the key (the INSERT fails). That order is this one;
        # without it, the refusal stands.
        db.session.rollback()
        return _refused(buyer, terms, error)


def _refused(buyer: User, terms: Terms, error: Exception) -> int:
    """The order this key placed, or else `error` raised."""
    if (existing := id_by_key(buyer.id, terms.idempotency_key)) is not None:
        return existing
    raise error


def cart_refusal(cart: ShopCart) -> ServiceError | None:
    """Why the buyer's cart at a shop, as loaded with its products, cannot be ordered (a line
    off sale or short); None if nothing stands in the way yet."""
    return _refusal(*_cart_lines(cart))


def _cart_lines(cart: ShopCart) -> tuple[dict[int, int], dict[int, ProductVariant]]:
    """({variant id: quantity}, {variant id: variant}) of a cart loaded with its variants and
    their products."""
    return ({item.variant_id: item.quantity for item in cart.items},
            {item.variant_id: item.variant for item in cart.items})


def _refusal(lines: dict[int, int], variants: dict[int, ProductVariant]) -> ServiceError | None:
    """Why the order cannot be placed as the variants and their products were read, line by line
    in the order their stock is taken (an unknown, removed or unpublished one, a quantity out of
    range, stock short); None if nothing stands in the way yet."""
    for variant_id, quantity in sorted(lines.items()):
        variant = variants.get(variant_id)
        product = variant.product if variant is not None else None
        if product is None or variant.retired or not (product.published and product_sellable(product)):
            return off_sale(variant.line_title if variant is not None else None)
        if not 1 <= quantity <= MAX_QUANTITY:
            return ServiceError(_("数量需为 1 到 %(max)s。", max=MAX_QUANTITY), 422)
        if variant.stock < quantity:
            return OutOfStock(max(variant.stock, 0), variant.line_title)
    return None


def _lines_and_products(buyer: User, shop: Shop, lines: dict[int, int] | None,
                        cart: ShopCart | None) -> tuple[dict[int, int], dict[int, ProductVariant]]:
    """({variant id: quantity}, {variant id: variant, its product loaded})."""
    if cart is not None and lines is None:
        return _cart_lines(cart)
    if lines is None:
        lines = {item.variant_id: item.quantity for item in db.session.scalars(
            select(CartItem).join(Product).where(CartItem.user_id == buyer.id,
                                                 Product.shop_id == shop.id))}
    variants = {v.id: v for v in db.session.scalars(
        select(ProductVariant).join(Product, Product.id == ProductVariant.product_id)
        .options(contains_eager(ProductVariant.product))
        .where(ProductVariant.id.in_(lines), Product.shop_id == shop.id))} if lines else {}
    return lines, variants


def _checked(buyer: User, shop_id: int, lines: dict[int, int] | None, terms: Terms,
             cart: ShopCart | None) -> tuple[Shop, dict[int, int], dict[int, ProductVariant], bool]:
    """(shop, lines, products, from the cart?) of an order nothing refuses as read; or raise
    why not, having written nothing."""
    shop = db.session.get(Shop, shop_id)  # the cart already loaded it: no second query
    if shop is None or shop.status is not ShopStatus.ACTIVE:
        raise ServiceError(_("该店铺已暂停营业或不存在，无法下单。"), 404)
    from_cart = lines is None
    lines, products = _lines_and_products(buyer, shop, lines, cart)
    if not lines:
        raise Conflict(_("购物车中没有该店铺的商品。"))
    # Refuse what the read already shows before writing anything; the UPDATEs decide.
    if (refusal := _refusal(lines, products)) is not None:
        raise refusal
    if terms.shown is not None and (change := cart_change(terms.shown, lines, products,
                                                          shop.delivery_fee_fen)) is not None:
        raise change
    return shop, lines, products, from_cart


def _write(buyer: User, shop: Shop, lines: dict[int, int], products: dict[int, ProductVariant],
           terms: Terms, from_cart: bool, keep_loaded: bool) -> int:
    """Take each line's stock, store the order, empty the cart lines ordered, commit.
    (`products`: each line's variant, its product loaded.)"""
    values = _order_values(buyer.id, shop.id, terms)
    order_lines, taken = [], {}
    for variant_id, quantity in sorted(lines.items()):
        variant = products[variant_id]
        take_stock(variant.id, quantity, variant.line_title, price_fen=variant.price_fen)
        taken[variant.product_id] = taken.get(variant.product_id, 0) + quantity
        order_lines.append(dict(product_id=variant.product_id, variant_id=variant.id,
                                variant_name=variant.name, title=variant.product.title,
                                unit_price_fen=variant.price_fen, quantity=quantity))
    count_out(taken)
    shown = terms.shown
    # Collected at the shop: no delivery fee (the checkout's 到店自取 says so); the shop's fee is
    # still checked against the page's.
    order_id = write_order(values, order_lines, shown_fee=shown.fee_fen if shown else None,
                           fee_fen=0 if values["fulfilment"] is Fulfilment.PICKUP else None)
    if order_id is None:  # the shop's fee is no longer the one the page showed
        db.session.rollback()
        fee = db.session.scalar(select(Shop.delivery_fee_fen).where(Shop.id == shop.id))
        raise changed([fee_part(shown.fee_fen, fee)])
    if from_cart:
        db.session.execute(delete(CartItem).where(CartItem.user_id == buyer.id,
                                                  CartItem.variant_id.in_(list(lines))))
    _commit(keep_loaded)
    return order_id


def _commit(keep_loaded: bool) -> None:
    """Commit; with `keep_loaded`, the objects the session holds keep their values."""
    session = db.session()
    session.expire_on_commit = not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def place_quote_order(buyer: User, quote, *, destination: Destination, window: str,
                      payment_method: str, note: str = "", idempotency_key: str) -> Order:
    """Add the order for an accepted quote, at the quoted price, to the caller's transaction.

    The demand code has claimed the demand and the quote with conditional UPDATEs before calling
    this, and commits after it (the order:placed event goes out then). A quote naming a product
    takes its stock like a cart line; a short stock rolls the whole transaction back, claims
    included. A free-text item is a line without a product.
    """
    values = _order_values(buyer.id, quote.shop_id, Terms(destination, window, payment_method,
                                                          idempotency_key, note), quote.id)
    if quote.variant_id is not None:
        take_stock(quote.variant_id, quote.quantity, quote.title, in_cart=False)
        count_out({quote.product_id: quote.quantity})
    variant = db.session.get(ProductVariant, quote.variant_id) if quote.variant_id else None
    line = dict(product_id=quote.product_id, variant_id=quote.variant_id,
                variant_name=variant.name if variant is not None else "",
                title=quote.title[:80], unit_price_fen=quote.unit_price_fen,
                quantity=quote.quantity)
    return db.session.get(Order, write_order(values, [line], fee_fen=quote.delivery_fee_fen))
