"""The shop page shows its products a page at a time (webapp/shops/grid.py on webapp/paging.py):
walking the pages of a category, or of all, shows every product on sale once while products come
and go; the chips count exactly; a bad cursor is a 400; an htmx next page is only its cards and the
next "more" row; and the page costs the same however many products the shop has."""
from __future__ import annotations

import base64
import html
import json
import re
from collections import Counter

import pytest
from sqlalchemy import insert, select, text

from tests.support.factories import one_variant_each
from tests.support.helpers import HX, assert_page, url
from tests.support.paged import MORE_ROW, more_url, pages
from webapp import paging
from webapp.extensions import db
from webapp.models import Product
from webapp.shops import grid, services

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

CARD = re.compile(r'<article class="card product[^"]*" id="product-(\d+)">.*?</article>', re.S)
CATEGORY_OF = ("produce", "snacks", "produce", "meat")  # by n % 4


@pytest.fixture(autouse=True)
def rendered_every_time(app):
    """The whole-page store for anonymous visitors has its own test below."""
    app.extensions["shared_pages"].seconds = 0


def stock(shop, count: int, *, start: int = 0, published=lambda n: True) -> list[int]:
    """Add `count` products to `shop` in one executemany; their ids, in order."""
    rows = [{"shop_id": shop.id, "title": f"分页商品 {n}", "description": "", "price_fen": 1000 + n,
             "stock": 10, "published": published(n), "category": CATEGORY_OF[n % 4],
             "low_stock_at": 5} for n in range(start, start + count)]
    db.session.execute(insert(Product), rows)
    one_variant_each()
    db.session.commit()
    return list(db.session.scalars(select(Product.id).where(
        Product.shop_id == shop.id, Product.title.in_([r["title"] for r in rows]))
        .order_by(Product.id)))


def on_sale(shop, category: str | None = None) -> list[int]:
    query = select(Product.id).where(Product.shop_id == shop.id, Product.published.is_(True))
    if category:
        query = query.where(Product.category == category)
    return list(db.session.scalars(query.order_by(Product.id)))


def cards(page: str) -> list[int]:
    return [int(m) for m in CARD.findall(page)]


def walk(client, first: str, between=lambda step: None, htmx: bool = True) -> list[list[int]]:
    return pages(client, first, cards, between, htmx)


@pytest.fixture
def shelf(world):
    """The world's shop with 70 more products (every tenth of them off sale)."""
    stock(world.shop, 70, published=lambda n: n % 10 != 9)
    return world.shop


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize("category", [None, "produce", "snacks"])
def test_walking_the_pages_shows_each_product_on_sale_once(app, client, shelf, category, htmx):
    expected = on_sale(shelf, category)
    pages = walk(client, url(app, "shops.detail", handle=shelf.handle, category=category),
                 htmx=htmx)
    assert [n for page in pages for n in page] == expected
    assert all(len(page) == grid.PAGE_SIZE for page in pages[:-1]) and 0 < len(pages[-1])
    assert len(pages) == -(-len(expected) // grid.PAGE_SIZE)


@pytest.mark.parametrize("category", [None, "produce"])
def test_products_added_or_taken_off_sale_while_walking_lose_or_repeat_nothing(
        app, client, shelf, category):
    before = on_sale(shelf, category)
    taken_off: list[int] = []

    def change(step: int) -> None:
        # A few new products, one product off sale ahead of the reader and one behind.
        stock(shelf, 3, start=1000 + 3 * step)
        ahead = on_sale(shelf, category)[step * grid.PAGE_SIZE + 5:]
        for product_id in ([ahead[0]] if ahead else []) + [before[step]]:
            db.session.get(Product, product_id).published = False
            taken_off.append(product_id)
        db.session.commit()

    pages = walk(client, url(app, "shops.detail", handle=shelf.handle, category=category),
                 between=change)
    seen = [n for page in pages for n in page]
    assert len(seen) == len(set(seen)), Counter(seen).most_common(3)
    # Everything on sale all along was shown; nothing shown was off sale or of another category.
    assert set(before) - set(taken_off) <= set(seen)
    assert set(seen) <= set(on_sale(shelf, category)) | set(taken_off)
    assert [n for n in seen if n not in before]  # products added meanwhile show at the end


def chip_counts(page: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(
        r'<a class="chip[^"]*" href="[^"]*category=(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>',
        page)}


@pytest.mark.parametrize("after_first_page", [False, True])
@pytest.mark.parametrize("category", [None, "produce"])
def test_the_chips_count_every_product_on_sale_exactly(app, client, shelf, category,
                                                       after_first_page):
    path = url(app, "shops.detail", handle=shelf.handle, category=category)
    if after_first_page:
        path = more_url(client.get(path).text)
    page = assert_page(client.get(path), f"shop-{shelf.id}-products")
    expected = Counter(db.session.scalars(select(Product.category).where(
        Product.shop_id == shelf.id, Product.published.is_(True))))
    assert chip_counts(page) == dict(expected) and sum(expected.values()) > grid.PAGE_SIZE


def cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize("after", [
    "not a cursor!", "%%%", cursor("12"), cursor(["12"]), cursor([1, 2]), cursor([True]),
    cursor([1.5]), cursor([None]), cursor([10 ** 30]), cursor([-(10 ** 30)]), cursor({"id": 1}),
    "A" * 600,
], ids=lambda value: value[:16])
def test_a_bad_cursor_is_a_400_with_a_message(app, client, shelf, after, htmx):
    response = client.get(url(app, "shops.detail", handle=shelf.handle, after=after),
                          headers=HX if htmx else {})
    assert response.status_code == 400
    assert "页码参数无效" in response.text


def test_an_htmx_next_page_is_only_its_cards_and_the_next_more_row(app, client, shelf):
    first = client.get(url(app, "shops.detail", handle=shelf.handle)).text
    assert len(cards(first)) == grid.PAGE_SIZE and first.count('class="more-row"') == 1
    response = client.get(more_url(first), headers=HX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    rest = MORE_ROW.sub("", CARD.sub("", response.text))
    assert rest.strip() == "", rest[:300]
    assert len(cards(response.text)) == grid.PAGE_SIZE and response.text.count('class="more-row"') == 1
    assert set(cards(response.text)).isdisjoint(cards(first))
    assert f'hx-get="{html.escape(more_url(response.text))}"' in response.text


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_the_last_page_has_no_more_row(app, client, world, htmx):
    stock(world.shop, grid.PAGE_SIZE * 2 - 1)  # with the world's product: exactly two pages
    first = client.get(url(app, "shops.detail", handle=world.shop.handle)).text
    last = client.get(more_url(first), headers=HX if htmx else {}).text
    assert len(cards(last)) == grid.PAGE_SIZE and "more-row" not in last
    assert ("<html" in last) is not htmx


def test_a_page_without_javascript_is_the_whole_shop_page_with_that_page_s_cards(app, client,
                                                                                  shelf):
    first = client.get(url(app, "shops.detail", handle=shelf.handle, category="produce")).text
    second = assert_page(client.get(more_url(first)), f"shop-{shelf.id}-products")
    assert shelf.name in second and 'class="chips"' in second
    assert re.search(r'href="[^"]*category=produce" aria-current="page"', second)
    assert cards(second) == on_sale(shelf, "produce")[grid.PAGE_SIZE:2 * grid.PAGE_SIZE]


def test_a_small_shop_has_one_page_and_no_more_row(app, client, world):
    page = client.get(url(app, "shops.detail", handle=world.shop.handle)).text
    assert cards(page) == [world.product.id] and "more-row" not in page


def test_the_page_weighs_the_same_with_ten_times_the_products(app, client, login_as, world):
    login_as(world.buyer)
    stock(world.shop, 40)
    path = url(app, "shops.detail", handle=world.shop.handle)
    small = len(client.get(path).data)
    stock(world.shop, 400, start=40)
    large = client.get(path)
    assert len(cards(large.text)) == grid.PAGE_SIZE
    assert len(large.data) <= small * 1.02, (small, len(large.data))


def test_anonymous_whole_pages_are_kept_per_cursor(app, shelf):
    """webapp/shared_pages.py keys kept pages on the query string: ?after= pages stay apart."""
    app.extensions["shared_pages"].seconds = 60
    visitor = app.test_client()
    first = visitor.get(url(app, "shops.detail", handle=shelf.handle)).text
    second = visitor.get(more_url(first)).text
    fragment = visitor.get(more_url(first), headers=HX).text
    assert cards(second) == cards(fragment) and set(cards(second)).isdisjoint(cards(first))
    assert "<html" in second and "<html" not in fragment
    assert visitor.get(url(app, "shops.detail", handle=shelf.handle)).text == first


def sqlite_plan(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    return " | ".join(row[-1] for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))


@pytest.mark.parametrize("name", ["page of all", "page of a category", "counts", "new products"])
def test_the_shop_page_and_new_products_read_an_index_not_every_product(app, world, name):
    """On SQLite (whose plans do not hang on table statistics): each query walks an index in its
    order, with no sort of every product and no scan of the table."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is checked on SQLite")
    def page(category):  # as paging.keyset reads it
        return grid.shelf(world.shop, category).where(paging.after_clause(grid.KEY, (5,))) \
            .order_by(*paging.order_by(grid.KEY)).limit(grid.PAGE_SIZE + 1)

    statement = {
        "page of all": lambda: page(None), "page of a category": lambda: page("produce"),
        "counts": lambda: services.category_counts_query(world.shop),
        "new products": lambda: services.new_products_query(12),
    }[name]()
    plan = sqlite_plan(statement)
    assert "TEMP B-TREE" not in plan and not re.search(r"SCAN product(?! USING)", plan), plan
    assert "INDEX ix_product_" in plan, plan
