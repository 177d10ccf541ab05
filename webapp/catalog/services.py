"""Products, always loaded through the shop that owns them."""
from __future__ import annotations

from flask import abort
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import Product, Shop
from webapp.web import ServiceError


def products_of(shop: Shop) -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.shop_id == shop.id)
                                   .order_by(Product.id.desc())))


def own_product(shop: Shop, product_id: int) -> Product:
    product = db.session.scalar(select(Product).where(Product.id == product_id,
                                                      Product.shop_id == shop.id))
    if product is None:
        abort(404)
    return product


def create_product(shop: Shop, *, title: str, description: str, price_fen: int, stock: int,
                   published: bool) -> Product:
    """Add a product to the shop."""
    product = Product(shop_id=shop.id, title=title.strip(), description=description.strip(),
                      price_fen=price_fen, stock=stock, published=published)
    db.session.add(product)
    db.session.commit()
    return product


def update_product(product: Product, *, title: str, description: str, price_fen: int,
                   stock: int, stock_seen: int, published: bool) -> Product:
    """Change a product's details; stock moves by what the merchant changed, so orders placed
    while the form was open are not undone."""
    delta = stock - stock_seen
    if delta:
        changed = db.session.execute(
            update(Product).where(Product.id == product.id, Product.stock + delta >= 0)
            .values(stock=Product.stock + delta).execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            db.session.rollback()
            db.session.refresh(product)
            raise ServiceError(f"库存已变化（当前 {product.stock} 件），请重新填写。", 409)
    product.title, product.description = title.strip(), description.strip()
    product.price_fen, product.published = price_fen, published
    db.session.commit()
    db.session.refresh(product)
    return product


def set_published(product: Product, published: bool) -> Product:
    """Put a product on sale or take it off."""
    product.published = published
    db.session.commit()
    return product
