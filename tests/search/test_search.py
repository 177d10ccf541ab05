"""Search as buyers use it: Chinese words of any length in any order, head nouns (橙子 finds 脐橙),
pinyin and initials, synonyms per category, shops by name, never a suspended shop or an
unpublished product, LIKE's wildcards taken literally; ranking, pages walked by keyset, the
demand offered when nothing is found, and the page that works with and without htmx."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import HX, assert_fragment, assert_page, url
from tests.support.search import CASE_IDS, CASES, build_catalog, found
from webapp import paging
from webapp.admin import services as admin_services
from webapp.catalog import services as catalog_services
from webapp.extensions import db
from webapp.models import Role
from webapp.search import services, synonyms

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.fixture
def market(app):
    return build_catalog()


@pytest.mark.parametrize(("query", "titles", "shops"), CASES, ids=CASE_IDS)
def test_each_query_finds_what_a_buyer_expects(market, query, titles, shops):
    assert found(services.search(query)) == (titles, shops)


def test_title_before_shop_before_description_and_on_sale_before_sold_out(market, make_product):
    old_title = make_product(market.orchard, title="老款脐橙", stock=3)
    sold_out = make_product(market.orchard, title="脐橙新品", stock=0)
    described = make_product(market.orchard, title="新品果篮", description="含脐橙两个")
    products = services.search("脐橙").products
    # Title on sale (newest first), title sold out, then description only.
    assert products == [old_title, market.gift, market.navel, sold_out, described]
    by_shop = services.search("赣南 礼盒").products
    assert by_shop == [market.gift]  # 赣南 only in the shop's name
    assert services.search("橙子").products[-1] == market.juice  # 橙子 only in its description


def test_the_key_follows_every_write_of_a_title_or_description(market):
    market.navel.title = "寻乌蜜桔 10 斤"
    db.session.commit()
    assert services.search("xunwu").products == [market.navel]
    assert services.search("mj").products == [market.navel]
    assert market.navel not in services.search("gnqc").products
    market.navel.description = "寻乌产地直发"
    db.session.commit()
    assert services.search("产地直发").products == [market.navel]
    assert services.search("现摘").products == []


def _walk(query: str, size: int) -> list:
    """Every product of `query`, page after page through the cursors."""
    seen, after, pages = [], None, 0
    while True:
        results = services.search(query, after)
        seen += results.products
        pages += 1
        assert len(results.products) <= size and pages < 50
        if results.next is None:
            return seen
        after = paging.decode(results.next, 2)


def test_a_walk_through_the_pages_loses_and_repeats_nothing(market, make_product):
    made = [make_product(market.orchard, title=f"脐橙 {n}", stock=n % 3,
                         description="" if n % 4 else "脐橙") for n in range(60)]
    expected = services.search("脐橙").products
    walked = _walk("脐橙", services.PAGE_SIZE)
    assert len(walked) == len(set(walked)) == len(made) + 2
    ranks = [(0 if "脐橙" in p.title else 4) + (p.stock == 0) for p in walked]
    assert ranks == sorted(ranks)
    assert walked[:services.PAGE_SIZE] == expected


def test_a_product_added_between_pages_does_not_shift_a_page(market, make_product):
    for n in range(30):
        make_product(market.orchard, title=f"脐橙 {n}")
    first = services.search("脐橙")
    newer = make_product(market.orchard, title="脐橙 新到")
    second = services.search("脐橙", paging.decode(first.next, 2))
    assert newer not in second.products  # it sorts before the cursor: the next search shows it
    assert not set(first.products) & set(second.products)
    # 32 match (the 30, and the market's 2 navel oranges) before the new one.
    assert len(first.products) == services.PAGE_SIZE
    assert len(second.products) == min(services.PAGE_SIZE, 32 - services.PAGE_SIZE)


def test_a_shop_suspended_later_disappears_and_comes_back_when_reinstated(market, make_user):
    admin = make_user(Role.ADMIN)
    admin_services.suspend(market.orchard.id, admin, "证照过期")
    for query in ("脐橙", "赣南脐", "赣南果园", "qicheng"):
        assert found(services.search(query)) == ([], []), query
    assert found(services.search("橙")) == (["橙色T恤 纯棉"], [])  # the other shop's
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
    assert len(services.search("王记粮").products) == 5
    assert services.search("老王粮油").products == []


def test_synonyms_edited_by_an_admin_take_effect_at_once(market):
    assert services.search("洋柿子").products == []
    synonyms.replace({"produce": ["番茄 西红柿 洋柿子"]})
    db.session.commit()
    assert services.search("洋柿子").products == [market.tomato]
    assert services.search("土豆").products == []  # that group was replaced away


def test_a_sold_out_product_is_still_found(market):
    db.session.execute(db.text("UPDATE product SET stock = 0 WHERE id = :id"),
                       {"id": market.navel.id})
    db.session.commit()
    assert services.search("赣南脐").products == [market.navel]


def test_a_query_too_long_or_too_many_words_finds_nothing_and_says_why(market):
    for query in ("橙" * 500, " ".join("橙" * (services.MAX_TERMS + 1))):
        results = services.search(query)
        assert results.empty and results.problem, query
    assert not services.search("橙" * services.MAX_QUERY).problem
    assert not services.search(" ".join("橙" * services.MAX_TERMS)).problem


def test_clean_drops_control_and_invisible_characters():
    assert services.clean("  脐\x00橙\u200b \t 5斤\n") == "脐 橙 5斤"
    assert services.like_pattern("100%_\\") == "%100\\%\\_\\\\%"


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


@pytest.mark.parametrize("role", [None, Role.BUYER])
def test_no_result_offers_a_demand_with_the_query_as_its_title(app, client, market, login_as,
                                                               make_user, role):
    if role is not None:
        login_as(make_user(role))
    text = assert_fragment(client.get(url(app, "search.index", q="苹果 五斤"), headers=HX),
                           "search-results")
    assert "没有找到与“苹果 五斤”相关的商品或店铺" in text
    link = re.search(r'<a [^>]*id="search-post-demand"[^>]*>', text).group(0)
    href = url(app, "demands.new", title="苹果 五斤").replace("&", "&amp;")
    assert f'href="{href}"' in link


def test_the_demand_form_comes_filled_with_the_title_it_was_sent(app, client, login_as,
                                                                 make_user):
    login_as(make_user(Role.BUYER))
    for sent, shown in (("苹果 五斤", "苹果 五斤"), ("  \x00苹果\t", "苹果"), ("果" * 80, "果" * 60),
                        ('<b>"x"</b>', "&lt;b&gt;&#34;x&#34;&lt;/b&gt;")):
        text = client.get(url(app, "demands.new", title=sent)).text
        field = re.search(r'<input[^>]*id="title"[^>]*>', text).group(0)
        assert f'value="{shown}"' in field, field
    field = re.search(r'<input[^>]*id="title"[^>]*>',
                      client.get(url(app, "demands.new")).text).group(0)
    assert 'value=""' in field or "value=" not in field


def test_a_merchant_is_not_offered_a_demand(app, client, market, login_as, make_user):
    login_as(make_user(Role.MERCHANT))
    text = client.get(url(app, "search.index", q="苹果"), headers=HX).text
    assert "没有找到" in text and "search-post-demand" not in text


def _ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="search-product-(\d+)"', text)]


def _more(text: str) -> str | None:
    found = re.search(r'<div class="more-row">\s*<a [^>]*href="([^"]+)"', text)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "page"])
def test_the_more_row_walks_every_page(app, client, market, make_product, headers):
    made = {make_product(market.orchard, title=f"脐橙 {n}").id for n in range(50)}
    first = assert_fragment(client.get(url(app, "search.index", q="脐橙"), headers=HX),
                            "search-results")
    ids, link = _ids(first), _more(first)
    assert len(ids) == services.PAGE_SIZE and link and "after=" in link
    while link:
        response = client.get(link, headers=headers)
        assert response.status_code == 200
        if headers:  # only the next cards and the next "more" row
            assert "search-results" not in response.text and "<h2" not in response.text
        else:
            assert_page(response, "search-results")
        ids += _ids(response.text)
        link = _more(response.text)
    assert len(ids) == len(set(ids)) and set(ids) == made | {market.navel.id, market.gift.id}


@pytest.mark.parametrize("after", ["x", "WzEsMl0x", paging.encode(["a", "b"]),
                                   paging.encode([99, 1]), paging.encode([0, 2**70]),
                                   paging.encode([0, 1.5]), paging.encode([True, 1]),
                                   paging.encode([0]), "A" * 600])
def test_a_bad_cursor_is_a_400_with_a_message(app, client, market, after):
    for headers in ({}, HX):
        response = client.get(url(app, "search.index", q="脐橙", after=after), headers=headers)
        assert response.status_code == 400 and "页码参数无效" in response.text


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
@pytest.mark.parametrize(("query", "says"), [("橙" * 500, "搜索词太长"), ("橙 " * 9, "搜索词太多")])
def test_a_query_too_big_is_a_400_that_says_why(app, client, market, headers, query, says):
    response = client.get(url(app, "search.index", q=query), headers=headers)
    assert response.status_code == 400
    assert says in response.text and "search-product-" not in response.text
    assert ('id="search-q"' in response.text) is (headers == {})


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
