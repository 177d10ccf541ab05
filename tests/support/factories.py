"""Rows made through the models and services: a world to act in, a complete KYC application."""
from __future__ import annotations

from sqlalchemy import select

from tests.support.images import jpeg_bytes
from webapp.extensions import db
from webapp.models import Product, Role, Shop, User


def window_value(app, shop: Shop | None = None) -> str:
    """The first delivery window `shop` offers now (a shop with the default settings if None)."""
    from webapp.shops.windows import delivery_windows

    with app.test_request_context():
        return delivery_windows(shop)[0].value


def build_world(make_user, make_shop, make_product, make_courier, stock: int = 5):
    class World:
        pass

    w = World()
    w.merchant = make_user(Role.MERCHANT)
    w.shop = make_shop(w.merchant)
    w.courier = make_courier(w.shop)
    w.product = make_product(w.shop, stock=stock)
    w.buyer = make_user(Role.BUYER)
    w.other_buyer = make_user(Role.BUYER)
    w.other_merchant = make_user(Role.MERCHANT)
    w.other_shop = make_shop(w.other_merchant)
    w.other_courier = make_courier(w.other_shop)
    w.admin = make_user(Role.ADMIN)
    return w


def stock_of(product: Product) -> int:
    return db.session.scalar(select(Product.stock).where(Product.id == product.id))


COMPLETE_APPLICATION = {
    "legal_name": "王小明", "id_number": "11010519491231002X", "uscc": "91110000600037341L",
    "mobile": "13900001111", "shop_name": "Green Grocer 绿色菜铺",
    "shop_address": "北京市 朝阳区 建国路 1 号", "province_code": "11", "city_code": "1101",
    "district_code": "110105", "street": "建国路 1 号",
}


def submit_complete(merchant: User, **fields):
    """Submit a complete application (with three document photos) through the service."""
    from webapp.merchants.services import submit_application
    from webapp.uploads import clean_image

    documents = {kind: clean_image(jpeg_bytes()) for kind in ("id_front", "id_back",
                                                              "licence_photo")}
    return submit_application(merchant, **{**COMPLETE_APPLICATION, **fields},
                              documents=documents)
