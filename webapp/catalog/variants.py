"""Variants (规格) of a product: a name such as 500g, 1斤 or 大份, a price, a stock, a low-stock
level and an optional barcode, each. A product has at least one; carts, orders, quotes and the
checkout's stock-taking name a variant (webapp/orders/checkout.py).

The product row sums up its live variants: price_fen is the lowest price, stock the total and
variant_count how many (lists, cards, search and filters read them). Stock moves by deltas on the
variant and the product in the same transaction (never by recounting, which would lose a sale
committed meanwhile); the price and count are recounted after a merchant's change. A product of
one variant is edited as before through its own fields (price, stock, low-stock level): set
through the ORM they are written to its variant too (`_one_variant_follows`), which is also how a
product made in code gets its first variant.
"""
from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import event, exists, func, insert, inspect, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from webapp.cas import compare_and_set, update_where
from webapp.extensions import db
from webapp.models import CartItem, OrderLine, Product, ProductVariant, Quote
from webapp.web import Conflict, ServiceError

NAME_MAX = 20
_BARCODE = re.compile(r"[0-9]{8,14}")


def ean_ok(code: str) -> bool:
    """An EAN-13 or EAN-8 whose check digit is right; other lengths (8 to 14 digits, a shop's
    own codes) are taken as they are."""
    if len(code) not in (8, 13):
        return True
    body = [int(c) for c in code[:-1]]
    # Weighted 3, 1, 3, ... from the digit next to the check digit leftwards.
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(code[-1])


def clean_barcode(text: str | None) -> str | None:
    """A barcode as stored (ASCII digits only: what a scanner reads), None for none; ValueError
    with the reason. Full-width digits, as a Chinese input method types them, count as digits
    (NFKC); other scripts' digits do not (a scanned code could never find them)."""
    code = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", text or ""))
    if not code:
        return None
    if not _BARCODE.fullmatch(code):
        raise ValueError(_("条码为 8 到 14 位数字"))
    if not ean_ok(code):
        raise ValueError(_("条码校验位不对，请核对（EAN-13 / EAN-8）"))
    return code


def live_variants(product_id: int) -> list[ProductVariant]:
    return list(db.session.scalars(select(ProductVariant).where(
        ProductVariant.product_id == product_id, ProductVariant.retired.is_(False))
        .order_by(ProductVariant.position, ProductVariant.id)))


def only_variant(product_id: int) -> ProductVariant | None:
    """The product's variant when it has exactly one live variant; None otherwise."""
    variants = live_variants(product_id)
    return variants[0] if len(variants) == 1 else None


def own_variant(product: Product, variant_id: int) -> ProductVariant:
    variant = db.session.scalar(select(ProductVariant).where(
        ProductVariant.id == variant_id, ProductVariant.product_id == product.id,
        ProductVariant.retired.is_(False)))
    if variant is None:
        raise ServiceError(_("该规格不存在或已删除。"), 404)
    return variant


def recount(product_id: int) -> None:
    """Put the product's lowest price and number of live variants in step with its variants."""
    live = (ProductVariant.product_id == product_id, ProductVariant.retired.is_(False))
    update_where(Product, Product.id == product_id,
                 price_fen=select(func.min(ProductVariant.price_fen)).where(*live)
                 .scalar_subquery(),
                 variant_count=select(func.count()).select_from(ProductVariant).where(*live)
                 .scalar_subquery())


def _name(product: Product, name: str, *, other_than: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise Rejected(_("请填写规格名称，例如 500g、1斤、大份"), "name")
    if len(name) > NAME_MAX:
        raise Rejected(_("规格名称最多 %(n)s 个字", n=NAME_MAX), "name")
    taken = db.session.scalar(select(exists().where(
        ProductVariant.product_id == product.id, ProductVariant.retired.is_(False),
        func.lower(ProductVariant.name) == name.lower(),
        ProductVariant.id != (other_than or 0))))
    if taken:
        raise Rejected(_("已有同名规格：%(name)s", name=name), "name")
    return name


class Rejected(ServiceError):
    """A variant's field refused; `field` names it for the form."""

    def __init__(self, message: str, field: str, status: int = 422):
        super().__init__(message, status)
        self.field = field


def barcode_taken(shop_id: int, barcode: str | None) -> Rejected:
    db.session.rollback()
    holder = db.session.execute(select(Product.title, ProductVariant.name).join(
        Product, Product.id == ProductVariant.product_id).where(
        ProductVariant.shop_id == shop_id, ProductVariant.barcode == barcode)).first()
    label = f"{holder.title} {holder.name}".strip() if holder else ""
    return Rejected(_("条码已被本店的「%(title)s」使用", title=label), "barcode", 409)


def add_variant(product: Product, *, name: str, price_fen: int, stock: int,
                low_stock_at: int = 5, barcode: str | None = None) -> ProductVariant:
    """Add a variant to the product; its stock joins the product's."""
    name, barcode = _name(product, name), barcode or None
    position = db.session.scalar(select(func.coalesce(func.max(ProductVariant.position), 0))
                                 .where(ProductVariant.product_id == product.id)) + 1
    try:
        variant_id = db.session.execute(insert(ProductVariant).values(
            product_id=product.id, shop_id=product.shop_id, name=name, price_fen=price_fen,
            stock=stock, low_stock_at=low_stock_at, barcode=barcode, position=position,
            retired=False).returning(ProductVariant.id)).scalar_one()
    except IntegrityError:
        raise barcode_taken(product.shop_id, barcode) from None
    update_where(Product, Product.id == product.id, stock=Product.stock + stock)
    recount(product.id)
    db.session.commit()
    db.session.refresh(product)
    return db.session.get(ProductVariant, variant_id)


def _stock_changed(variant_id: int) -> ServiceError:
    now = db.session.scalar(select(ProductVariant.stock).where(ProductVariant.id == variant_id))
    return Rejected(_("库存已变化（当前 %(n)s 件），请重新填写。", n=now or 0), "stock", 409)


def move_stock(product_id: int, variant_id: int, delta: int) -> None:
    """Move a variant's stock (and its product's) by what the merchant changed, so orders placed
    while the form was open are not undone; refused if it would go below zero."""
    if delta:
        compare_and_set(ProductVariant, ProductVariant.id == variant_id,
                        ProductVariant.stock + delta >= 0,
                        conflict=lambda: _stock_changed(variant_id),
                        stock=ProductVariant.stock + delta)
        update_where(Product, Product.id == product_id, stock=Product.stock + delta)


def update_variant(product: Product, variant_id: int, *, name: str, price_fen: int, stock: int,
                   stock_seen: int, low_stock_at: int = 5,
                   barcode: str | None = None) -> ProductVariant:
    """Rename, reprice, restock a variant, or change its low-stock level or barcode."""
    variant, barcode = own_variant(product, variant_id), barcode or None
    name = _name(product, name, other_than=variant.id) if product.variant_count > 1 or name \
        else ""
    move_stock(product.id, variant.id, stock - stock_seen)
    try:
        update_where(ProductVariant, ProductVariant.id == variant.id, name=name,
                     price_fen=price_fen, low_stock_at=low_stock_at, barcode=barcode)
        db.session.flush()
    except IntegrityError:
        raise barcode_taken(product.shop_id, barcode) from None
    recount(product.id)
    db.session.commit()
    db.session.refresh(product)
    db.session.refresh(variant)
    return variant


def remove_variant(product: Product, variant_id: int) -> bool:
    """Take a variant off the product: deleted if nothing names it, else retired (order lines,
    quotes and carts keep their link); its stock leaves the product's. A product keeps at least
    one variant. True if it was deleted."""
    variant = own_variant(product, variant_id)
    if len(live_variants(product.id)) <= 1:
        raise Conflict(_("商品至少保留一个规格。"))
    named = db.session.scalar(select(or_(
        exists().where(OrderLine.variant_id == variant.id),
        exists().where(Quote.variant_id == variant.id),
        exists().where(CartItem.variant_id == variant.id))))
    # One statement decides, and says what stock left with the variant (a sale committed
    # meanwhile is counted; one under way waits for it and then finds it retired).
    left = db.session.execute(update(ProductVariant).where(
        ProductVariant.id == variant.id, ProductVariant.retired.is_(False)).values(
        retired=True, barcode=None).returning(ProductVariant.stock)
        .execution_options(synchronize_session=False)).scalar()
    if left is None:
        db.session.rollback()
        raise Conflict(_("该规格刚刚已删除。"))
    update_where(Product, Product.id == product.id, stock=Product.stock - left)
    if not named:
        db.session.delete(variant)
    recount(product.id)
    db.session.commit()
    db.session.refresh(product)
    return not named


def count_out(taken: dict[int, int]) -> None:
    """Take what an order's lines took ({product id: quantity}) from their products' totals,
    after every line's variant (webapp/orders/checkout.take_stock): all stock-taking locks
    variants first, then products, each in id order, so two checkouts never wait on each other
    in a circle."""
    for product_id, quantity in sorted(taken.items()):
        update_where(Product, Product.id == product_id, stock=Product.stock - quantity)


def only_variants(lines: dict[int, int]) -> dict[int, int] | None:
    """{variant id: quantity} for {product id: quantity}: each product's one live variant; None
    if a product has a choice of several, or none."""
    found: dict[int, list[int]] = {}
    for product_id, variant_id in db.session.execute(
            select(ProductVariant.product_id, ProductVariant.id).where(
                ProductVariant.product_id.in_(list(lines)), ProductVariant.retired.is_(False))):
        found.setdefault(product_id, []).append(variant_id)
    if any(len(found.get(product_id, ())) != 1 for product_id in lines):
        return None
    return {found[product_id][0]: quantity for product_id, quantity in lines.items()}


def put_back(product_id: int | None, variant_id: int | None, quantity: int) -> None:
    """Put stock an order took back on sale: on its variant, and on the product's total while
    the variant is live (a retired variant's stock is not the product's). A line without a
    variant (a free-text quote's) took none."""
    if variant_id is None:
        return
    update_where(ProductVariant, ProductVariant.id == variant_id,
                 stock=ProductVariant.stock + quantity)
    update_where(Product, Product.id == product_id, exists().where(
        ProductVariant.id == variant_id, ProductVariant.retired.is_(False)),
        stock=Product.stock + quantity)


def low_variants(product_ids: list[int]) -> set[int]:
    """Which of these products have a live variant at or under its low-stock level (sold out
    included): the product manager's badge."""
    if not product_ids:
        return set()
    return set(db.session.scalars(select(ProductVariant.product_id).where(
        ProductVariant.product_id.in_(product_ids), ProductVariant.retired.is_(False),
        ProductVariant.stock <= ProductVariant.low_stock_at).distinct()))


@event.listens_for(Session, "before_flush")
def _one_variant_follows(session, flush_context, instances) -> None:
    """A product added without variants gets its first, unnamed one with the product's price,
    stock and low-stock level, and a cart line or quote without a variant its product's first; a
    product of one variant whose price, stock or low-stock level
    is set through the ORM has them written to that variant too."""
    for obj in list(session.new):
        if isinstance(obj, Product) and not getattr(obj, "_variants_given", False):
            obj._variants_given = True
            session.add(ProductVariant(
                product=obj, shop_id=obj.shop_id if obj.shop_id is not None else obj.shop.id,
                name="", price_fen=obj.price_fen,
                stock=obj.stock if obj.stock is not None else 0,
                low_stock_at=obj.low_stock_at if obj.low_stock_at is not None else 5,
                position=0, retired=False))
    for obj in list(session.new):
        # A cart line or quote made in code for a product of one variant: that variant.
        if isinstance(obj, (CartItem, Quote)) and obj.variant_id is None \
                and obj.variant is None and obj.product_id is not None:
            obj.variant_id = session.connection().execute(
                select(ProductVariant.id).where(ProductVariant.product_id == obj.product_id,
                                                ProductVariant.retired.is_(False))
                .order_by(ProductVariant.position, ProductVariant.id).limit(1)).scalar()
    for obj in list(session.dirty):
        if not isinstance(obj, Product) or obj.id is None:
            continue
        state = inspect(obj)
        changed = {name: getattr(obj, name) for name in ("price_fen", "stock", "low_stock_at")
                   if state.attrs[name].history.has_changes()}
        if changed and (obj.variant_count or 1) == 1:
            session.connection().execute(
                update(ProductVariant.__table__).where(
                    ProductVariant.__table__.c.product_id == obj.id,
                    ProductVariant.__table__.c.retired.is_(False)).values(**changed))
