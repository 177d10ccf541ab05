"""A demand whose order fell through opens again (issue 19): however the order placed from its
quote ended without the goods (cancelled by the buyer or the shop, not accepted in time, a failed
delivery taken back or called off), the quotes accepting it closed come back to the comparison
while still valid and their shop active, the accepted one is marked so, and another can be
accepted; a demand past its needed-by time expires instead."""
from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.demands import HERE, checkout_window
from webapp.delivery import actions as courier_actions
from webapp.demands import comparison, decisions
from webapp.demands.reopening import reopen_for
from webapp.extensions import db
from webapp.models import (
    Demand,
    DemandStatus,
    EventKind,
    Order,
    Product,
    Quote,
    Role,
    Shop,
    ShopStatus,
    Status,
    User,
    utcnow,
)
from webapp.orders import actions as order_actions
from webapp.orders import expiry, failures
from webapp.orders.terms import Destination

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


class Scene:
    pass


def scene(app, needed_in=timedelta(days=2)) -> Scene:
    """A buyer's demand with four quotes: A (to accept), B (still valid), C (its shop suspended
    meanwhile) and D (past its valid-until meanwhile)."""
    s = Scene()
    n = secrets.token_hex(3)
    s.buyer = User(role=Role.BUYER, email=f"b{n}@example.com", display_name="b", password_hash="x")
    owners = [User(role=Role.MERCHANT, email=f"m{i}{n}@example.com", display_name=f"m{i}",
                   password_hash="x") for i in range(4)]
    db.session.add_all([s.buyer, *owners])
    db.session.flush()
    s.shops = [Shop(owner_id=o.id, handle=f"r{i}-{n}", name=f"店 {i}", district_code=HERE)
               for i, o in enumerate(owners)]
    db.session.add_all(s.shops)
    db.session.flush()
    s.owners = owners
    s.courier = User(role=Role.COURIER, email=f"c{n}@example.com", display_name="c",
                     password_hash="x", shop_id=s.shops[0].id)
    products = [Product(shop_id=shop.id, title="荔枝", price_fen=100, stock=10, published=True,
                        category="produce") for shop in s.shops]
    s.demand = Demand(buyer_id=s.buyer.id, title="荔枝", category="produce", quantity=1,
                      district_code=HERE, needed_by=utcnow() + needed_in, idempotency_key=n * 10)
    db.session.add_all([s.courier, *products, s.demand])
    db.session.flush()
    s.quotes = [Quote(demand_id=s.demand.id, shop_id=shop.id, product_id=p.id, title="荔枝",
                      unit_price_fen=100 + i, quantity=1, delivery_fee_fen=0,
                      earliest_delivery=utcnow(), valid_until=utcnow() + timedelta(hours=20))
                for i, (shop, p) in enumerate(zip(s.shops, products))]
    db.session.add_all(s.quotes)
    db.session.commit()
    s.product = products[0]
    return s


def accept(app, s: Scene, quote: Quote) -> Order:
    return decisions.accept_quote(
        s.buyer, quote.id, destination=Destination("x", "13900000000", "x", HERE),
        window=checkout_window(app, quote), payment_method="cod",
        idempotency_key=secrets.token_hex(16))


def end(app, s: Scene, order: Order, how: str) -> None:
    merchant = s.owners[0]
    if how == "cancelled by the buyer":
        order_actions.cancel(order.id, s.buyer, "")
    elif how == "refused by the shop":
        order_actions.refuse(order.id, merchant, "今天休息")
    elif how == "not accepted in time":
        db.session.get(Order, order.id).placed_at -= timedelta(
            minutes=app.config["ORDER_ACCEPT_MINUTES"] + 1)
        db.session.commit()
        assert expiry.expire_overdue(order_id=order.id) == 1
    else:  # a failed delivery, then taken back or called off
        order_actions.accept(order.id, merchant)
        order_actions.assign(order.id, merchant, s.courier.id)
        courier_actions.start(order.id, s.courier)
        courier_actions.fail(order.id, s.courier, "absent")
        if how == "failure taken back":
            failures.take_back(order.id, merchant)
        else:
            order_actions.cancel(order.id, s.buyer, "")


def statuses(s: Scene) -> list[str]:
    db.session.expire_all()
    return [str(db.session.scalar(select(Quote.status).where(Quote.id == q.id)))
            for q in s.quotes]


ENDINGS = ["cancelled by the buyer", "refused by the shop", "not accepted in time",
           "failure taken back", "failure called off"]


@pytest.mark.parametrize("how", ENDINGS)
def test_the_demand_reopens_with_the_quotes_still_valid(app, how):
    s = scene(app)
    a, b, c, d = s.quotes
    order = accept(app, s, a)
    assert statuses(s) == ["accepted", "not_chosen", "not_chosen", "not_chosen"]
    # Meanwhile shop C is suspended and quote D's validity runs out.
    db.session.get(Shop, c.shop_id).status = ShopStatus.SUSPENDED
    db.session.get(Quote, d.id).valid_until = utcnow() - timedelta(minutes=1)
    db.session.commit()

    end(app, s, order, how)

    db.session.expire_all()
    assert db.session.get(Order, order.id).status in (Status.CANCELLED, Status.RETURNED)
    assert db.session.get(Demand, s.demand.id).status is DemandStatus.OPEN
    assert statuses(s) == ["fell_through", "live", "not_chosen", "not_chosen"]
    kinds = [e.kind for e in db.session.get(Order, order.id).events]
    assert kinds.count(EventKind.DEMAND_REOPENED) == 1
    offers, others = comparison.compare(db.session.get(Demand, s.demand.id))
    assert [o.quote.id for o in offers] == [b.id] and offers[0].acceptable
    assert {q.id for q in others} == {a.id, c.id, d.id}
    # The quote whose order fell through is not accepted twice; another is.
    with pytest.raises(Exception, match="订单已取消"):
        accept(app, s, db.session.get(Quote, a.id))
    db.session.rollback()
    second = accept(app, s, db.session.get(Quote, b.id))
    assert second.quote_id == b.id
    assert db.session.get(Demand, s.demand.id).status is DemandStatus.ACCEPTED


def test_a_demand_past_its_needed_by_time_expires_instead(app):
    s = scene(app, needed_in=timedelta(hours=2))
    order = accept(app, s, s.quotes[0])
    db.session.get(Demand, s.demand.id).needed_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    order_actions.cancel(order.id, s.buyer, "")
    db.session.expire_all()
    assert db.session.get(Demand, s.demand.id).status is DemandStatus.EXPIRED
    assert statuses(s) == ["fell_through", "not_chosen", "not_chosen", "not_chosen"]
    assert EventKind.DEMAND_REOPENED not in [e.kind for e in db.session.get(Order, order.id).events]


def test_an_order_from_the_shop_page_reopens_nothing(app):
    s = scene(app)
    accept(app, s, s.quotes[0])
    assert reopen_for(Order(quote_id=None)) is None  # an order placed from a shop's page
    assert db.session.get(Demand, s.demand.id).status is DemandStatus.ACCEPTED
