"""Reviews for tests: signed orders of a world taken there through the real services, reviews
posted through the service, and a proof tampered with."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.support import live
from tests.support.factories import window_value
from tests.support.images import jpeg_bytes
from tests.support.orders import STEPS, take_steps
from webapp import create_app
from webapp.delivery.services import record_position
from webapp.extensions import db
from webapp.models import (
    Address,
    AfterSale,
    Order,
    Product,
    ProofOfDelivery,
    Review,
    Role,
    Shop,
    Status,
    User,
)
from webapp.orders import checkout as order_checkout
from webapp.reviews import services
from webapp.uploads import clean_image


def signed(app, world, status: Status = Status.COMPLETED, products=None) -> Order:
    """An order of `world`'s buyer taken to `status` (one line per product; `world.product` and
    `world.second` by default, so one line may be refused)."""
    products = products or [world.product, world.second]
    order = order_checkout.place_order(
        world.buyer, world.shop.id, {p.id: 1 for p in products},
        destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105"),
        window=window_value(app, world.shop), payment_method="cod",
        idempotency_key=secrets.token_hex(16))
    take_steps(order.id, world, STEPS[status])
    db.session.expire_all()
    return db.session.get(Order, order.id)


def review(world, order: Order, scores=(5, 4, 3), text: str = "很新鲜", photos: int = 0) -> Review:
    """The buyer's review of `order`, posted through the service."""
    return services.post_review(world.buyer, order.id, services.Scores(*scores), text,
                                [clean_image(jpeg_bytes()) for _ in range(photos)])


def tamper(order: Order) -> None:
    """Change a fact of the order's proof after signing (its digest no longer matches)."""
    db.session.execute(update(ProofOfDelivery).where(ProofOfDelivery.order_id == order.id)
                       .values(signer_name="改过的名字"))
    db.session.commit()
    db.session.expire_all()


def signed_late(order: Order, minutes: int = 30) -> None:
    """Move the order's promised window to end before its signature."""
    signed_at = db.session.scalar(select(ProofOfDelivery.signed_at).where(
        ProofOfDelivery.order_id == order.id))
    db.session.execute(update(Order).where(Order.id == order.id).values(
        window_end=signed_at - timedelta(minutes=minutes)))
    db.session.commit()


def victim_reviews(v, signed_order) -> None:
    """Buyer A's reviews for the security matrix (tests/security): `signed_order()` makes a signed
    order of buyer A's. One review with a photo, reported by the admin with a note only admins
    may read; one reported, to fold or dismiss; one folded, to unfold. `v.completed` stays
    unreviewed, for the review form."""
    reviews = []
    for photos in (1, 0, 0):
        order = signed_order()
        reviews.append(services.post_review(v.buyer_a, order.id, services.Scores(5, 4, 3),
                                            "公开的评价", [clean_image(jpeg_bytes())] * photos))
    v.review, v.review_reported, v.review_folded = reviews
    services.report(v.admin, v.review.id, "other", "举报秘密说明")
    services.report(v.admin, v.review_reported.id, "ad", "")
    services.fold(v.admin, v.review_folded.id, "abuse")


def signed_demo_order(database: str) -> int:
    """An order of the demo buyer at the demo shop, taken to signed (all accepted) through the
    real services in this process, on a live server's SQLite file (the browser tests)."""
    env = live.base_env(f"sqlite:///{database}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "APP_ENV": "production",
                      "SECRET_KEY": env["SECRET_KEY"], "KYC_ENCRYPTION_KEY": env["KYC_ENCRYPTION_KEY"],
                      "UPLOAD_DIR": env["UPLOAD_DIR"], "PUBLIC_URL": "http://localhost",
                      "TILE_URL": "", "RATELIMIT_ENABLED": False, "SHARED_PAGE_SECONDS": 0,
                      "SOCKETIO_ASYNC_MODE": "threading", "SOCKETIO_MESSAGE_QUEUE": None})
    with app.app_context():
        shop = db.session.scalars(select(Shop).where(Shop.handle == "fresh-fruit")).one()
        party = type("Party", (), {})()
        party.buyer = db.session.scalars(select(User).where(User.email == "buyer@example.com")).one()
        party.merchant = db.session.get(User, shop.owner_id)
        party.courier = db.session.scalars(select(User).where(
            User.role == Role.COURIER, User.shop_id == shop.id)).first()
        product = db.session.scalars(select(Product).where(
            Product.shop_id == shop.id, Product.published.is_(True), Product.stock > 0)).first()
        address = db.session.scalars(select(Address).where(
            Address.user_id == party.buyer.id)).first()
        order = order_checkout.place_order(
            party.buyer, shop.id, {product.id: 1},
            destination=order_checkout.Destination.of(address), window=window_value(app, shop),
            payment_method="cod", idempotency_key=secrets.token_hex(16))
        take_steps(order.id, party, ["accept", "assign", "start"])
        record_position(party.courier, {"order_id": order.id, "lat": address.lat or 39.9,
                                        "lng": address.lng or 116.4})
        take_steps(order.id, party, ["arrive", "sign"])
        db.session.remove()
        db.engine.dispose()
        return order.id


def after_sale(order: Order, status: str) -> None:
    """An after-sales request on `order` in `status`, written as a row (its own tests make them
    through the service): the shop's record counts the orders that have one."""
    seq = db.session.scalar(select(func.count()).select_from(AfterSale).where(
        AfterSale.order_id == order.id)) + 1
    db.session.add(AfterSale(order_id=order.id, seq=seq, buyer_id=order.buyer_id,
                             shop_id=order.shop_id, kind="refund_only", status=status,
                             reason="quality", amount_fen=100,
                             idempotency_key=secrets.token_hex(8)))
    db.session.commit()
