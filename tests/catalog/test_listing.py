"""The product manager's list is paged and has its own search and filters
(webapp/catalog/listing.py): walking its pages shows each product once while products are added;
each filter and the search narrow it (table-driven), combined too; the counts are exact; bad
filter values are a 400 that says which; the live refresh re-reads the first page with the
filters shown; another merchant's products never appear; and the list costs the same however
many products the shop has."""
from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import insert, select

from tests.support.database import recorded_statements
from tests.support.factories import one_variant_each
from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    input_value,
    url,
)
from tests.support.paged import MORE_ROW, more_url, pages
from webapp.catalog import listing
from webapp.extensions import db
from webapp.models import Product, Role

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ROW = re.compile(r'<li class="product-row[^"]*" id="product-row-(\d+)"')
CATEGORY_OF = ("produce", "snacks", "produce", "meat")  # by n % 4
SIZE = listing.PAGE_SIZE


def stock(shop, count: int, *, start: int = 0) -> list[int]:
    """Add `count` products to `shop` in one executemany (every fifth off sale, every seventh
    sold out, the other even ones low on stock); their ids, newest first."""
    rows = [{"shop_id": shop.id, "title": f"分页商品 {n}", "description": "", "price_fen": 1000 + n,
             "stock": 0 if n % 7 == 0 else 3 if n % 2 == 0 else 10, "published": n % 5 != 4,
             "category": CATEGORY_OF[n % 4], "low_stock_at": 5} for n in range(start, start + count)]
    db.session.execute(insert(Product), rows)
    one_variant_each()
    db.session.commit()
    return ids_of(shop)


def ids_of(shop, *where) -> list[int]:
    return list(db.session.scalars(select(Product.id).where(Product.shop_id == shop.id, *where)
                                   .order_by(Product.id.desc())))


def rows(text: str) -> list[int]:
    return [int(n) for n in ROW.findall(text)]


def found(text: str) -> int | None:
    match = re.search(r'class="result-count[^"]*"[^>]*>共 (\d+) 件', text)
    return int(match[1]) if match else None


def walk(client, first: str, between=lambda step: None, htmx: bool = True) -> list[list[int]]:
    return pages(client, first, rows, between, htmx)


@pytest.fixture
def merchant(client, login_as, world):
    return login_as(world.merchant)


@pytest.fixture
def shelf(world, merchant, make_product):
    """The world's shop with 75 more products, and a product of the other shop in each
    category that would pass every filter but the shop."""
    for category in ("produce", "snacks", "meat", "other"):
        make_product(world.other_shop, title=f"分页商品 别家 {category}", category=category,
                     stock=0, published=category != "meat")
    stock(world.shop, 75)
    return world.shop


# Paging.

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
@pytest.mark.parametrize(("query", "where"), [
    ({}, ()),
    ({"category": "produce"}, (Product.category == "produce",)),
    ({"status": "on"}, (Product.published.is_(True),)),
    ({"q": "分页", "stock": "low"}, (Product.title.contains("分页"),
                                    Product.stock <= Product.low_stock_at)),
], ids=lambda value: str(value) if isinstance(value, dict) else "")
def test_walking_the_pages_shows_each_product_once_newest_first(app, client, shelf, query, where,
                                                                 htmx):
    expected = ids_of(shelf, *where)
    assert len(expected) > SIZE
    pages = walk(client, url(app, "catalog.product_list", **query), htmx=htmx)
    assert [n for page in pages for n in page] == expected and expected
    assert all(len(page) == SIZE for page in pages[:-1]) and 0 < len(pages[-1]) <= SIZE
    assert len(pages) == -(-len(expected) // SIZE)


def test_products_added_while_walking_lose_or_repeat_nothing(app, client, shelf):
    before = ids_of(shelf)

    def add(step: int) -> None:
        stock(shelf, 4, start=1000 + 4 * step)

    pages = walk(client, url(app, "catalog.products"), between=add)
    seen = [n for page in pages for n in page]
    assert len(seen) == len(set(seen)), Counter(seen).most_common(3)
    # Newest first: what was added after the first page is above it, not among the later pages.
    assert seen == before


def test_an_htmx_next_page_is_only_its_rows_and_the_next_more_row(app, client, shelf):
    first = client.get(url(app, "catalog.products")).text
    assert len(rows(first)) == SIZE and first.count('class="more-row"') == 1
    response = client.get(more_url(first), headers=HX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    rest = MORE_ROW.sub("", re.sub(r'<li class="product-row.*?</form>\s*</div>\s*</li>', "",
                               response.text, flags=re.S))
    assert rest.strip() == "", rest[:300]
    assert len(rows(response.text)) == SIZE and response.text.count('class="more-row"') == 1
    assert set(rows(response.text)).isdisjoint(rows(first))


def test_a_page_without_javascript_is_the_whole_manager_with_that_page_s_rows(app, client,
                                                                              shelf):
    first = client.get(url(app, "catalog.products", category="produce")).text
    second = client.get(more_url(first))
    assert second.status_code == 200
    text = second.text
    assert 'id="product-form"' in text and 'id="product-filters"' in text
    assert rows(text) == ids_of(shelf, Product.category == "produce")[SIZE:2 * SIZE]
    assert re.search(r'<option value="produce" selected>', text)


# The search and the filters, one at a time and together.

CATALOG = [  # title, category, stock, low-stock level, on sale
    ("红富士苹果", "produce", 20, 5, True),
    ("青苹果", "produce", 3, 5, False),
    ("Apple Juice 苹果汁", "snacks", 0, 5, True),
    ("100%_纯牛奶", "meat", 5, 5, True),
    ("大米 10kg", "grocery", 50, 5, False),
    ("东北大米", "grocery", 6, 5, True),
]


@pytest.fixture
def catalog(world, merchant, make_product):
    """CATALOG in the world's shop (the world's own product taken out), and the same titles
    in the other shop: {title: id} of the merchant's own."""
    db.session.delete(world.product)
    db.session.commit()
    own = {}
    for title, category, count, low, published in CATALOG:
        make_product(world.other_shop, title=title, category=category, stock=count,
                     low_stock_at=low, published=published)
        own[title] = make_product(world.shop, title=title, category=category, stock=count,
                                  low_stock_at=low, published=published).id
    return own


FILTERED = [
    ({}, ["红富士苹果", "青苹果", "Apple Juice 苹果汁", "100%_纯牛奶", "大米 10kg", "东北大米"]),
    ({"q": "苹"}, ["红富士苹果", "青苹果", "Apple Juice 苹果汁"]),  # one Chinese character
    ({"q": "apple"}, ["Apple Juice 苹果汁"]),  # any case
    ({"q": "JUICE 苹"}, ["Apple Juice 苹果汁"]),  # the words as typed, space and all
    ({"q": "  米 "}, ["大米 10kg", "东北大米"]),  # trimmed
    ({"q": "%"}, ["100%_纯牛奶"]),  # LIKE's own characters are plain text
    ({"q": "_"}, ["100%_纯牛奶"]),
    ({"q": "0%_"}, ["100%_纯牛奶"]),
    ({"q": "橙"}, []),
    ({"category": "produce"}, ["红富士苹果", "青苹果"]),
    ({"category": "grocery"}, ["大米 10kg", "东北大米"]),
    ({"category": "flowers"}, []),  # a category the shop has nothing in
    ({"status": "on"}, ["红富士苹果", "Apple Juice 苹果汁", "100%_纯牛奶", "东北大米"]),
    ({"status": "off"}, ["青苹果", "大米 10kg"]),
    ({"stock": "low"}, ["青苹果", "Apple Juice 苹果汁", "100%_纯牛奶"]),  # at the level, and 0
    ({"stock": "out"}, ["Apple Juice 苹果汁"]),
    ({"q": "苹", "status": "on"}, ["红富士苹果", "Apple Juice 苹果汁"]),
    ({"q": "苹", "stock": "low", "status": "off"}, ["青苹果"]),
    ({"category": "produce", "stock": "low"}, ["青苹果"]),
    ({"category": "grocery", "status": "on", "q": "东北"}, ["东北大米"]),
    ({"q": "", "category": "", "status": "", "stock": ""}, [t for t, *_ in CATALOG]),  # the form
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize(("query", "titles"), FILTERED, ids=[str(q) for q, _ in FILTERED])
def test_each_filter_and_the_search_narrow_the_list(app, client, catalog, query, titles, htmx):
    response = client.get(url(app, "catalog.product_list", **query), headers=HX if htmx else {})
    assert response.status_code == 200
    text = response.text
    assert rows(text) == sorted((catalog[t] for t in titles), reverse=True)
    active = any(query.values())
    assert found(text) == (len(titles) if active else None)
    if active and not titles:
        assert "没有符合条件的商品" in text
    # The live refresh re-reads this list, with these filters.
    args = {k: v.strip() for k, v in query.items() if v.strip()}
    refresh = urlsplit(html.unescape(re.search(r'<div id="product-list"[^>]*hx-get="([^"]+)"',
                                               text)[1]))
    assert refresh.path == url(app, "catalog.product_list") and dict(parse_qsl(refresh.query)) == args
    if not htmx:  # the form shows what it filters by
        assert input_value(text, "q") == query.get("q", "").strip()
        for name in ("category", "status", "stock"):
            if query.get(name):
                assert re.search(rf'<select id="filter-{name}" name="{name}">.*?<option value="'
                                 rf'{query[name]}" selected>', text, re.S), name


def test_the_filters_form_works_without_javascript(app, client, catalog):
    text = client.get(url(app, "catalog.products")).text
    form = re.search(r'<form id="product-filters".*?</form>', text, re.S)[0]
    action = url(app, "catalog.product_list")
    assert 'method="get"' in form and f'action="{action}"' in form and f'hx-get="{action}"' in form
    assert 'hx-push-url="true"' in form and 'hx-target="#product-list"' in form
    assert re.search(r'hx-trigger="input delay:\d+ms, submit"', form)
    assert re.search(r'<button type="submit"', form)
    # The category choices are the shop's own categories, in the usual order.
    options = re.findall(r'<option value="(\w*)"', re.search(
        r'<select id="filter-category".*?</select>', form, re.S)[0])
    assert options == ["", "produce", "meat", "grocery", "snacks"]


# Counts.

def summary(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(
        r'<span id="product-summary"[^>]*>.*?</span>', text, re.S)[0])).strip()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_the_header_counts_the_whole_shop_exactly_whatever_the_filters(app, client, catalog,
                                                                      htmx):
    path = url(app, "catalog.product_list", q="苹", status="on")
    text = client.get(path, headers=HX if htmx else {}).text
    assert summary(text) == "6 件 · 2 件库存紧张 · 1 件已售罄"
    assert found(text) == 2
    # Out of band for htmx, so the heading outside the list follows a save.
    assert ('hx-swap-oob="true"' in re.search(r'<span id="product-summary"[^>]*>', text)[0]) is htmx


def test_the_counts_are_exact_past_the_first_page(app, client, shelf):
    text = client.get(url(app, "catalog.products", stock="low")).text
    low = ids_of(shelf, Product.stock <= Product.low_stock_at)
    total, out = len(ids_of(shelf)), len(ids_of(shelf, Product.stock == 0))
    assert len(low) > SIZE and found(text) == len(low) and rows(text) == low[:SIZE]
    assert summary(text) == f"{total} 件 · {len(low) - out} 件库存紧张 · {out} 件已售罄"


# Bad input.

BAD = [
    ({"category": "nope"}, "未知的筛选条件：category=nope"),
    ({"status": "maybe"}, "未知的筛选条件：status=maybe"),
    ({"stock": "some"}, "未知的筛选条件：stock=some"),
    ({"stock": "LOW"}, "未知的筛选条件：stock=LOW"),
    ({"category": "x" * 500}, "未知的筛选条件：category=" + "x" * 40 + "。"),
    ({"q": "苹" * 81}, "搜索词太长了，请精简到 80 个字以内"),
    ({"after": "not a cursor!"}, "页码参数无效"),
    ({"after": "WzEsMl0"}, "页码参数无效"),  # [1,2]: two values for a key of one
    ({"after": "WyJ4Il0"}, "页码参数无效"),  # ["x"]: not an id
    ({"after": "W251bGxd"}, "页码参数无效"),  # [null]
    ({"after": "WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd"}, "页码参数无效"),  # past any id
]


@pytest.mark.parametrize(("endpoint", "htmx"), [("catalog.product_list", True),
                                               ("catalog.product_list", False),
                                               ("catalog.products", False)], ids=str)
@pytest.mark.parametrize(("query", "message"), BAD, ids=[str(q)[:30] for q, _ in BAD])
def test_bad_filters_are_a_400_that_says_which(app, client, merchant, world, query, message,
                                               endpoint, htmx):
    response = client.get(url(app, endpoint, **query), headers=HX if htmx else {})
    if htmx:
        assert_flash_error(response, 400, message)
    else:
        assert_error_page(response, 400, message)


@pytest.mark.parametrize("q", ["苹\x00", "\u200b苹", "苹\t", "苹\n"])
def test_control_and_invisible_characters_in_the_search_are_ignored(app, client, catalog, q):
    text = client.get(url(app, "catalog.product_list", q=q), headers=HX).text
    assert found(text) == 3


# The live refresh.

def test_a_save_refreshes_the_first_page_with_the_filters_shown(app, client, shelf):
    path = url(app, "catalog.product_list", status="on")
    response = client.post(url(app, "catalog.products"), headers=HX, data={
        "title": "新零食", "category": "snacks", "price": "3.50", "stock": "9",
        "published": "y"})
    assert response.headers["HX-Trigger"] == "catalog:changed"
    text = assert_fragment(client.get(path, headers=HX), "product-list")
    expected = ids_of(shelf, Product.published.is_(True))
    assert rows(text)[0] == db.session.scalar(select(Product.id).where(Product.title == "新零食"))
    assert rows(text) == expected[:SIZE] and len(expected) > SIZE
    assert found(text) == len(expected)
    assert more_url(text) is not None
    assert summary(text).startswith(f"{len(ids_of(shelf))} 件")


# Access.

@pytest.mark.parametrize("query", [{}, {"q": "分页商品 别家"}, {"stock": "out"},
                                   {"category": "meat", "status": "off"}], ids=str)
def test_another_merchant_s_products_never_appear(app, client, shelf, world, query):
    theirs = set(ids_of(world.other_shop))
    pages = walk(client, url(app, "catalog.product_list", **query))
    seen = {n for page in pages for n in page}
    assert not seen & theirs
    assert seen <= set(ids_of(shelf))
    # Past their newest product, with a cursor of one of theirs: still only our own.
    after = listing.paging.encode([max(theirs)])
    text = client.get(url(app, "catalog.product_list", after=after, **query), headers=HX).text
    assert not set(rows(text)) & theirs


@pytest.mark.parametrize("role", [Role.BUYER, Role.COURIER, Role.ADMIN])
def test_only_merchants_reach_the_list(app, client, login_as, make_user, world, role):
    login_as(make_user(role))
    response = client.get(url(app, "catalog.product_list", q="分页"))
    assert response.status_code == 403


# Cost.

def test_the_list_costs_the_same_with_ten_times_the_products(app, client, merchant, world):
    def measure(path: str) -> tuple[int, int]:
        with recorded_statements() as seen:
            size = len(client.get(path).data)
        return size, len(seen)

    stock(world.shop, 40)
    paths = [url(app, "catalog.products"), url(app, "catalog.products", q="分页", status="on")]
    small = [measure(path) for path in paths]
    stock(world.shop, 400, start=40)
    large = [measure(path) for path in paths]
    for (small_size, small_statements), (large_size, large_statements) in zip(small, large,
                                                                             strict=True):
        assert large_size <= small_size * 1.02, (small_size, large_size)
        assert large_statements == small_statements
