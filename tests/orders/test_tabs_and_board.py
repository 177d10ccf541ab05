"""The buyer's status tabs and the merchant's board columns."""
import re

import pytest

from tests.support.helpers import HX, assert_fragment, assert_page, url
from webapp.models import Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def ids_in(text: str, prefix: str) -> set[int]:
    return {int(n) for n in re.findall(rf'id="{prefix}(\d+)"', text)}


@pytest.fixture
def orders(world, advance):
    world.product.stock = 50
    return {status: advance(status).id for status in (
        Status.PLACED, Status.ACCEPTED, Status.DELIVERING, Status.ARRIVED, Status.COMPLETED)}


@pytest.mark.parametrize(("tab", "statuses"), [
    ("all", {Status.PLACED, Status.ACCEPTED, Status.DELIVERING, Status.ARRIVED, Status.COMPLETED}),
    ("placed", {Status.PLACED}), ("on_the_way", {Status.ACCEPTED, Status.DELIVERING}),
    ("to_sign", {Status.ARRIVED}), ("done", {Status.COMPLETED}), ("cancelled", set()),
    ("nonsense", {Status.PLACED, Status.ACCEPTED, Status.DELIVERING, Status.ARRIVED,
                  Status.COMPLETED}),
])
def test_each_tab_lists_its_orders(app, client, login_as, world, orders, tab, statuses):
    login_as(world.buyer)
    text = assert_fragment(client.get(url(app, "orders.index", tab=tab), headers=HX),
                           "buyer-orders")
    assert ids_in(text, "buyer-order-") == {orders[s] for s in statuses}
    assert 'id="tab-on_the_way"' in text and '待签收' in text


def test_tab_counts_and_the_whole_page(app, client, login_as, world, orders):
    login_as(world.buyer)
    text = assert_page(client.get(url(app, "orders.index", tab="placed")), "buyer-orders")
    counts = dict(re.findall(r'id="tab-(\w+)".*?<span class="count">(\d+)</span>', text, re.S))
    assert counts == {"all": "5", "placed": "1", "on_the_way": "2", "to_sign": "1", "done": "1"}


def test_another_buyer_sees_none_of_them(app, client, login_as, world, orders):
    login_as(world.other_buyer)
    text = client.get(url(app, "orders.index")).text
    assert ids_in(text, "buyer-order-") == set() and "还没有订单" in text


def test_the_board_puts_each_order_in_its_column(app, client, login_as, world, orders):
    login_as(world.merchant)
    text = assert_fragment(client.get(url(app, "orders.board"), headers=HX), "order-board")
    columns = dict(re.findall(r'<section class="board-col" id="col-(\w+)"(.*?)</section>',
                              text, re.S))
    assert ids_in(columns["new"], "board-order-") == {orders[Status.PLACED]}
    assert ids_in(columns["accepted"], "board-order-") == {orders[Status.ACCEPTED]}
    assert ids_in(columns["on_the_way"], "board-order-") == {orders[Status.DELIVERING],
                                                             orders[Status.ARRIVED]}
    assert ids_in(columns["done"], "board-order-") == {orders[Status.COMPLETED]}
