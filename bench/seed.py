"""Bench data on top of `flask seed-demo`: 50 products in the demo shop, a contested product,
buyers with a cart and an address each, and one order under delivery. Prints JSON.

Run as `python -m bench.seed --buyers 200 --stock 20` with the server's environment."""
from __future__ import annotations

import argparse
import json
import secrets

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from webapp import create_app
from webapp.extensions import db

BUYER_PASSWORD = "bench-buyer-2026"
SHOP_PRODUCTS = 50
CONTEST_TITLE = "限量秒杀 车厘子 1 斤"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--stock", type=int, default=20)
    args = parser.parse_args()
    app = create_app({"SOCKETIO_ASYNC_MODE": "threading", "SOCKETIO_MESSAGE_QUEUE": None})
    with app.app_context(), app.test_request_context():
        print(json.dumps(seed(args.buyers, args.stock)))


def seed(buyers: int, stock: int) -> dict:
    from webapp.catalog.services import create_product
    from webapp.cli import DEMO_PRODUCTS, demo_fruit
    from webapp.delivery import actions as courier_actions
    from webapp.models import Address, CartItem, Product, Role, User
    from webapp.orders import actions as order_actions
    from webapp.orders import checkout as order_checkout
    from webapp.shops.services import by_handle
    from webapp.shops.windows import delivery_windows
    from webapp.uploads import clean_image

    shop = by_handle("fresh-fruit")
    merchant = db.session.get(User, shop.owner_id)
    courier = db.session.scalar(select(User).where(User.mobile == "13800000001"))
    buyer = db.session.scalar(select(User).where(User.email == "buyer@example.com"))
    have = len(list(db.session.scalars(select(Product.id).where(Product.shop_id == shop.id))))
    photo = clean_image(demo_fruit((200, 120, 40)))  # one photo, stored once per product
    # The contested product first, so the shop still shows exactly 50 products on sale.
    contest = create_product(shop, title=CONTEST_TITLE, description="每人限购 1 件",
                             price_fen=9900, stock=stock, published=True, category="produce",
                             photo=photo)
    for n in range(have + 1, SHOP_PRODUCTS):
        title, price, _, _ = DEMO_PRODUCTS[n % len(DEMO_PRODUCTS)]
        create_product(shop, title=f"{title} 第 {n} 批", description="产地直采，当日送达。",
                       price_fen=price + n, stock=50, published=True, category="produce",
                       photo=photo)

    cheap = generate_password_hash(BUYER_PASSWORD, method="pbkdf2:sha256:1000")
    emails = []
    for n in range(buyers):
        email = f"bench-buyer-{n}@example.com"
        user = User(email=email, role=Role.BUYER, display_name=f"压测买家 {n}", password_hash=cheap)
        db.session.add(user)
        db.session.flush()
        db.session.add(Address(user_id=user.id, contact_name=f"买家 {n}", mobile="13900000002",
                               province_code="11", city_code="1101", district_code="110105",
                               detail=f"建国路 {n} 号", lat=39.9087, lng=116.4605,
                               is_default=True))
        db.session.add(CartItem(user_id=user.id, product_id=contest.id, quantity=1))
        emails.append(email)
    db.session.commit()

    # One order under delivery: the demo buyer's, carried by the demo courier.
    address = db.session.scalar(select(Address).where(Address.user_id == buyer.id))
    first_product = db.session.scalar(select(Product.id).where(Product.shop_id == shop.id)
                                      .order_by(Product.id))
    order = order_checkout.place_order(
        buyer, shop.id, {first_product: 1}, destination=order_checkout.Destination.of(address),
        window=delivery_windows(shop)[0].value, payment_method="cod",
        idempotency_key=secrets.token_hex(16))
    order_actions.accept(order.id, merchant)
    order_actions.assign(order.id, merchant, courier.id)
    courier_actions.start(order.id, courier)
    return {"shop_id": shop.id, "contest_product": contest.id, "stock": stock,
            "buyers": emails, "password": BUYER_PASSWORD, "order_id": order.id}


if __name__ == "__main__":
    main()
