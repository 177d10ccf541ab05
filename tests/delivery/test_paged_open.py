"""The courier's open deliveries a page at a time (issue 17): under way first, then by window,
then by id; nothing lost or shown twice while deliveries are added and finished between page
loads; group headings only where the group changes, also across a page boundary; an exact
count; a bad ?open_after= a 400 with a message; a live redraw shows the first page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.helpers import HX, assert_fragment, url
from tests.support.orders import take_steps
from tests.support.paged import more_url
from tests.support.walks import ids_in
from webapp import paging
from webapp.delivery import lists
from webapp.extensions import db
from webapp.models import Delivery, Order, Status, utcnow
from webapp.orders.state import FINAL, TRACKING

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S = Status
HEADINGS = {"配送中": lists.UNDER_WAY, "今天": lists.TODAY, "之后": lists.LATER}
ITEM = re.compile(r'<h2>(配送中|今天|之后)</h2>|id="courier-order-(\d+)"')


@pytest.fixture
def open_page_of(monkeypatch):
    monkeypatch.setattr(lists, "OPEN_PAGE", 2)


@pytest.fixture
def deliver(world, advance):
    """A delivery of the courier's in `status` whose window starts `days` from now."""
    world.product.stock = 500
    db.session.commit()

    def make(status: Status, days: float = 0) -> int:
        order = advance(status)
        order.window_start = utcnow().replace(microsecond=0) + timedelta(days=days)
        order.window_end = order.window_start + timedelta(hours=2)
        db.session.commit()
        return order.id

    return make


def open_keys(courier) -> dict[int, tuple]:
    """The courier's open deliveries now, each with its place in the list."""
    db.session.rollback()
    rows = db.session.execute(select(Order.id, Order.status, Order.window_start).join(
        Delivery, Delivery.order_id == Order.id).where(Delivery.courier_id == courier.id))
    return {i: (0 if s in TRACKING else 1, w, i) for i, s, w in rows if s not in FINAL}


def read(text: str) -> list:
    """A page's headings (as groups) and order ids, in the page's order."""
    return [HEADINGS[h] if h else int(i) for h, i in ITEM.findall(text)]


def walk_open(client, app, between=lambda step: None):
    """Read the open list (first page as a live redraw does, then each "more" row as htmx),
    noting the list before each read; `between(step)` changes deliveries before a next read."""
    pages, snapshots = [], []
    following = url(app, "delivery.index")
    while following is not None:
        if pages:
            between(len(pages))
        snapshots.append(open_keys(client.courier))
        response = client.get(following, headers=HX)
        assert response.status_code == 200, response.text[:300]
        pages.append(read(response.text))
        following = more_url(response.text.split("<h2>已结束</h2>")[0])
    return pages, snapshots


def test_a_walk_while_deliveries_are_added_and_moved_loses_and_repeats_none(
        app, as_party, world, deliver, open_page_of):
    """Between reads a delivery is added with an overdue window (behind the walk once it has
    reached today's), one after every other (shown when reached), and the last one waiting is
    picked up (under way: it moves behind the walk, to the top of the list)."""
    first = [deliver(S.DELIVERING, 1), deliver(S.DISPATCHED, -1), deliver(S.DISPATCHED, 0),
             deliver(S.ARRIVED, 2), deliver(S.DISPATCHED, 1), deliver(S.DELIVERY_FAILED, 3),
             deliver(S.DISPATCHED, 2), deliver(S.DISPATCHED, 4)]
    added = []
    client = as_party(world.courier)
    client.courier = world.courier

    def between(step):
        added.append((deliver(S.DISPATCHED, -2), deliver(S.DISPATCHED, 5 + step)))
        if step == 2:
            take_steps(first[-1], world, ["start"])

    pages, snapshots = walk_open(client, app, between)
    shown = [item for page in pages for item in page if isinstance(item, int)]
    assert len(shown) == len(set(shown)) and len(pages) >= 5
    # Each page shows exactly what was open at its read, after the page before's last card and
    # up to its own last card (the last page: to the end).
    boundary = None
    for n, (page, snapshot) in enumerate(zip(pages, snapshots, strict=True)):
        ids = [i for i in page if isinstance(i, int)]
        assert len(ids) <= 2
        last = snapshot[ids[-1]] if n < len(pages) - 1 else None
        assert ids == [i for i, key in sorted(snapshot.items(), key=lambda kv: kv[1])
                       if (boundary is None or key > boundary) and (last is None or key <= last)]
        boundary = last
    # Open and in place from the start: each shown once; the one picked up before the walk
    # reached it moved to the top (a redraw shows it there), behind the walk.
    assert set(first[:-1]) <= set(shown) and first[-1] not in shown
    assert [later for _, later in added] == shown[-len(added):]  # reached: shown
    # The first page held only what is under way: the first overdue one came after it, the
    # next ones behind the walk (a redraw's first page shows them).
    assert added[0][0] in shown and not {overdue for overdue, _ in added[1:]} & set(shown)


def test_headings_where_the_group_changes_also_across_a_page_boundary(app, as_party, world,
                                                                       deliver, open_page_of):
    riding, today, overdue = deliver(S.DELIVERING, 3), deliver(S.DISPATCHED, 0), \
        deliver(S.DISPATCHED, -1)
    later = [deliver(S.DISPATCHED, 2), deliver(S.DELIVERY_FAILED, 3)]
    client = as_party(world.courier)
    client.courier = world.courier
    pages, _ = walk_open(client, app)
    U, T, L = lists.UNDER_WAY, lists.TODAY, lists.LATER
    assert pages == [[U, riding, T, overdue], [today, L, later[0]], [later[1]]]
    # Without htmx the next page is a page of its own: its first group is headed.
    response = client.get(url(app, "delivery.index", open_after=paging.encode(
        [1, db.session.get(Order, overdue).window_start, overdue])))
    assert read(response.text.split('id="main"')[1]) == [T, today, L, later[0]]
    assert "<html" in response.text and 'id="open-count"' in response.text


def test_a_full_page_and_nothing_today_says_so_and_the_history_waits_below_the_last_page(
        app, as_party, world, deliver, open_page_of):
    later = [deliver(S.DISPATCHED, 2), deliver(S.DISPATCHED, 3), deliver(S.DISPATCHED, 4)]
    done = deliver(S.COMPLETED, 0)
    client = as_party(world.courier)
    page = client.get(url(app, "delivery.index")).text
    assert read(page) == [lists.TODAY, lists.LATER, *later[:2]] and "今天暂无待配送订单" in page
    assert "已结束" not in page and f"courier-done-{done}" not in page  # below the last page
    last = client.get(more_url(page), headers=HX).text
    assert read(last) == [later[2]] and f'id="courier-done-{done}"' in last
    assert last.index(f"courier-order-{later[2]}") < last.index("<h2>已结束</h2>")


def test_the_count_is_exact_and_one_statement(app, as_party, world, deliver, open_page_of,
                                              statements):
    for status, days in ((S.DELIVERING, 0), (S.ARRIVED, 0), (S.DISPATCHED, 1),
                         (S.DELIVERY_FAILED, 0), (S.DISPATCHED, 2), (S.COMPLETED, 0)):
        deliver(status, days)
    deliver(S.CANCELLED)  # never the courier's
    client = as_party(world.courier)
    del statements[:]
    page = client.get(url(app, "delivery.index")).text
    assert re.search(r'id="open-count">5 单未完成<', page)
    assert len([s for s in statements if re.match(r"SELECT count\(\*\)", s, re.I)]) == 1


def test_a_live_redraw_shows_the_first_page(app, as_party, world, deliver, open_page_of):
    ids = [deliver(S.DISPATCHED, d) for d in (1, 2, 3)]
    client = as_party(world.courier)
    first = client.get(url(app, "delivery.index")).text
    client.get(more_url(first), headers=HX)
    riding = deliver(S.DELIVERING, 5)  # a status change: the socket's order:updated redraws
    text = assert_fragment(client.get(url(app, "delivery.index"), headers=HX),
                           "courier-deliveries")
    assert ids_in(text, "courier-order-") == [riding, ids[0]]
    assert 'id="open-count">4 单未完成<' in text
    assert more_url(text) == url(app, "delivery.index", open_after=paging.encode(
        [1, db.session.get(Order, ids[0]).window_start, ids[0]]))


BAD = ["!!", paging.encode(["x", "y", 1]), paging.encode([0, 1]), paging.encode([0, 5, 1]),
       paging.encode([0, "2026-01-01", 1]), paging.encode([True, {"d": "2026-01-01"}, 1]),
       paging.encode([0, {"t": "2026-01-01T00:00:00"}, 2**64]), paging.encode([None] * 3)]


@pytest.mark.parametrize("cursor", BAD)
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_bad_open_cursor_is_a_400_with_a_message(app, as_party, world, cursor, headers):
    response = as_party(world.courier).get(url(app, "delivery.index", open_after=cursor),
                                           headers=headers)
    assert response.status_code == 400 and "页码参数无效" in response.text


def test_another_courier_sees_none_of_them(app, as_party, world, deliver):
    mine = deliver(S.DISPATCHED, 1)
    other = as_party(world.other_courier)
    for headers in ({}, HX):
        for query in ({}, {"open_after": paging.encode([0, {"t": "2000-01-01T00:00:00"}, 0])}):
            text = other.get(url(app, "delivery.index", **query), headers=headers).text
            assert ids_in(text, "courier-order-") == [] and f"#{mine}" not in text
    assert 'id="open-count">0 单未完成<' in other.get(url(app, "delivery.index")).text


def test_the_open_list_costs_the_same_statements_for_many(app, as_party, world, deliver,
                                                          statements, open_page_of):
    client = as_party(world.courier)
    counts = []
    for statuses in ([S.DISPATCHED] * 3, [S.DISPATCHED, S.DELIVERING] * 4):
        for status in statuses:
            deliver(status, 1)
        del statements[:]
        text = client.get(url(app, "delivery.index")).text
        assert len(ids_in(text, "courier-order-")) == 2
        counts.append(len(statements))
    assert counts[0] == counts[1]
