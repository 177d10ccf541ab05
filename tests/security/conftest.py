"""A marketplace full of other people's things, intruders to try them with, and a way to see that
nothing changed: the database's committed rows before and after a request."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.support.database import SavedWorld
from tests.support.factories import new_product, new_shop, new_user, submit_complete
from tests.support.images import jpeg_bytes, signature_data_url
from tests.support.licences import grant
from tests.support.payments import WECHAT_SHOP, Gateways, approve_account
from tests.support.security import HERE, RECEIPT_CODE, SHOP_A_BARCODE, security_app
from webapp.extensions import db
from webapp.handover.links import make_token
from webapp.licences.state import LicenceStatus
from webapp.models import AccountStatus, Order, Role, ShopPaymentAccount, ShopStatus, utcnow
from webapp.payments.accounts import seal


@pytest.fixture(scope="session")
def payment_gateways(tmp_path_factory):
    running = Gateways(tmp_path_factory.mktemp("payments"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def security_world(request, tmp_path_factory, payment_gateways):
    """One app and one world of victims per module, built once (seconds) and put back before
    each test (milliseconds): rows, photos and settings as built, whatever the test before did.
    A module sets APP_SETTINGS for its app (e.g. CSRF protection on)."""
    settings = getattr(request.module, "APP_SETTINGS", {})
    for app in security_app(request, tmp_path_factory.mktemp("security"), **settings):
        payment_gateways.reset()
        app.extensions["payment_channels"] = payment_gateways.channels()
        victims = build_victims(new_user, new_shop, new_product, payment_gateways)
        yield app, victims, SavedWorld(app), payment_gateways.state()


@pytest.fixture
def app(security_world, payment_gateways):
    app, _, saved, gateways = security_world
    saved.restore()
    payment_gateways.restore(gateways)
    yield app


class Victims:
    """The victims (buyer A, merchant A with shop A and courier A, pending applicants), their
    things, and the intruders."""


def _order(buyer, product, address, steps, *, merchant, courier, payment_method="cod",
           window=None):
    from flask import current_app

    from tests.support.factories import window_value
    from webapp.delivery import actions as courier_actions
    from webapp.delivery.services import record_position
    from webapp.orders import actions as order_actions
    from webapp.orders import checkout as order_checkout
    from webapp.orders import failures
    from webapp.orders import signing as order_signing
    from webapp.orders.terms import Destination

    order = order_checkout.place_order(buyer, product.shop_id, {product.id: 1},
                               destination=Destination.of(address),
                               window=window or window_value(current_app, product.shop),
                               payment_method=payment_method, note="",
                               idempotency_key=secrets.token_hex(16))
    for step in steps:
        if step == "accept":
            order_actions.accept(order.id, merchant)
        elif step == "assign":
            order_actions.assign(order.id, merchant, courier.id)
        elif step == "start":
            courier_actions.start(order.id, courier)
            record_position(courier, {"order_id": order.id, "lat": 39.9, "lng": 116.4})
        elif step == "arrive":
            courier_actions.arrive(order.id, courier)
        elif step == "sign":
            order_signing.sign(order.id, buyer, "签收人秘密", signature_data_url())
        elif step == "fail":
            courier_actions.fail(order.id, courier, "absent")
        elif step == "take_back":
            failures.take_back(order.id, merchant)
    db.session.expire_all()
    return order


def _failed_refund(order, buyer, gateways):
    """A refund the channel could not take, for the admin to send again: the order paid by
    WeChat Pay, then cancelled by its buyer while the gateway was away (one attempt allowed)."""
    from flask import current_app

    from webapp.models import Purpose, Refund
    from webapp.orders import actions as order_actions
    from webapp.payments import records
    from webapp.payments.channels import PaymentKind
    from webapp.payments.devgateway import UNAVAILABLE

    payment = records.start(order, "wechat", Purpose.PREPAY, PaymentKind.QR)
    gateways.wechat.mark_paid(payment.out_trade_no)
    records.check(payment)
    config = current_app.config
    attempts, config["REFUND_ATTEMPTS"], gateways.wechat.failure = (
        config["REFUND_ATTEMPTS"], 1, UNAVAILABLE)
    order_actions.cancel(order.id, buyer, "不想要了")
    config["REFUND_ATTEMPTS"], gateways.wechat.failure = attempts, None
    refund = db.session.query(Refund).filter_by(order_id=order.id).one()
    assert refund.status == "failed", refund.status
    return refund


def build_victims(make_user, make_shop, make_product, gateways) -> Victims:
    from webapp.addresses import services as addresses
    from webapp.admin import services as admin
    from webapp.cart import services as cart
    from webapp.catalog import services as catalog
    from webapp.catalog import variants
    from webapp.demands import posting, quoting
    from webapp.models import Purpose
    from webapp.payments import records
    from webapp.payments.channels import PaymentKind
    from webapp.shops.services import shop_of
    from webapp.uploads import clean_image, store

    v = Victims()
    now = utcnow()
    v.admin = make_user(Role.ADMIN)

    # Merchant A: an approved application (documents, ID number), shop A in HERE, courier A.
    v.merchant_a = make_user(Role.MERCHANT)
    v.application_a = submit_complete(v.merchant_a, legal_name="法人秘密甲", mobile="13600008888")
    v.shop_a = admin.approve(v.application_a.id, v.admin)
    v.shop_a = shop_of(v.merchant_a)
    v.courier_a = make_user(Role.COURIER, shop_id=v.shop_a.id, display_name="骑手秘密甲")
    v.product = make_product(v.shop_a, title="公开商品甲", stock=50, category="produce")
    v.product_2 = make_product(v.shop_a, title="公开商品乙", stock=50, category="produce")
    # Shop A's product with a choice of variants: one to change, one to remove.
    v.varied = make_product(v.shop_a, title="规格秘密商品", stock=4, category="produce")
    v.variant_edit = variants.add_variant(v.varied, name="500g", price_fen=990, stock=3)
    v.variant_remove = variants.add_variant(v.varied, name="1kg", price_fen=1890, stock=2)
    v.unpublished = catalog.create_product(
        v.shop_a, title="未上架秘密商品", description="", price_fen=990, stock=5, published=False,
        category="produce", photo=clean_image(jpeg_bytes()))
    # The barcode scanner (catalog.barcode): shop A's code is "not found" for everyone else.
    only = variants.only_variant(v.unpublished.id)
    variants.update_variant(v.unpublished, only.id, name="", price_fen=990, stock=5, stock_seen=5,
                            barcode=SHOP_A_BARCODE)

    # Three applications waiting for review, a shop to suspend and one suspended.
    v.pending = [submit_complete(make_user(Role.MERCHANT), legal_name="待审法人秘密")
                 for _ in range(3)]
    v.shop_x = make_shop(district_code=HERE, verified_at=now)
    v.shop_suspended = make_shop(district_code=HERE, verified_at=now, status=ShopStatus.SUSPENDED)

    # Buyer A: addresses, a cart, orders in every state, demands with quotes from shop A.
    v.buyer_a = make_user(Role.BUYER, display_name="买家秘密甲")
    fields = {"contact_name": "收件人秘密甲", "mobile": "13700009999", "province_code": "11",
              "city_code": "1101", "district_code": HERE, "detail": "秘密路 77 号", "lat": None,
              "lng": None, "is_default": False}
    v.address, v.address_default, v.address_delete = (
        addresses.save(v.buyer_a, None, **fields) for _ in range(3))
    v.cart_item = cart.add(v.buyer_a, v.product.id, 1)
    v.cart_item_remove = cart.add(v.buyer_a, v.product_2.id, 1)

    def order(*steps, payment_method="cod", window=None):
        return _order(v.buyer_a, v.product, v.address, steps, merchant=v.merchant_a,
                      courier=v.courier_a, payment_method=payment_method, window=window)

    v.placed, v.placed_refuse, v.placed_cancel = order(), order(), order()
    v.accepted = order("accept")
    # Collected at the shop (issue 21): handed over at the counter, or picked up with the code.
    v.pickup_hand_over, v.pickup_code = (order("accept", window="pickup") for _ in range(2))
    v.dispatched = order("accept", "assign")
    v.delivering, v.delivering_fail = (order("accept", "assign", "start") for _ in range(2))
    v.arrived, v.arrived_sign = (order("accept", "assign", "start", "arrive") for _ in range(2))
    v.completed = order("accept", "assign", "start", "arrive", "sign")
    # Signed and not paid yet: a payment at the door is confirmed only after the signature.
    v.to_pay = order("accept", "assign", "start", "arrive", "sign")
    # Failed deliveries, to be rescheduled or taken back, and one taken back whose goods the
    # shop confirms (issue 19).
    failed = ("accept", "assign", "start", "fail")
    v.failed_reschedule, v.failed_take_back = (order(*failed) for _ in range(2))
    v.returned = order(*failed, "take_back")
    # At the door, to be signed on the courier's phone with the receipt code.
    v.arrived_handover = order("accept", "assign", "start", "arrive")
    # A rejected line's photo, as the inspection at the door stores it.
    v.completed_line = v.completed.lines[0]
    v.completed_line.reject_photo = store(clean_image(jpeg_bytes()), "inspections")
    db.session.commit()
    # Orders paid online, awaiting their payment (shop A takes WeChat Pay); the last one paid at
    # the gateway, whose notification has not arrived.
    approve_account(v.shop_a, "wechat", WECHAT_SHOP)
    v.awaiting, v.awaiting_pay, v.awaiting_check = (
        order(payment_method="wechat_online") for _ in range(3))
    # Orders paid by WeChat Pay scan at the door, signed: one to show the code for, one whose
    # code was paid at the gateway, its notification not arrived (for the check).
    signed = ("accept", "assign", "start", "arrive", "sign")
    v.door_code, v.door_check = (order(*signed, payment_method="wechat") for _ in range(2))
    scanned = records.start(v.door_check, "wechat", Purpose.AT_DOOR, PaymentKind.QR)
    gateways.wechat.mark_paid(scanned.out_trade_no)
    paid = records.start(v.awaiting_check, "wechat", Purpose.PREPAY, PaymentKind.QR)
    gateways.wechat.mark_paid(paid.out_trade_no)
    v.refund_failed = _failed_refund(order(payment_method="wechat_online"), v.buyer_a, gateways)

    # Shop X's payment accounts waiting for an admin: one to approve, one to reject.
    v.account_approve, v.account_reject = (ShopPaymentAccount(
        shop_id=v.shop_x.id, channel=channel, merchant_id=merchant_id, submitted_at=now,
        auth_token_encrypted=seal(token), status=AccountStatus.SUBMITTED)
        for channel, merchant_id, token in (("wechat", "1900000777", ""),
                                            ("alipay", "2088000000000777", "202601BBshopxgrant0777")))
    db.session.add_all([v.account_approve, v.account_reject])
    db.session.commit()
    # Shop X's licences waiting for an admin (one to approve, one to reject), and shop A's
    # approved food licence, whose photo only its merchant and the admins may see.
    v.licence_approve, v.licence_reject = (
        grant(v.shop_x, kind, status=LicenceStatus.SUBMITTED,
              photo=store(clean_image(jpeg_bytes()), "kyc")) for kind in ("food", "drug"))
    v.licence_a = grant(v.shop_a, "food", photo=store(clean_image(jpeg_bytes()), "kyc"))

    def demand(photo=False):
        return posting.post_demand(v.buyer_a, posting.DemandInput(
            title="秘密需求标题", description="秘密需求描述", category="produce", quantity=2,
            budget_fen=15000, district_code=HERE, needed_by=utcnow() + timedelta(days=2),
            idempotency_key=secrets.token_hex(16),
            photo=clean_image(jpeg_bytes()) if photo else None))

    def quote(on):
        return quoting.submit_quote(v.merchant_a, on.id, quoting.QuoteInput(
            product_id=None, title="秘密报价商品", unit_price_fen=654321, quantity=2,
            delivery_fee_fen=800, earliest_delivery=utcnow() + timedelta(hours=3),
            valid_until=utcnow() + timedelta(days=1), note="秘密报价备注"))

    v.demand = demand(photo=True)
    v.quote = quote(v.demand)
    v.quote_withdraw, v.quote_edit, v.quote_checkout = (quote(demand()) for _ in range(3))
    v.demand_close, v.demand_quote = demand(), demand()

    # After-sales requests of buyer A on shop A, one in each status a route acts on.
    from tests.support.aftersales import victim_requests

    victim_requests(v, make_product)

    # Buyer A's reviews of signed orders (tests/support/reviews.py).
    from tests.support.reviews import victim_reviews

    victim_reviews(v, lambda: order("accept", "assign", "start", "arrive", "sign"))

    # Buyer A's conversation with shop A about an accepted order (tests/support/chat.py).
    from tests.support.chat import victim_conversations

    victim_conversations(v)

    # An unread notification of buyer A's (tests/support/notifications.py).
    from tests.support.notifications import victim_notice

    victim_notice(v)

    # Shop A's receipt printer, on a port of this machine nothing listens on (a print fails
    # at once, refused), printing only when asked (tests/tickets has the printing itself).
    from webapp.models import ShopPrinter

    db.session.add(ShopPrinter(shop_id=v.shop_a.id, host="127.0.0.1", port=9, auto_print=False))
    db.session.commit()

    # The intruders: each role, owning none of the above. Merchant B's shop is approved in the
    # same district and sells the same category, so it may see buyer A's demands (and quote).
    v.buyer = make_user(Role.BUYER)
    v.merchant = make_user(Role.MERCHANT)
    v.shop_b = make_shop(v.merchant, district_code=HERE, verified_at=now)
    v.product_b = make_product(v.shop_b, category="produce")
    v.courier = make_user(Role.COURIER, shop_id=v.shop_b.id)
    v.unapproved = make_user(Role.MERCHANT)
    # One receipt code on all of buyer A's orders (a secret the matrix looks for), and a
    # tracking link buyer A shared for the order under way.
    db.session.execute(update(Order).where(Order.buyer_id == v.buyer_a.id)
                       .values(receipt_code=RECEIPT_CODE))
    db.session.commit()
    v.track_token = make_token(v.delivering)[0]
    db.session.expire_all()
    return v


@pytest.fixture
def victims(app, security_world):
    return security_world[1]


@pytest.fixture
def as_user(app, login_as):
    """A fresh test client logged in as `user` (anonymous for None)."""

    def client_for(user):
        client = app.test_client()
        if user is not None:
            login_as(user, client)
        return client

    return client_for
