"""A phone scrolls a shop of 500 products and a history of 1,000 orders to the end: the lists load
a page at a time as the reader reaches the "more" row (templates/_macros/paging.html), and at
the end every product on sale and every order has been shown exactly once, in order, with the
page still one document (no reload) and the first screen as light as a small shop's.

The demo data grown by bench/growth.py (the growth benchmark's own builder) on a server of this
module's own: 500 products in the demo shop, 1,000 orders of the demo buyer."""
from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, assert_not_reloaded, login, mark_no_reload, picture

pytestmark = pytest.mark.e2e

GROW = ("from bench.growth import Size, grow\n"
        "from webapp import create_app\n"
        "app = create_app({'SOCKETIO_ASYNC_MODE': 'threading', 'SOCKETIO_MESSAGE_QUEUE': None})\n"
        "with app.app_context():\n"
        "    print(grow(Size(products=500, orders=1000, shop_orders=0, demands=0,\n"
        "                    district_demands=0, applications=0)))\n")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    env = live.base_env(f"sqlite:///{folder / 'long.db'}")
    logins = live.prepare(env)
    subprocess.run([sys.executable, "-c", GROW], env=env, check=True, capture_output=True,
                   cwd=live.ROOT, timeout=300)
    database = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))
    try:
        (shop_id,) = database.execute("SELECT id FROM shop WHERE handle = 'fresh-fruit'").fetchone()
        products = [row[0] for row in database.execute(
            "SELECT id FROM product WHERE shop_id = ? AND published ORDER BY id", (shop_id,))]
        (buyer_id,) = database.execute(
            "SELECT id FROM \"user\" WHERE email = 'buyer@example.com'").fetchone()
        orders = [row[0] for row in database.execute(
            "SELECT id FROM \"order\" WHERE buyer_id = ? ORDER BY id DESC", (buyer_id,))]
    finally:
        database.close()
    server = live.start(env, ARTIFACTS.parent / "gunicorn-long.log")
    try:
        yield {"base": server.url, "logins": logins, "products": products, "orders": orders}
    finally:
        server.stop()


def scroll_to_the_end(page: Page, item: str, expected: int) -> list[str]:
    """Scroll to the bottom until no "more" row is left; the ids of `item` in document order."""
    for _ in range(expected):  # at most one page per item: a bound, never reached
        if page.locator(".more-row").count() == 0:
            break
        shown = page.locator(item).count()
        page.locator(".more-row").last.scroll_into_view_if_needed()
        # The row loads the next page by itself when it comes into view.
        expect(page.locator(item)).not_to_have_count(shown)
    expect(page.locator(".more-row")).to_have_count(0)
    return page.locator(item).evaluate_all("els => els.map(e => e.id)")


def test_a_phone_scrolls_a_500_product_shop_to_its_end(browser, site):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    login(page, site["base"], *site["logins"]["买家"])
    page.goto(f"{site['base']}/s/fresh-fruit")
    first_screen = page.locator("article.product").count()
    assert 0 < first_screen < 50, "the first page is a page, not the shop"
    expect(page.locator(".chips .chip.active .count, .chips .chip.active")).to_have_count(1)
    mark_no_reload(page)
    ids = scroll_to_the_end(page, "article.product", len(site["products"]))
    assert ids == [f"product-{n}" for n in site["products"]], "a product lost, repeated or out of order"
    assert len(ids) >= 460
    assert_not_reloaded(page)
    # The end of the list as the reader sees it (a full-page picture of 500 cards is too big).
    picture(page, ARTIFACTS / "phone-zh-CN" / "long-shop-end.png", full_page=False)
    context.close()


def test_a_phone_scrolls_a_1000_order_history_to_its_end(browser, site):
    context = browser.new_context(**PHONE, locale="en-US")
    page = context.new_page()
    login(page, site["base"], *site["logins"]["买家"])
    page.goto(f"{site['base']}/orders/")
    expect(page.locator("#tab-all .count")).to_have_text(str(len(site["orders"])))
    assert page.locator("a.order-link").count() < 50
    mark_no_reload(page)
    ids = scroll_to_the_end(page, "a.order-link", len(site["orders"]))
    assert ids == [f"buyer-order-{n}" for n in site["orders"]], "an order lost, repeated or out of order"
    assert len(ids) >= 1000
    assert_not_reloaded(page)
    context.close()
