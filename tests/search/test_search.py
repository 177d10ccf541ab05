"""Search as buyers use it: Chinese words of any length, shops by name, never a suspended shop or
an unpublished product, LIKE's wildcards taken literally, and the page that works with and
without htmx."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import HX, assert_fragment, assert_page, url
from tests.support.search import CASE_IDS, CASES, build_catalog, found
from webapp.admin import services as admin_services
from webapp.catalog import services as catalog_services
from webapp.extensions import db
from webapp.models import Role
from webapp.search import services

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.fixture
def market(app):
    return build_catalog()


@pytest.mark.parametrize(("query", "titles", "shops"), CASES, ids=CASE_IDS)
def test_each_query_finds_what_a_buyer_expects(market, query, titles, shops):
    assert found(services.search(query)) == (titles, shops)


def test_title_matches_come_before_shop_and_description_matches(market, make_product):
    newest = make_product(market.orchard, title="新品", description="橙味十足")
    products = services.search("橙").products
    assert products.index(market.navel) < products.index(newest)
    assert products[-2:] == [newest, market.juice]  # description-only matches, newest first


def test_results_are_limited(market, make_product):
    for n in range(services.PRODUCT_LIMIT + 5):
        make_product(market.orchard, title=f"脐橙礼盒 {n}")
    results = services.search("脐橙")
    assert len(results.products) == services.PRODUCT_LIMIT and results.more_products
    assert not services.search("赣南脐橙 5").more_products


def test_a_shop_suspended_later_disappears_and_comes_back_when_reinstated(market, make_user):
    admin = make_user(Role.ADMIN)
    admin_services.suspend(market.orchard.id, admin, "证照过期")
    for query in ("橙", "脐橙", "赣南脐", "赣南果园"):
        assert found(services.search(query)) == ([], []), query
    admin_services.reinstate(market.orchard.id, admin)
    assert found(services.search("赣南脐")) == (["赣南脐橙 5 斤装"], ["赣南果园"])


def test_unpublishing_hides_a_product_and_publishing_shows_it_again(market):
    catalog_services.set_published(market.navel, False)
    assert services.search("赣南脐").products == []
    assert market.navel not in services.search("脐").products
    catalog_services.set_published(market.navel, True)
    assert services.search("赣南脐").products == [market.navel]


def test_an_edited_title_and_a_renamed_shop_are_found_by_their_new_words(market):
    market.navel.title = "寻乌蜜桔 10 斤"
    market.grocer.name = "王记粮油铺"
    db.session.commit()
    assert services.search("寻乌蜜").products == [market.navel]
    assert services.search("赣南脐").products == []
    assert found(services.search("王记粮"))[1] == ["王记粮油铺"]
    assert len(services.search("王记粮").products) == 3
    assert services.search("老王粮油").products == []


def test_a_sold_out_product_is_still_found(market):
    db.session.execute(db.text("UPDATE product SET stock = 0 WHERE id = :id"),
                       {"id": market.navel.id})
    db.session.commit()
    assert services.search("赣南脐").products == [market.navel]


@pytest.mark.sqlite_only("reads the FTS5 table product_search, which only SQLite has; "
                         "PostgreSQL searches with ILIKE over pg_trgm indexes (test_index.py)")
def test_three_characters_and_more_use_the_fts_index_and_shorter_ones_use_like(market):
    """Take the row out of the index behind the triggers' back: only the FTS path misses it."""
    rows = db.session.execute(db.text(
        "SELECT rowid FROM product_search WHERE product_search MATCH :q"), {"q": '"赣南脐"'})
    assert [row.rowid for row in rows] == [market.navel.id]
    db.session.execute(db.text("DELETE FROM product_search WHERE rowid = :id"),
                       {"id": market.navel.id})
    db.session.commit()
    assert services.search("赣南脐").products == []
    assert services.search("脐橙").products == [market.navel]


@pytest.mark.sqlite_only("reads the FTS5 table product_search, which only SQLite has; "
                         "PostgreSQL searches with ILIKE over pg_trgm indexes (test_index.py)")
def test_the_index_holds_only_published_products_of_active_shops(market):
    rows = db.session.execute(db.text("SELECT rowid FROM product_search")).scalars()
    assert sorted(rows) == sorted(p.id for p in (market.navel, market.jelly, market.juice,
                                                 market.rice, market.oil, market.flour))


def test_a_query_too_long_to_be_a_search_finds_nothing_and_says_why(market):
    results = services.search("橙" * 500)
    assert results.empty and results.problem
    assert not services.search("橙" * services.MAX_QUERY).problem


def test_clean_drops_control_and_invisible_characters():
    assert services.clean("  脐\x00橙\u200b \t 5斤\n") == "脐 橙 5斤"
    assert services.like_pattern("100%_\\") == "%100\\%\\_\\\\%"
    assert services.fts_phrase('a"b') == '"a""b"'


# The page.

def test_the_search_page_works_without_javascript(app, client, market):
    text = assert_page(client.get(url(app, "search.index", q="脐橙")), "search-results")
    form = re.search(r"<form\b[^>]*role=\"search\"[^>]*>", text).group(0)
    assert f'action="{url(app, "search.index")}"' in form and 'method="get"' in form
    field = re.search(r'<input\b[^>]*id="search-q"[^>]*>', text).group(0)
    for attribute in (f'hx-get="{url(app, "search.index")}"', 'name="q"', 'value="脐橙"',
                      'hx-trigger="input changed delay:300ms, search"',
                      'hx-target="#search-results"', 'hx-push-url="true"',
                      f'maxlength="{services.MAX_QUERY}"'):
        assert attribute in field
    assert "赣南脐橙 5 斤装" in text and "¥39.90" in text


def test_htmx_gets_only_the_results_fragment(app, client, market):
    response = client.get(url(app, "search.index", q="橙"), headers=HX)
    text = assert_fragment(response, "search-results")
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]
    assert "四川爱媛果冻橙" in text and "search-q" not in text


def test_a_history_restore_gets_the_whole_page(app, client, market):
    response = client.get(url(app, "search.index", q="橙"),
                          headers={**HX, "HX-History-Restore-Request": "true"})
    assert_page(response, "search-results")


def test_results_link_the_shop_and_offer_to_buy_what_is_in_stock(app, client, market):
    text = assert_fragment(client.get(url(app, "search.index", q="橙"), headers=HX),
                           "search-results")
    navel = re.search(rf'id="search-product-{market.navel.id}".*?</article>', text, re.S).group(0)
    assert "¥39.90" in navel and "赣南果园" in navel
    assert f'href="{url(app, "shops.detail", handle="gannan")}"' in navel
    buy = url(app, "shops.product", product_id=market.navel.id)
    assert f'<a class="button primary block" href="{buy}">购买</a>' in navel
    jelly = re.search(rf'id="search-product-{market.jelly.id}".*?</article>', text, re.S).group(0)
    assert "已售罄" in jelly and "购买" not in jelly
    assert f'id="search-shop-{market.orchard.id}"' in text


def test_an_empty_query_shows_how_to_search(app, client, market):
    for query in ("", "   ", "\x00"):
        text = assert_fragment(client.get(url(app, "search.index", q=query), headers=HX),
                               "search-results")
        assert "边输边搜" in text and "search-product-" not in text
    assert "边输边搜" in assert_page(client.get(url(app, "search.index")))


def test_no_result_says_so(app, client, market):
    text = assert_fragment(client.get(url(app, "search.index", q="苹果"), headers=HX),
                           "search-results")
    assert "没有找到与“苹果”相关的商品或店铺" in text


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_500_character_query_is_answered_not_crashed(app, client, market, headers):
    response = client.get(url(app, "search.index", q="橙" * 500), headers=headers)
    assert response.status_code == 200
    assert "搜索词太长" in response.text and "search-product-" not in response.text


def test_wildcards_in_the_address_bar_are_literal(app, client, market):
    text = client.get(url(app, "search.index", q="%"), headers=HX).text
    assert re.findall(r'id="search-product-(\d+)"', text) == [str(market.oil.id)]


def test_a_merchant_sees_results_without_a_buy_button(app, client, market, login_as, make_user):
    login_as(make_user(Role.MERCHANT))
    text = client.get(url(app, "search.index", q="赣南脐"), headers=HX).text
    assert "赣南脐橙 5 斤装" in text and "购买" not in text


def test_the_home_page_has_the_search_box_and_an_empty_results_region(app, client):
    text = assert_page(client.get(url(app, "shops.index")))
    assert re.search(r'<div id="search-results"[^>]*></div>', text)
    field = re.search(r'<input\b[^>]*id="search-q"[^>]*>', text).group(0)
    assert 'hx-target="#search-results"' in field and 'hx-swap="outerHTML"' in field


@pytest.mark.parametrize(("role", "shown"), [(None, True), (Role.BUYER, True),
                                             (Role.MERCHANT, False), (Role.COURIER, False)])
def test_the_top_bar_links_to_search_for_buyers_and_visitors(app, client, login_as, make_user,
                                                             make_shop, role, shown):
    if role is Role.COURIER:
        login_as(make_user(role, shop_id=make_shop().id))
    elif role is not None:
        login_as(make_user(role))
    text = client.get(url(app, "shops.index")).text
    topbar = re.search(r'<header class="topbar">.*?</header>', text, re.S).group(0)
    assert (f'href="{url(app, "search.index")}"' in topbar) is shown
