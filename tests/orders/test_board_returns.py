"""The board's returns awaiting confirmation (goods coming back the shop has not yet confirmed
receiving): only the shop's own, only those still awaited, longest waiting first, counted; the
section drawn on the board page and redrawn alone, in Chinese and in English."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests.support.helpers import HX, assert_fragment, assert_page, url
from tests.support.orders import take_steps, words
from webapp.extensions import db
from webapp.models import OrderReturn, Status, utcnow
from webapp.orders import failures, queries
from webapp.orders.return_state import ReturnAction

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.fixture
def returns(world, advance, place, make_product):
    """Two returns the shop awaits (a failed delivery taken back, lines refused at the door, the
    later one opened first), one it has confirmed, and one coming back to another shop."""
    world.product.stock = 20
    taken_back = advance(Status.RETURNED)
    refused = advance(Status.REFUSED)
    confirmed = advance(Status.RETURNED)
    failures.receive_return(confirmed.id, world.merchant, ReturnAction.RESTOCK)
    elsewhere = place(world.buyer, make_product(world.other_shop, title="别家的梨"))
    take_steps(elsewhere.id, SimpleNamespace(merchant=world.other_merchant,
                                             courier=world.other_courier, buyer=world.buyer),
               ["accept", "assign", "start", "fail", "take_back"])
    db.session.get(OrderReturn, taken_back.goods_return.id).created_at = utcnow() - timedelta(hours=1)
    db.session.get(OrderReturn, refused.goods_return.id).created_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    return SimpleNamespace(taken_back=taken_back.id, refused=refused.id, confirmed=confirmed.id,
                           elsewhere=elsewhere.id)


def test_only_the_shops_awaited_returns_longest_waiting_first(app, world, returns):
    with app.test_request_context():
        shown, count = queries.awaited_returns(world.shop)
        assert [goods.order_id for goods in shown] == [returns.refused, returns.taken_back]
        assert count == 2
        assert shown[0].items == [(world.product.title, 1)]
        other, other_count = queries.awaited_returns(world.other_shop)
        assert [goods.order_id for goods in other] == [returns.elsewhere] and other_count == 1


def test_past_the_shown_ones_the_rest_are_counted(app, world, returns, monkeypatch):
    monkeypatch.setattr(queries, "RETURNS_SHOWN", 1)
    with app.test_request_context():
        shown, count = queries.awaited_returns(world.shop)
    assert [goods.order_id for goods in shown] == [returns.refused] and count == 2


@pytest.mark.parametrize(("language", "heading", "since", "link", "cause"), [
    ("zh", "待确认的退货 2", "已等待 3 小时 0 分", "去确认收货", "签收时拒收"),
    ("en", "Returns awaiting confirmation 2", "waiting 3 h 0 min", "Confirm receipt",
     "Refused at the door"),
])
def test_the_board_lists_them_in_the_readers_language(app, client, login_as, world, returns,
                                                      language, heading, since, link, cause):
    login_as(world.merchant)
    lang = {"Accept-Language": language}
    page = assert_page(client.get(url(app, "orders.board"), headers=lang), "board-returns")
    fragment = assert_fragment(client.get(url(app, "orders.board_returns"), headers={**HX, **lang}),
                               "board-returns")
    for text in (page, fragment):
        section = text[text.index('id="board-returns"'):]
        section = section[:section.index("</section>")]
        seen = words(section)
        assert heading in seen and since in seen and link in seen and cause in seen
        assert f'href="/orders/{returns.refused}#return-{returns.refused}"' in section
        assert f"#{returns.taken_back}" in seen
        assert f"#{returns.confirmed}" not in seen and f"#{returns.elsewhere}" not in seen
        assert " hidden" not in section.split(">")[0]
    # Without htmx the section's own address is the whole board.
    assert_page(client.get(url(app, "orders.board_returns"), headers=lang), "order-board")


def test_with_none_the_section_is_there_hidden(app, client, login_as, world):
    login_as(world.merchant)
    text = assert_fragment(client.get(url(app, "orders.board_returns"), headers=HX),
                           "board-returns")
    assert text.split(">")[0].endswith(" hidden") and "board-return-" not in text
