"""The merchant's demand feed, the merchant's own quotes and the buyer's demands are read a page at
a time (webapp/paging.py): a walk sees every item once while new ones arrive, a live refresh
draws the first page only, the feed's count stays exact, a bad cursor is a 400 with a message,
and a cursor shows nothing to someone who may not see the list it came from."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.demands import ELSEWHERE, HERE
from tests.support.helpers import HX, assert_error_page, assert_flash_error, assert_page, url
from tests.support.paged import BAD_CURSOR, more_url, walk
from webapp import paging
from webapp.demands import posting, quoting
from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Quote, QuoteStatus, utcnow

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

_keys = itertools.count(1)
_clock = itertools.count(1)


def demands(buyer, n: int, **fields) -> list[Demand]:
    """`n` open demands of the buyer, in HERE unless told (rows, not posts: no sockets needed)."""
    values = {"category": "produce", "quantity": 1, "district_code": HERE,
              "needed_by": utcnow() + timedelta(days=2), "status": DemandStatus.OPEN, **fields}
    rows = [Demand(buyer_id=buyer.id, title=f"需求 {next(_keys)}",
                   idempotency_key=f"paged-{next(_keys)}", **values) for _ in range(n)]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def quotes(shop, on: list[Demand]) -> list[Quote]:
    """The shop's live quote on each demand, each changed a moment after the one before."""
    now = utcnow()
    rows = [Quote(demand_id=d.id, shop_id=shop.id, title="报价", unit_price_fen=900, quantity=1,
                  earliest_delivery=now + timedelta(hours=3), valid_until=now + timedelta(days=1),
                  status=QuoteStatus.LIVE, updated_at=now + timedelta(milliseconds=next(_clock)))
            for d in on]
    db.session.add_all(rows)
    db.session.commit()
    return rows


@dataclass(frozen=True)
class PagedList:
    reader: str  # who reads it, on the market fixture
    endpoint: str
    args: dict
    target: str  # the id of the region a live refresh swaps
    row: str  # the pattern of an item's id
    size: int
    grow: object  # (market, n) -> the new items, newest last in the list's order

    def first(self, app) -> str:
        return url(app, self.endpoint, **self.args)


def _feed_items(m, n):
    return demands(m.buyer, n)


def _all_items(m, n):
    return demands(m.buyer, n, category=("produce", "digital", "clothing")[n % 3])


def _quote_items(m, n):
    return quotes(m.shop_a, demands(m.buyer, n))


LISTS = {
    "feed": PagedList("merchant_a", "demands.feed", {}, "demand-feed", r'id="feed-demand-(\d+)"',
                      quoting.FEED_PAGE, _feed_items),
    "feed, all categories": PagedList("merchant_b", "demands.feed", {"all": 1}, "demand-feed",
                                      r'id="feed-demand-(\d+)"', quoting.FEED_PAGE, _all_items),
    "my quotes": PagedList("merchant_a", "demands.feed", {}, "my-quotes", r'id="my-quote-(\d+)"',
                           quoting.QUOTES_PAGE, _quote_items),
    "my demands": PagedList("buyer", "demands.index", {}, "my-demands", r'id="my-demand-(\d+)"',
                            posting.PAGE, _feed_items),
}


@pytest.mark.parametrize("paged", LISTS.values(), ids=LISTS.keys())
def test_a_walk_sees_every_item_once_while_new_ones_arrive(app, client, login_as, market, paged):
    items = [item for _ in range(3) for item in paged.grow(market, 2 * paged.size // 3 + 1)]
    login_as(getattr(market, paged.reader))
    added = []
    seen, texts = walk(client, paged.first(app), paged.row,
                       between=lambda n: added.extend(paged.grow(market, 2)),
                       headers={**HX, "HX-Target": paged.target})
    expected = [item.id for item in reversed(items)]  # newest first
    assert seen == expected, (len(seen), len(expected))
    assert len(texts) == -(-len(items) // paged.size) > 2
    assert all(len(re.findall(paged.row, text)) == paged.size for text in texts[:-1])
    # What arrived meanwhile is at the top, where the next refresh draws it.
    fresh = client.get(paged.first(app), headers={**HX, "HX-Target": paged.target}).text
    assert re.findall(paged.row, fresh)[:len(added)] == [str(i.id) for i in reversed(added)]


@pytest.mark.parametrize("paged", LISTS.values(), ids=LISTS.keys())
def test_a_live_refresh_draws_the_first_page_only(app, client, login_as, market, paged):
    paged.grow(market, 3 * paged.size)
    login_as(getattr(market, paged.reader))
    text = client.get(paged.first(app), headers={**HX, "HX-Target": paged.target}).text
    assert text.lstrip().startswith("<section") or text.lstrip().startswith("<div")
    assert f'id="{paged.target}"' in text.split(">", 1)[0]
    assert len(re.findall(paged.row, text)) == paged.size
    assert "after=" in more_url(text)


def test_the_whole_feed_page_pages_each_list_without_javascript(app, client, login_as, market):
    """Without htmx, each list's "more" link is a whole page: the feed's next demands beside the
    first quotes, or the next quotes beside the first demands."""
    ds = demands(market.buyer, quoting.FEED_PAGE + 3)
    qs = quotes(market.shop_a, ds[:quoting.QUOTES_PAGE + 2])
    login_as(market.merchant_a)
    text = assert_page(client.get(url(app, "demands.feed")), "demand-feed")
    links = [link.replace("&amp;", "&") for link in re.findall(
        r'class="more-row"[^>]*>\s*<a class="button more" href="([^"]+)"', text)]
    assert len(links) == 2 and "?after=" in links[0] and "quotes_after=" in links[1]
    feed_next = assert_page(client.get(links[0]), "demand-feed")
    assert sorted(map(int, re.findall(r'id="feed-demand-(\d+)"', feed_next))) == [
        d.id for d in ds[:3]]
    assert len(re.findall(r'id="my-quote-(\d+)"', feed_next)) == quoting.QUOTES_PAGE
    quotes_next = assert_page(client.get(links[1]), "my-quotes")
    assert sorted(map(int, re.findall(r'id="my-quote-(\d+)"', quotes_next))) == [
        q.id for q in qs[:2]]
    assert len(re.findall(r'id="feed-demand-(\d+)"', quotes_next)) == quoting.FEED_PAGE


def test_the_feed_counts_every_demand_it_holds_not_the_page(app, client, login_as, market):
    demands(market.buyer, 2 * quoting.FEED_PAGE + 4)
    demands(market.buyer, 5, category="digital")
    demands(market.buyer, 3, district_code=ELSEWHERE)
    demands(market.buyer, 2, needed_by=utcnow() - timedelta(minutes=1))  # overdue: expired
    login_as(market.merchant_a)
    heading = re.compile(r'附近的新需求 <span class="count">(\d+)</span>')
    assert heading.findall(client.get(url(app, "demands.feed")).text) == [
        str(2 * quoting.FEED_PAGE + 4)]
    assert heading.findall(client.get(url(app, "demands.feed", all=1), headers=HX).text) == [
        str(2 * quoting.FEED_PAGE + 9)]


CURSORS = ["garbage", paging.encode([1, 2, 3]), "%00", "A" * 600, paging.encode(["x"]),
           paging.encode([2**70]), paging.encode([True]), paging.encode([1, 2]),
           paging.encode([datetime(2026, 1, 1, tzinfo=UTC), 5]), paging.encode(["a\x00", 1])]
CURSOR_LISTS = [("merchant_a", "demands.feed", "after"),
                ("merchant_a", "demands.feed", "quotes_after"),
                ("buyer", "demands.index", "after")]


@pytest.mark.parametrize(("reader", "endpoint", "name"), CURSOR_LISTS,
                         ids=[f"{e} {n}" for _r, e, n in CURSOR_LISTS])
@pytest.mark.parametrize("cursor", CURSORS)
def test_a_bad_cursor_is_a_400_with_a_message(app, client, login_as, market, reader, endpoint,
                                              name, cursor):
    login_as(getattr(market, reader))
    path = url(app, endpoint) + f"?{name}={cursor}"
    assert_error_page(client.get(path), 400, BAD_CURSOR)
    assert_flash_error(client.get(path, headers=HX), 400, BAD_CURSOR)


def test_a_cursor_shows_no_one_what_they_may_not_see(app, client, login_as, market):
    ours = demands(market.buyer, 3 * quoting.FEED_PAGE)
    theirs = quotes(market.shop_a, ours)
    login_as(market.merchant_a)
    first = client.get(url(app, "demands.feed")).text
    after, quotes_after = (re.search(rf"[?&;]{name}=([^&\"]+)", first)[1]
                           for name in ("after", "quotes_after"))
    others = {"merchant_far": url(app, "demands.feed") + f"?after={after}",
              "merchant_b": url(app, "demands.feed") + f"?quotes_after={quotes_after}",
              "other_buyer": url(app, "demands.index") + f"?after={after}"}
    hidden = {*(f'feed-demand-{d.id}"' for d in ours), *(f'my-quote-{q.id}"' for q in theirs),
              *(f'my-demand-{d.id}"' for d in ours)}
    for who, path in others.items():
        login_as(getattr(market, who))
        for headers in ({}, HX):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, who
            shown = {h for h in hidden if h in response.text}
            assert shown == set() or who == "merchant_b" and all(
                h.startswith("feed-demand") for h in shown), (who, sorted(shown)[:3])


def test_the_buyers_page_counts_quotes_on_its_own_demands(app, client, login_as, market, post,
                                                          offer):
    """The live-quote count per demand comes from one grouped query over the page's demands."""
    demand = post(market.buyer)
    offer(market.merchant_a, demand)
    demands(market.buyer, posting.PAGE)  # newer: the quoted demand is on the second page
    login_as(market.buyer)
    first = client.get(url(app, "demands.index")).text
    assert f'id="my-demand-{demand.id}"' not in first
    second = client.get(more_url(first), headers=HX).text
    assert f'id="demand-{demand.id}-count"' in second and "1 个报价" in second
