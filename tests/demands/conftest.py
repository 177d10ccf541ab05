"""A district with buyers and merchants for demands and quotes, and short ways to act."""
from __future__ import annotations

import secrets

import pytest

from tests.support.demands import ELSEWHERE, HERE, checkout_window, demand_input, quote_input
from tests.support.factories import copied_world
from webapp.demands import decisions, posting, quoting
from webapp.models import Role, ShopStatus, utcnow


class Place:
    pass


@pytest.fixture
def market(app, make_user, make_shop, make_product):
    """Two verified shops in one district (A sells produce, B sells produce and digital), a
    shop in another district, a merchant without a shop, a suspended shop, two buyers."""
    return copied_world(lambda: _market(make_user, make_shop, make_product), "market")


def _market(make_user, make_shop, make_product) -> Place:
    m = Place()
    now = utcnow()
    m.buyer, m.other_buyer = make_user(Role.BUYER), make_user(Role.BUYER)
    m.merchant_a, m.merchant_b, m.merchant_far = (make_user(Role.MERCHANT) for _ in range(3))
    m.shop_a = make_shop(m.merchant_a, district_code=HERE, verified_at=now, delivery_fee_fen=500)
    m.shop_b = make_shop(m.merchant_b, district_code=HERE, verified_at=now)
    m.shop_far = make_shop(m.merchant_far, district_code=ELSEWHERE, verified_at=now)
    m.product_a = make_product(m.shop_a, title="妃子笑荔枝 5 斤", price_fen=5900, stock=3,
                               category="produce")
    m.product_b = make_product(m.shop_b, title="赣南脐橙", price_fen=3990, stock=10,
                               category="produce")
    m.gadget_b = make_product(m.shop_b, title="蓝牙音箱", price_fen=19900, stock=5,
                              category="digital")
    m.product_far = make_product(m.shop_far, category="produce")
    m.unapproved = make_user(Role.MERCHANT)
    m.merchant_suspended = make_user(Role.MERCHANT)
    m.shop_suspended = make_shop(m.merchant_suspended, district_code=HERE, verified_at=now,
                                 status=ShopStatus.SUSPENDED)
    m.courier = make_user(Role.COURIER, shop_id=m.shop_a.id)
    m.admin = make_user(Role.ADMIN)
    return m


@pytest.fixture
def post(app):
    """Post a demand through the service."""

    def post_demand(buyer, **changes):
        return posting.post_demand(buyer, demand_input(**changes))

    return post_demand


@pytest.fixture
def offer(app):
    """Submit a quote through the service."""

    def submit(merchant, demand, **changes):
        return quoting.submit_quote(merchant, demand.id, quote_input(**changes))

    return submit


@pytest.fixture
def address_of(app):
    """Add an address to the buyer's book through the service."""
    from webapp.addresses import services as addresses

    def make(user, **fields):
        values = {"contact_name": "张三", "mobile": "13912345678", "province_code": "11",
                  "city_code": "1101", "district_code": HERE, "detail": "建国路 1 号",
                  "lat": None, "lng": None, "is_default": False, **fields}
        return addresses.save(user, None, **values)

    return make


@pytest.fixture
def accept(app):
    """Accept a quote through the service, as the checkout page does."""
    from webapp.orders.terms import Destination

    def accept_quote(buyer, quote, key: str | None = None, **changes):
        values = {"destination": Destination("张三", "13912345678", "北京市 市辖区 朝阳区 建国路 1 号",
                                             HERE),
                  "window": checkout_window(app, quote), "payment_method": "cod", "note": "",
                  "idempotency_key": key or secrets.token_hex(16), **changes}
        return decisions.accept_quote(buyer, quote.id, **values)

    return accept_quote
