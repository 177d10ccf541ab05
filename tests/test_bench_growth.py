"""bench/growth.py, the data of the growth benchmark (bench/test_growth.py, issue 17): the small
size has something in every list the benchmark measures (each of the buyer's tabs, each column of
the board, the courier's open and finished deliveries, the demand feed, each review queue), the
large size holds the totals its docstring names (its products found by search), and growing to a
size again adds nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench import growth
from webapp.cli import seed_demo
from webapp.extensions import db
from webapp.models import (
    ApplicationStatus,
    Delivery,
    Demand,
    DemandStatus,
    MerchantApplication,
    Order,
    Product,
    Quote,
    QuoteStatus,
    Status,
    User,
)
from webapp.orders.expiry import expire_overdue
from webapp.orders.state import FINAL
from webapp.search.services import PAGE_SIZE, search

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def statuses(column, *where) -> dict:
    return dict(db.session.execute(select(column, func.count()).where(*where).group_by(column)).all())


def demo_buyer() -> int:
    return db.session.scalar(select(User.id).where(User.email == "buyer@example.com"))


def test_the_small_size_has_some_of_everything_and_the_large_the_totals(app):
    with app.test_request_context():
        assert seed_demo()
    added = growth.grow(growth.SIZES["small"])["added"]
    assert added == {"products": 38, "orders": 12, "demands": 10, "applications": 3}
    buyer = demo_buyer()
    # One order in each status: every tab, every board column, the courier's two lists.
    assert statuses(Order.status, Order.buyer_id == buyer) == {status: 1 for status in Status}
    courier = statuses(Order.status, Order.id.in_(select(Delivery.order_id)))
    assert set(courier) & FINAL and set(courier) - FINAL
    assert set(statuses(Demand.status, Demand.buyer_id == buyer)) == set(DemandStatus)
    assert statuses(Quote.status)[QuoteStatus.LIVE] >= 1
    assert set(statuses(MerchantApplication.status)) == set(ApplicationStatus) - {ApplicationStatus.DRAFT}
    assert len(statuses(Product.category)) == len(growth.CATEGORY_MIX)

    added = growth.grow(growth.SIZES["large"])["added"]
    assert added == {"products": 4950, "orders": 1988, "demands": 1990, "applications": 996}
    assert db.session.scalar(select(func.count(Product.id))) == 5000
    assert sum(statuses(Order.status, Order.buyer_id == buyer).values()) == 1000
    assert db.session.scalar(select(func.count(Order.id))) == 2000
    assert statuses(Demand.status)[DemandStatus.OPEN] == 500 + 1000
    assert sum(statuses(MerchantApplication.status).values()) == 1000
    # The products are found as the app's own would be (their search key is written).
    with app.test_request_context():
        assert len(search("红富士").products) == PAGE_SIZE
    # Placed orders are minutes old: reading them expires none while the benchmark runs.
    assert expire_overdue(buyer_id=buyer) == 0
    assert statuses(Order.status, Order.buyer_id == buyer)[Status.PLACED] == 39
    assert growth.grow(growth.SIZES["large"])["added"] == dict.fromkeys(added, 0)
