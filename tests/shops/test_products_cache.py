"""The shop page's products come from a cache (webapp/shops/grid.py): it must be used, and it
must never show a stale card, another language, another visitor's buttons or anyone's data."""
import re

import pytest

from tests.support.helpers import HX, url
from tests.support.images import jpeg_bytes
from webapp.catalog.services import update_product
from webapp.extensions import db
from webapp.shops import grid
from webapp.uploads import clean_image

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def cards(text: str) -> dict[int, str]:
    """The product cards of a page, by product id."""
    return {int(m[1]): m[0] for m in re.finditer(
        r'<article class="card product[^"]*" id="product-(\d+)">.*?</article>', text, re.S)}


def page(client, app, shop, **args) -> str:
    response = client.get(url(app, "shops.detail", handle=shop.handle, **args),
                          headers=args.pop("headers", {}))
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def rendered_every_time(app):
    """These tests look at the fragments' cache, behind the whole-page one for anonymous
    visitors (webapp/shared_pages.py, tested in tests/test_shared_pages.py)."""
    app.extensions["shared_pages"].seconds = 0


@pytest.fixture
def shop(world, make_product):
    for n in range(3):
        make_product(world.shop, title=f"缓存商品 {n}", stock=10, price_fen=1000 + n,
                     category="produce")
    make_product(world.shop, title="缓存点心", stock=10, category="snacks")
    return world.shop


def test_a_second_visit_is_served_from_the_cache(app, client, shop):
    first = page(client, app, shop)
    hits = grid.cache().hits
    assert page(client, app, shop) == first
    assert grid.cache().hits == hits + 1


def test_a_sale_an_edit_or_going_off_sale_shows_at_once(app, client, shop, world):
    from webapp.models import Product

    page(client, app, shop)
    product = db.session.get(Product, world.product.id)
    product.stock = 2  # a sale (the checkout's conditional UPDATE does the same to the row)
    db.session.commit()
    assert "仅剩 2 件" in cards(page(client, app, shop))[product.id]
    product.title, product.price_fen = "改名的商品", 4321
    db.session.commit()
    card = cards(page(client, app, shop))[product.id]
    assert "改名的商品" in card and "¥43.21" in card
    product.published = False
    db.session.commit()
    assert product.id not in cards(page(client, app, shop))
    product.published = True
    db.session.commit()
    assert "photo-empty" in cards(page(client, app, shop))[product.id]
    update_product(product, title=product.title, description=product.description,
                   price_fen=product.price_fen, stock=product.stock, stock_seen=product.stock,
                   published=True, photo=clean_image(jpeg_bytes()))
    card = cards(page(client, app, shop))[product.id]
    assert f"/p/{product.id}/photo?v=" in card and "photo-empty" not in card


def test_each_language_gets_its_own_cards(app, client, shop):
    chinese = page(client, app, shop)
    english = page(client, app, shop, headers={"Accept-Language": "en"})
    assert "库存" in chinese and "库存" not in english
    assert "Stock 10" in english and "Buy" in english
    assert page(client, app, shop) == chinese


@pytest.mark.parametrize("first", ["anonymous", "buyer", "merchant"])
def test_only_those_who_may_buy_get_the_buy_button(app, client, login_as, shop, world, first):
    order = {"anonymous": ["anonymous", "buyer", "merchant"], "buyer": ["buyer", "merchant",
                                                                         "anonymous"],
             "merchant": ["merchant", "anonymous", "buyer"]}[first]
    for who in order:
        visitor = app.test_client()
        if who != "anonymous":
            login_as(getattr(world, who), visitor)
        text = page(visitor, app, shop)
        buttons = sum('class="button primary block"' in card for card in cards(text).values())
        assert buttons == (0 if who == "merchant" else len(cards(text))), who


def test_the_cache_holds_no_token_and_no_one_s_data(app, client, login_as, shop, world):
    login_as(world.buyer)
    text = page(client, app, shop)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', text)[1]
    assert token in text and world.buyer.display_name in text  # the page around the cards
    for html in grid.cache().entries.values():
        assert token not in html and world.buyer.display_name not in html
        assert "csrf" not in html.lower()


def test_a_category_and_its_htmx_fragment_use_the_same_cards(app, client, shop):
    snacks = page(client, app, shop, category="snacks")
    assert [c for c in cards(snacks).values() if "缓存点心" in c] and len(cards(snacks)) == 1
    fragment = client.get(url(app, "shops.detail", handle=shop.handle, category="snacks"),
                          headers=HX).get_data(as_text=True)
    assert fragment.strip() == re.search(
        r'<div id="shop-\d+-products".*?</div>\s*</div>', snacks, re.S)[0].strip()
    everything = page(client, app, shop)
    assert len(cards(everything)) == 5


def search_cards(text: str) -> dict[int, str]:
    return {int(m[1]): m[0] for m in re.finditer(
        r'<article class="card product[^"]*" id="search-product-(\d+)">.*?</article>', text, re.S)}


def test_search_results_come_from_the_cache_and_follow_the_catalog(app, client, login_as, shop,
                                                                    world):
    from webapp.models import Product

    path = url(app, "search.index", q="缓存")
    first = client.get(path).get_data(as_text=True)
    assert len(search_cards(first)) == 4
    hits = grid.cache().hits
    assert client.get(path).get_data(as_text=True) == first
    assert grid.cache().hits == hits + 1
    product = db.session.scalar(db.select(Product).where(Product.title == "缓存商品 0"))
    product.stock, product.title = 3, "缓存商品 改"
    db.session.commit()
    card = search_cards(client.get(path).get_data(as_text=True))[product.id]
    assert "仅剩 3 件" in card and "缓存商品 改" in card
    shop.name = "改了名的店"  # the cards name their shop
    db.session.commit()
    assert "改了名的店" in search_cards(client.get(path).get_data(as_text=True))[product.id]
    assert "Stock 10" in client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    merchant = app.test_client()
    login_as(world.merchant, merchant)
    seen = search_cards(merchant.get(path).get_data(as_text=True))
    assert seen and not any('class="button primary block"' in c for c in seen.values())
    assert all('class="button primary block"' in c
               for c in search_cards(client.get(path).get_data(as_text=True)).values()
               if "已售罄" not in c)


def test_each_page_is_kept_under_its_own_rows_only(app, client, shop, make_product):
    """A sale on a later page leaves the first page's kept fragment as it is (the key holds the
    shown rows of that page, not of the whole catalog), and shows at once on its own page."""
    later = [make_product(shop, title=f"后页商品 {n}", category="produce", stock=10)
             for n in range(grid.PAGE_SIZE)]
    first = page(client, app, shop)
    assert len(cards(first)) == grid.PAGE_SIZE and later[-1].id not in cards(first)
    later[-1].stock = 3
    db.session.commit()
    hits = grid.cache().hits
    assert page(client, app, shop) == first and grid.cache().hits == hits + 1
    more = re.search(r'<div class="more-row">\s*<a class="button more" href="([^"]+)"', first)[1]
    second = client.get(more.replace("&amp;", "&"), headers=HX).get_data(as_text=True)
    assert "仅剩 3 件" in cards(second)[later[-1].id]
