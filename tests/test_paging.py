"""webapp/paging.py: cursors round-trip and refuse what they did not write; a walk over keyset
pages returns every row once, in order, while rows are added and removed between pages, for
ascending, descending and mixed keys, on the suite's database."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from webapp import paging
from webapp.extensions import db
from webapp.models import Product
from webapp.paging import Key


@pytest.mark.parametrize("values", [
    (1,), (0, "橙"), (datetime(2026, 12, 7, 8, 30, 15, 120), 42), (date(2026, 1, 2), None, True),
    (-5, 2.5, "a=b&c"),
])
def test_cursor_round_trips(values):
    cursor = paging.encode(values)
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert paging.decode(cursor, len(values)) == values


@pytest.mark.parametrize("cursor", [
    "", "!!!", "e30", paging.encode([1, 2])[:-3], paging.encode([1, 2, 3]), paging.encode([[1], 2]),
    "W3sieCI6MX0sMV0", "A" * (paging.MAX_CURSOR + 1), "W3sidCI6Im5vdCBhIGRhdGUifSwxXQ",
])
def test_bad_cursors_are_refused(cursor):
    with pytest.raises(ValueError):
        paging.decode(cursor, 2)


@pytest.mark.parametrize("keys", [
    lambda: (Key(Product.id),),
    lambda: (Key(Product.id, descending=True),),
    lambda: (Key(Product.stock), Key(Product.id)),
    lambda: (Key(Product.stock, descending=True), Key(Product.id)),
    lambda: (Key(Product.category), Key(Product.stock, descending=True), Key(Product.id, True)),
], ids=["id", "id desc", "stock, id", "stock desc, id", "category, stock desc, id desc"])
def test_a_walk_sees_every_row_once_while_rows_come_and_go(app, make_user, make_shop,
                                                           make_product, keys):
    keys = keys()
    shop = make_shop(make_user())
    for n in range(23):
        make_product(shop, stock=n % 4, category=("fruit", "veg", "dairy")[n % 3])
    query = select(Product).where(Product.shop_id == shop.id)
    before = {p.id for p in db.session.scalars(query)}
    seen, after, added, removed = [], None, set(), set()
    while True:
        page = paging.keyset(query, keys, after, size=5)
        assert len(page.items) <= 5
        seen += page.items
        if page.next is None:
            break
        after = paging.decode(page.next, len(keys))
        # Between two pages: one new product, one not yet seen removed.
        added.add(make_product(shop, stock=1, category="veg").id)
        unseen = sorted(before - removed - {p.id for p in seen})
        if unseen:
            db.session.delete(db.session.get(Product, unseen[-1]))
            db.session.commit()
            removed.add(unseen[-1])
    ids = [p.id for p in seen]
    assert len(ids) == len(set(ids)), "a row came twice"
    assert before - removed <= set(ids), "a row that was there all along was lost"
    assert not removed & set(ids)
    expected = sorted(seen, key=lambda p: tuple(
        _descending(k.of(p)) if k.descending else k.of(p) for k in keys))
    assert ids == [p.id for p in expected], "pages out of order"


def _descending(value):
    return -value if isinstance(value, int) else tuple(-ord(c) for c in value)


def test_the_last_page_has_no_cursor_and_an_empty_query_one_page(app, make_user, make_shop,
                                                                   make_product):
    shop = make_shop(make_user())
    query = select(Product).where(Product.shop_id == shop.id)
    assert paging.keyset(query, (Key(Product.id),), None, 5) == paging.Page([], None)
    for _ in range(5):
        make_product(shop)
    page = paging.keyset(query, (Key(Product.id),), None, 5)
    assert len(page.items) == 5 and page.next is None


def test_a_bad_cursor_in_the_url_is_a_400_with_a_message(app):
    with app.test_request_context("/?after=%21%21"):
        with pytest.raises(Exception) as refused:
            paging.cursor_arg(1)
        assert refused.value.code == 400 and "第一页" in refused.value.description
    with app.test_request_context(f"/?after={paging.encode([7])}"):
        assert paging.cursor_arg(1) == (7,)
    with app.test_request_context("/"):
        assert paging.cursor_arg(1) is None
