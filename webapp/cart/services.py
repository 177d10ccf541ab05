"""The buyer's cart: one per shop, kept in the database so nothing is lost between devices."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, join, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from webapp.cas import update_where
from webapp.extensions import db
from webapp.licences.services import product_sellable, sellable
from webapp.models import CartItem, Product, ProductVariant, Shop, ShopStatus, User
from webapp.web import MAX_ID, ServiceError

MAX_QUANTITY = 99


@dataclass
class ShopCart:
    shop: Shop
    items: list[CartItem]
    problems: dict[int, str] = field(default_factory=dict)  # cart item id -> message

    @property
    def items_fen(self) -> int:
        return sum(item.subtotal_fen for item in self.items)

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def ready(self) -> bool:
        return bool(self.items) and not self.problems


def problem_of(item: CartItem) -> str | None:
    """Why this line cannot be ordered now (or None): taken off sale (or its variant removed),
    shop closed, stock short (the variant's)."""
    product, variant = item.product, item.variant
    if not product.published or product.shop.status is not ShopStatus.ACTIVE \
            or not product_sellable(product):
        return _("该商品已下架，请移除")
    if variant.retired:
        return _("该规格已下架，请移除")
    if variant.stock <= 0:
        return _("已售罄，请移除")
    if item.quantity > variant.stock:
        return _("库存不足，仅剩 %(n)s 件", n=variant.stock)
    return None


def _items(buyer: User) -> list[CartItem]:
    query = (select(CartItem).join(Product).where(CartItem.user_id == buyer.id)
             .order_by(CartItem.id)
             .options(joinedload(CartItem.product).joinedload(Product.shop),
                      joinedload(CartItem.variant)))
    return list(db.session.scalars(query))


def carts_of(buyer: User) -> list[ShopCart]:
    """The buyer's carts, one per shop, the most recently filled first."""
    carts: dict[int, ShopCart] = {}
    for item in _items(buyer):
        cart = carts.setdefault(item.product.shop_id, ShopCart(item.product.shop, []))
        cart.items.append(item)
        if (problem := problem_of(item)) is not None:
            cart.problems[item.id] = problem
    return sorted(carts.values(), key=lambda c: max(i.id for i in c.items), reverse=True)


# The open shop with the buyer's lines there, their products and variants, in one statement built once
# (the checkout page reads it on every post; building it anew cost more than running it): the
# shop LEFT JOIN (the buyer's lines JOIN the shop's products), so an empty cart is still the
# shop's row. The lines are found by the buyer (cart_item's user_id index), their products by id.
SHOP_CART = (select(Shop, CartItem, Product, ProductVariant).select_from(Shop)
             .outerjoin(join(CartItem, Product, and_(Product.id == CartItem.product_id,
                                                    Product.shop_id == bindparam("shop_id")))
                        .join(ProductVariant, ProductVariant.id == CartItem.variant_id),
                        CartItem.user_id == bindparam("buyer_id"))
             .where(Shop.id == bindparam("shop_id"), Shop.status == ShopStatus.ACTIVE)
             .order_by(CartItem.id))


def cart_for_shop(buyer: User, shop_id: int) -> ShopCart:
    """The buyer's cart at one shop (possibly empty); 404 for a shop that is not open."""
    return shop_cart(buyer, shop_id)[0]


def shop_cart(buyer: User, shop_id: int, statement=SHOP_CART, **params) -> tuple[ShopCart, tuple]:
    """The buyer's cart at one shop as `statement` reads it (SHOP_CART, or SHOP_CART with more
    columns, whose parameters are `params`), and those columns' values; 404 for a shop that is
    not open."""
    rows = (db.session.execute(statement, {"buyer_id": buyer.id, "shop_id": shop_id, **params}).all()
            if 0 < shop_id <= MAX_ID else [])
    if not rows:
        raise ServiceError(_("该店铺已暂停营业或不存在。"), 404)
    # Each line's product and variant (and its shop) came in the same rows: item.product,
    # item.variant and product.shop are found in the session, with no statement of their own.
    cart = ShopCart(rows[0][0], [row[1] for row in rows if row[1] is not None])
    for item in cart.items:
        if (problem := problem_of(item)) is not None:
            cart.problems[item.id] = problem
    return cart, tuple(rows[0][4:])


# Built once: building the statement cost twice what running it does (every signed-in page).
_COUNT = select(func.coalesce(func.sum(CartItem.quantity), 0)).where(
    CartItem.user_id == bindparam("buyer"))


def count_of(buyer: User) -> int:
    return db.session.scalar(_COUNT, {"buyer": buyer.id}) or 0


def not_on_sale() -> ServiceError:
    """The one refusal for a product that is missing or not on sale (unpublished, or its shop
    not open): the same status and words, no title and no stock, so neither is told apart."""
    return ServiceError(_("该商品已下架或不存在。"), 404)


def on_sale(product_id: int) -> Product:
    """A product on sale in an open shop, else the not-on-sale refusal."""
    product = db.session.scalar(select(Product).join(Shop).where(
        Product.id == product_id, Product.published.is_(True),
        Shop.status == ShopStatus.ACTIVE, sellable())) if 0 < product_id <= MAX_ID else None
    if product is None:
        raise not_on_sale()
    return product


def _check_quantity(variant: ProductVariant, quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ServiceError(_("数量需为 1 到 %(max)s。", max=MAX_QUANTITY), 422)
    if variant.stock <= 0:
        raise ServiceError(_("该商品已售罄。"), 409)
    if quantity > variant.stock:
        raise ServiceError(_("库存不足，仅剩 %(n)s 件。", n=variant.stock), 409)


def choose_variant(product: Product, variant_id: int | None) -> ProductVariant:
    """The variant the buyer chose of a product on sale; without a choice, its only one. A
    product with a choice asks for one (422); one not of this product is not on sale (404)."""
    live = (ProductVariant.product_id == product.id, ProductVariant.retired.is_(False))
    if variant_id is not None:
        variant = db.session.scalar(select(ProductVariant).where(
            ProductVariant.id == variant_id, *live)) if 0 < variant_id <= MAX_ID else None
        if variant is None:
            raise not_on_sale()
        return variant
    variants = list(db.session.scalars(select(ProductVariant).where(*live).limit(2)))
    if len(variants) != 1:
        raise ServiceError(_("请先选择规格。"), 422)
    return variants[0]


def add(buyer: User, product_id: int, quantity: int, variant_id: int | None = None) -> CartItem:
    """Put `quantity` more of a product (the variant chosen, or its only one) in the buyer's
    cart at its shop."""
    product = on_sale(product_id)
    variant = choose_variant(product, variant_id)
    item = db.session.scalar(select(CartItem).where(CartItem.user_id == buyer.id,
                                                    CartItem.variant_id == variant.id))
    _check_quantity(variant, quantity + (item.quantity if item else 0))
    if item is None:
        item = CartItem(user_id=buyer.id, product_id=product.id, variant_id=variant.id,
                        quantity=quantity)
        db.session.add(item)
        try:
            db.session.commit()
            return item
        except IntegrityError:  # the same variant added from another tab a moment ago
            db.session.rollback()
            item = db.session.scalar(select(CartItem).where(
                CartItem.user_id == buyer.id, CartItem.variant_id == variant.id))
    update_where(CartItem, CartItem.id == item.id, quantity=CartItem.quantity + quantity)
    db.session.commit()
    db.session.refresh(item)
    return item


def own_item(buyer: User, item_id: int) -> CartItem:
    item = db.session.scalar(select(CartItem).where(CartItem.id == item_id,
                                                    CartItem.user_id == buyer.id))
    if item is None:
        abort(404)
    return item


def line_on_sale(buyer: User, item_id: int) -> CartItem:
    """One of the buyer's lines whose product is still on sale; one gone off sale is refused as a
    missing product is (its stock is no longer the buyer's business)."""
    item = own_item(buyer, item_id)
    product = item.product
    if not product.published or product.shop.status is not ShopStatus.ACTIVE \
            or not product_sellable(product):
        raise not_on_sale()
    return item


def set_quantity(buyer: User, item_id: int, quantity: int) -> CartItem:
    """Change a line's quantity (1 to 99, and no more than the variant's stock) while it is on
    sale."""
    item = line_on_sale(buyer, item_id)
    if item.variant.retired:
        raise ServiceError(_("该规格已下架，请移除"), 409)
    _check_quantity(item.variant, quantity)
    item.quantity = quantity
    db.session.commit()
    return item


def remove(buyer: User, item_id: int) -> int:
    """Take a line out of the cart; returns its shop's id."""
    item = own_item(buyer, item_id)
    shop_id = item.product.shop_id
    db.session.delete(item)
    db.session.commit()
    return shop_id

