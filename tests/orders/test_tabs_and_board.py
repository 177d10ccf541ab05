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
    counts = dict(re.findall(r'id="tab-(\w+)"[^>]*>(?:(?!</a>).)*?<span class="count">(\d+)</span>',
                             text, re.S))
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


def test_the_board_draws_the_action_choices_once_not_per_card(app, client, login_as, world,
                                                              advance):
    """A card carries no form: 接单 is a button of the page's one form, the others link to the
    order's page (its fields) and name the action the page's one dialog posts to; the couriers and
    reasons are drawn once, in the page, not in the board's live redraws nor a redrawn card."""
    world.product.stock = 50
    placed = [advance(Status.PLACED).id for _ in range(3)]
    accepted = [advance(Status.ACCEPTED).id for _ in range(3)]
    login_as(world.merchant)
    page = assert_page(client.get(url(app, "orders.board")), "order-board")
    cards = dict(re.findall(r'<article [^>]*id="board-order-(\d+)"(.*?)</article>', page, re.S))
    assert {int(n) for n in cards} == {*placed, *accepted}
    assert not [n for n, text in cards.items() if re.search(r"<(form|select|input)\b", text)]
    for n in placed:
        assert f'form="board-post" formaction="/orders/{n}/accept"' in cards[str(n)]
        assert f'href="/orders/{n}#refuse-{n}"' in cards[str(n)]
        assert f'data-post="/orders/{n}/refuse"' in cards[str(n)]
    for n in accepted:
        assert f'href="/orders/{n}#courier-{n}"' in cards[str(n)]
        assert f'data-post="/orders/{n}/assign"' in cards[str(n)]
        assert f'data-post="/orders/{n}/cancel"' in cards[str(n)]
    courier = f'<option value="{world.courier.id}">'
    assert page.count(courier) == 1 and page.count('value="商品缺货"') == 1
    assert re.search(r'<form id="board-post" method="post"[^>]*><input type="hidden" '
                     r'name="csrf_token" value="[^"]+"></form>', page)
    for dialog in ("refuse", "assign", "cancel"):
        assert page.count(f'id="{dialog}-dialog"') == 1
    redraw = assert_fragment(client.get(url(app, "orders.board"), headers=HX), "order-board")
    assert 'id="assign-dialog"' not in redraw and courier not in redraw
    card = client.get(url(app, "orders.detail", order_id=accepted[0]),
                      headers={**HX, "HX-Target": f"board-order-{accepted[0]}"}).text
    assert "<form" not in card and courier not in card and "/assign" in card
