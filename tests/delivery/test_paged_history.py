"""The courier's list (/delivery/) keeps to a bounded size however long the courier has worked:
finished deliveries a page at a time (newest order first, through the "more" row; the open ones
are paged too, test_paged_open.py), a bad cursor a 400, another courier's deliveries never
shown, and the same statements for a short history as a long one."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.helpers import HX, assert_fragment, url
from tests.support.orders import take_steps
from tests.support.walks import expected_pages, ids_in, more_url, walk
from webapp import paging
from webapp.delivery import lists
from webapp.extensions import db
from webapp.models import Delivery, Order, Status
from webapp.orders.state import FINAL

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S = Status
HISTORY = [S.COMPLETED, S.ARRIVED, S.REFUSED, S.CANCELLED, S.COMPLETED, S.DELIVERING,
           S.PARTIALLY_REFUSED, S.ARRIVED, S.COMPLETED, S.ARRIVED, S.COMPLETED]


@pytest.fixture
def history(world, advance):
    world.product.stock = 500
    db.session.commit()
    return [advance(status).id for status in HISTORY]


def deliveries_of(courier) -> dict[int, Status]:
    db.session.rollback()
    return dict(db.session.execute(select(Order.id, Order.status).join(
        Delivery, Delivery.order_id == Order.id).where(Delivery.courier_id == courier.id)).all())


def test_a_walk_through_the_finished_deliveries(app, as_party, world, history, monkeypatch):
    """Between reads a delivery at the door is signed (it joins the history: shown if the walk
    has not passed its id yet) and a new one is taken to the door."""
    monkeypatch.setattr(lists, "HISTORY_PAGE", 2)

    def between(step):
        arrived = sorted(i for i, s in deliveries_of(world.courier).items() if s is S.ARRIVED)
        take_steps(arrived[0] if step % 2 else arrived[-1], world, ["sign"])

    done = walk(as_party(world.courier), url(app, "delivery.index"), "courier-done-",
                lambda: deliveries_of(world.courier), between=between)
    assert done.pages == expected_pages(done, lambda s: s in FINAL, descending=True)
    assert len(done.pages) >= 3 and all(len(page) <= 2 for page in done.pages)
    shown = done.shown
    assert len(shown) == len(set(shown)) and shown == sorted(shown, reverse=True)
    finished = {i for i, s in zip(history, HISTORY, strict=True) if s in FINAL and s is not
                S.CANCELLED}
    assert finished <= set(shown)  # finished from the start: all shown
    assert not set(shown) & {i for i, s in zip(history, HISTORY, strict=True)
                             if s is S.CANCELLED}  # cancelled before a courier: not theirs


def test_the_live_refresh_is_the_lists_fragment_with_the_first_page(app, as_party, world,
                                                                   history, monkeypatch):
    monkeypatch.setattr(lists, "HISTORY_PAGE", 2)
    text = assert_fragment(as_party(world.courier).get(url(app, "delivery.index"), headers=HX),
                           "courier-deliveries")
    finished = sorted((i for i, s in zip(history, HISTORY, strict=True)
                       if s in FINAL and s is not S.CANCELLED), reverse=True)
    assert ids_in(text, "courier-done-") == finished[:2]
    assert more_url(text) == url(app, "delivery.index", after=paging.encode([finished[1]]))


@pytest.mark.parametrize("after", ["!!", paging.encode(["x"]), paging.encode([1, 2]),
                                   paging.encode([2**64]), paging.encode([None])])
@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_bad_cursor_is_a_400_with_a_message(app, as_party, world, after, headers):
    response = as_party(world.courier).get(url(app, "delivery.index", after=after),
                                           headers=headers)
    assert response.status_code == 400 and "页码参数无效" in response.text


def test_another_courier_sees_none_of_them(app, as_party, world, history):
    other = as_party(world.other_courier)
    for target in (url(app, "delivery.index"),
                   url(app, "delivery.index", after=paging.encode([history[-1] + 1]))):
        text = other.get(target, headers=HX).text
        assert ids_in(text, "courier-done-") == [] and ids_in(text, "courier-order-") == []


def test_the_list_costs_the_same_statements_for_a_long_history(app, as_party, world, advance,
                                                               statements, monkeypatch):
    monkeypatch.setattr(lists, "HISTORY_PAGE", 2)
    world.product.stock = 500
    db.session.commit()
    courier = as_party(world.courier)
    counts = []
    for statuses in ([S.COMPLETED, S.COMPLETED, S.COMPLETED, S.DISPATCHED],
                     [S.COMPLETED] * 4 + [S.REFUSED, S.DISPATCHED]):
        for status in statuses:
            advance(status)
        del statements[:]
        text = courier.get(url(app, "delivery.index")).text
        assert len(ids_in(text, "courier-done-")) == 2
        counts.append(len(statements))
    assert counts[0] == counts[1]
