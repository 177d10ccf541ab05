"""The buyer's tabs and the merchant's board a page at a time (webapp/paging.py): a walk through
the "more" rows while orders are placed and change status between two reads shows each order as
it was when its page was read (tests/support/walks.py): none twice, none that stayed in the list
lost; tabs and columns keep exact counts; a bad cursor or column is a 400; nobody sees another's
orders. Small page sizes here so that a few orders make many pages; one test uses the real sizes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support.helpers import HX, assert_fragment, url
from tests.support.orders import take_steps
from tests.support.walks import expected_pages, ids_in, more_url, walk
from webapp import paging
from webapp.extensions import db
from webapp.models import Order, Status
from webapp.orders import queries
from webapp.orders.state import FINAL

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S = Status
# Placed in this order: every tab and board column holds orders spread over the ids.
HISTORY = [S.COMPLETED, S.PLACED, S.ACCEPTED, S.CANCELLED, S.ARRIVED, S.PLACED, S.COMPLETED,
           S.DELIVERING, S.PLACED, S.CANCELLED, S.ACCEPTED, S.PLACED, S.ARRIVED, S.PLACED,
           S.DELIVERY_FAILED, S.DISPATCHED, S.ACCEPTED, S.COMPLETED]


@pytest.fixture
def history(world, advance):
    world.product.stock = 500
    db.session.commit()
    return [advance(status).id for status in HISTORY]


@pytest.fixture
def small_pages(monkeypatch):
    for name in ("BUYER_PAGE", "BOARD_PAGE", "FINISHED_PAGE"):
        monkeypatch.setattr(queries, name, 3)


def statuses_of(where) -> dict[int, Status]:
    db.session.rollback()
    return dict(db.session.execute(select(Order.id, Order.status).where(where)).all())


def _lowest(status, highest=False) -> int | None:
    ids = sorted(i for i, s in statuses_of(Order.id > 0).items() if s is status)
    return (ids[-1] if highest else ids[0]) if ids else None


def changes(world, place):
    """Between two reads: a new order, or one order moved to another tab / column (the oldest
    or newest of its status: some ahead of the walk, some behind it)."""
    moves = [(None, None), (S.PLACED, ["accept"]), (S.PLACED, ["cancel"]),
             (S.ACCEPTED, ["assign", "start", "arrive"]), (S.ARRIVED, ["sign"]),
             (S.PLACED, ["accept"])]

    def change(step: int):
        status, steps = moves[step % len(moves)]
        if status is None:
            place(world.buyer, world.product)
            return
        order_id = _lowest(status, highest=step % 2 == 0)
        if order_id is not None:
            take_steps(order_id, world, steps)

    return change


@pytest.mark.parametrize("tab", list(queries.BUYER_TABS))
def test_a_walk_through_a_tab_shows_each_order_once_as_its_page_found_it(
        app, client, login_as, world, place, history, small_pages, tab):
    login_as(world.buyer)
    statuses = queries.BUYER_TABS[tab][1]
    done = walk(client, url(app, "orders.index", tab=tab), "buyer-order-",
                lambda: statuses_of(Order.buyer_id == world.buyer.id),
                between=changes(world, place))
    member = (lambda s: True) if statuses is None else (lambda s: s in statuses)
    assert done.pages == expected_pages(done, member, descending=True)
    assert all(len(page) <= 3 for page in done.pages)
    shown = done.shown
    assert len(shown) == len(set(shown)) and shown == sorted(shown, reverse=True)
    # Every order that was in the tab from the first read to the last was shown.
    stayed = {i for i, s in done.snapshots[0].items()
              if all(i in snap and member(snap[i]) for snap in done.snapshots)}
    assert stayed <= set(shown)
    if tab == "all":
        assert set(done.snapshots[0]) <= set(shown) and len(done.pages) >= 6


@pytest.mark.parametrize("column", [*queries.BOARD_COLUMNS, queries.DONE])
def test_a_walk_through_a_board_column(app, client, login_as, world, place, history, small_pages,
                                       column):
    login_as(world.merchant)
    statuses = FINAL if column == queries.DONE else queries.BOARD_COLUMNS[column][1]

    def part(text):
        return re.search(rf'<section class="board-col" id="col-{column}"(.*?)</section>', text,
                         re.S).group(1)

    done = walk(client, url(app, "orders.board"), "board-order-",
                lambda: statuses_of(Order.shop_id == world.shop.id), part=part,
                between=changes(world, place))
    descending = column == queries.DONE
    assert done.pages == expected_pages(done, lambda s: s in statuses, descending)
    assert len(done.pages) >= 2 and all(len(page) <= 3 for page in done.pages)
    assert done.shown == sorted(done.shown, reverse=descending)


def test_tab_and_column_counts_are_exact_past_the_first_page(app, as_party, world, history,
                                                               small_pages):
    expected = {tab: sum(1 for s in HISTORY if statuses is None or s in statuses)
                for tab, (_, statuses) in queries.BUYER_TABS.items()}
    text = as_party(world.buyer).get(url(app, "orders.index")).text
    counts = dict(re.findall(r'id="tab-(\w+)"[^>]*>(?:(?!</a>).)*?<span class="count">(\d+)</span>',
                             text, re.S))
    assert {tab: int(n) for tab, n in counts.items()} == {t: n for t, n in expected.items() if n}
    assert len(ids_in(text, "buyer-order-")) == 3 and more_url(text)
    board = as_party(world.merchant).get(url(app, "orders.board")).text
    shown = dict(re.findall(r'id="count-(\w+)">(\d+)<', board))
    assert shown.pop("returns") == "0"  # no goods coming back in this history (hidden section)
    columns = {**{k: v for k, (_, v) in queries.BOARD_COLUMNS.items()}, "done": FINAL}
    assert {k: int(n) for k, n in shown.items()} == {
        k: sum(1 for s in HISTORY if s in statuses) for k, statuses in columns.items()}


def test_real_page_sizes_and_the_plain_link_without_javascript(app, as_party, world, place):
    world.product.stock = 500
    db.session.commit()
    placed = [place(world.buyer, world.product).id for _ in range(queries.BUYER_PAGE + 1)]
    buyer = as_party(world.buyer)
    first = buyer.get(url(app, "orders.index")).text
    assert ids_in(first, "buyer-order-") == placed[::-1][:queries.BUYER_PAGE]
    following = more_url(first)
    assert following == url(app, "orders.index", tab="all",
                             after=paging.encode([placed[1]]))
    # Without htmx the link is a whole page: the tabs, the next orders, no further "more" row.
    rest = buyer.get(following).text
    assert rest.lstrip().startswith("<!doctype html>") and 'id="tab-placed"' in rest
    assert ids_in(rest, "buyer-order-") == [placed[0]] and more_url(rest) is None
    board = as_party(world.merchant).get(url(app, "orders.board")).text
    new = re.search(r'id="col-new"(.*?)</section>', board, re.S).group(1)
    assert ids_in(new, "board-order-") == placed[:queries.BOARD_PAGE]
    assert (more_url(new) is None) == (len(placed) <= queries.BOARD_PAGE)


@pytest.mark.parametrize(("who", "endpoint", "args", "says"), [
    ("buyer", "orders.index", {"after": "!!"}, "页码参数无效"),
    ("buyer", "orders.index", {"tab": "done", "after": paging.encode(["x"])}, "页码参数无效"),
    ("buyer", "orders.index", {"after": paging.encode([1, 2])}, "页码参数无效"),
    ("buyer", "orders.index", {"after": paging.encode([2**70])}, "页码参数无效"),
    ("merchant", "orders.board", {"column": "new", "after": "%%%"}, "页码参数无效"),
    ("merchant", "orders.board", {"column": "done", "after": paging.encode([True])}, "页码参数无效"),
    ("merchant", "orders.board", {"column": "nonsense"}, "看板上没有这一栏"),
    ("merchant", "orders.board", {"column": ""}, "看板上没有这一栏"),
])
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_bad_cursor_or_column_is_a_400_with_a_message(app, as_party, world, who, endpoint,
                                                        args, says, headers):
    response = as_party(getattr(world, who)).get(url(app, endpoint, **args), headers=headers)
    assert response.status_code == 400 and says in response.text


def test_another_buyers_orders_never_appear_on_any_page(app, as_party, world, place, small_pages):
    world.product.stock = 500
    db.session.commit()
    mine, theirs = [], []
    for n in range(10):  # interleaved ids
        (mine if n % 2 else theirs).append(place(world.buyer if n % 2 else world.other_buyer,
                                                 world.product).id)
    client = as_party(world.buyer)
    done = walk(client, url(app, "orders.index"), "buyer-order-",
                lambda: statuses_of(Order.buyer_id == world.buyer.id))
    assert done.shown == mine[::-1]
    # A cursor taken from the other buyer's list leads on in one's own list only.
    after = client.get(url(app, "orders.index", after=paging.encode([theirs[-1]])), headers=HX)
    assert set(ids_in(after.text, "buyer-order-")) <= set(mine)
    other_shop = as_party(world.other_merchant).get(url(app, "orders.board", column="new",
                                                        after=paging.encode([0])), headers=HX)
    assert other_shop.status_code == 200 and ids_in(other_shop.text, "board-order-") == []


def test_a_column_page_is_its_cards_and_the_next_more_row(app, as_party, world, history,
                                                          small_pages):
    merchant = as_party(world.merchant)
    board = assert_fragment(merchant.get(url(app, "orders.board"), headers=HX), "order-board")
    new = re.search(r'id="col-new"(.*?)</section>', board, re.S).group(1)
    placed = [i for i, s in zip(history, HISTORY, strict=True) if s is S.PLACED]
    assert ids_in(new, "board-order-") == placed[:3]
    text = merchant.get(more_url(new), headers=HX).text
    assert text.lstrip().startswith("<article") and "col-new" not in text
    assert ids_in(text, "board-order-") == placed[3:6] and more_url(text) is None
