"""Products, always loaded through the shop that owns them."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.catalog import variants
from webapp.extensions import db
from webapp.licences.services import require as require_licence
from webapp.models import Product, ProductVariant, Shop
from webapp.uploads import CleanImage, discard, fit_photo, store

# Product photos are shown at card and phone width: a 12-megapixel original would make every
# list and card download megabytes, so the stored copy is at most this many pixels across.
PHOTO_MAX_SIDE = 1200
PHOTO_FOLDER = "products"


def own_product(shop: Shop, product_id: int) -> Product:
    product = db.session.scalar(select(Product).where(Product.id == product_id,
                                                      Product.shop_id == shop.id))
    if product is None:
        abort(404)
    return product


def _stored(photo: CleanImage | None) -> str | None:
    return store(fit_photo(photo, PHOTO_MAX_SIDE), PHOTO_FOLDER) if photo is not None else None


def create_product(shop: Shop, *, title: str, description: str, price_fen: int, stock: int,
                   published: bool, category: str = "other", low_stock_at: int = 5,
                   photo: CleanImage | None = None, variant_name: str = "",
                   barcode: str | None = None) -> Product:
    """Add a product to the shop with its first variant (named or not), with its photo if one
    was taken; on sale in a regulated category only with a valid licence (webapp/licences)."""
    if published:
        require_licence(shop.id, category)
    image = _stored(photo)
    product = Product(shop_id=shop.id, title=title.strip(), description=description.strip(),
                      price_fen=price_fen, stock=stock, published=published, category=category,
                      low_stock_at=low_stock_at, image=image, variant_count=1)
    product._variants_given = True
    db.session.add_all([product, ProductVariant(
        product=product, shop_id=shop.id, name=(variant_name or "").strip(), price_fen=price_fen,
        stock=stock, low_stock_at=low_stock_at, barcode=barcode or None, position=0,
        retired=False)])
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if image:
            discard(image)
        raise variants.barcode_taken(shop.id, barcode) from None
    except BaseException:
        db.session.rollback()
        if image:
            discard(image)
        raise
    return product


def update_product(product: Product, *, title: str, description: str, price_fen: int,
                   stock: int, stock_seen: int, published: bool, category: str | None = None,
                   low_stock_at: int | None = None, photo: CleanImage | None = None,
                   remove_photo: bool = False, variant_name: str | None = None,
                   barcode: str | None = None) -> Product:
    """Change a product's details. For a product of one variant also its price, stock,
    low-stock level, variant name and barcode (a product of several has them per variant, and
    `price_fen` is None). Stock moves by what the merchant changed, so orders placed while the
    form was open are not undone. A new photo replaces the old file once saved."""
    if published:
        require_licence(product.shop_id, category if category is not None else product.category)
    # The variant's rows first, then the product's (the order checkout takes them in).
    only = variants.only_variant(product.id) if price_fen is not None else None
    if only is not None:
        variants.move_stock(product.id, only.id, stock - stock_seen)
        try:
            variants.update_where(ProductVariant, ProductVariant.id == only.id,
                                  name=(variant_name or "").strip()[:variants.NAME_MAX],
                                  barcode=barcode or None)
            db.session.flush()
        except IntegrityError:
            raise variants.barcode_taken(product.shop_id, barcode) from None
        product.price_fen = price_fen  # written to the variant too (variants.py)
        if low_stock_at is not None:
            product.low_stock_at = low_stock_at
    product.title, product.description = title.strip(), description.strip()
    product.published = published
    if category is not None:
        product.category = category
    old = product.image
    new = _stored(photo)
    if new or remove_photo:
        product.image = new
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if new:
            discard(new)
        raise
    if old and old != product.image:
        discard(old)
    db.session.refresh(product)
    return product


def set_published(product: Product, published: bool) -> Product:
    """Put a product on sale (in a regulated category only with a valid licence) or take it off."""
    if published:
        require_licence(product.shop_id, product.category)
    product.published = published
    db.session.commit()
    return product
