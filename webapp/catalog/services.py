"""Products, always loaded through the shop that owns them."""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.cas import compare_and_set
from webapp.extensions import db
from webapp.models import Product, Shop
from webapp.uploads import CleanImage, discard, fit_photo, store
from webapp.web import ServiceError

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
                   photo: CleanImage | None = None) -> Product:
    """Add a product to the shop, with its photo if one was taken."""
    image = _stored(photo)
    product = Product(shop_id=shop.id, title=title.strip(), description=description.strip(),
                      price_fen=price_fen, stock=stock, published=published, category=category,
                      low_stock_at=low_stock_at, image=image)
    db.session.add(product)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if image:
            discard(image)
        raise
    return product


def _stock_changed(product: Product) -> ServiceError:
    """Reload a product whose stock moved too far under the form and say by how much."""
    db.session.refresh(product)
    return ServiceError(_("库存已变化（当前 %(n)s 件），请重新填写。", n=product.stock), 409)


def update_product(product: Product, *, title: str, description: str, price_fen: int,
                   stock: int, stock_seen: int, published: bool, category: str | None = None,
                   low_stock_at: int | None = None, photo: CleanImage | None = None,
                   remove_photo: bool = False) -> Product:
    """Change a product's details; stock moves by what the merchant changed, so orders placed
    while the form was open are not undone. A new photo replaces the old file once saved."""
    delta = stock - stock_seen
    if delta:
        compare_and_set(Product, Product.id == product.id, Product.stock + delta >= 0,
                        conflict=lambda: _stock_changed(product), stock=Product.stock + delta)
    product.title, product.description = title.strip(), description.strip()
    product.price_fen, product.published = price_fen, published
    if category is not None:
        product.category = category
    if low_stock_at is not None:
        product.low_stock_at = low_stock_at
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
    """Put a product on sale or take it off."""
    product.published = published
    db.session.commit()
    return product
