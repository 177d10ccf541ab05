"""A checkout refused because the stock ran out while the buyer was choosing, in Chromium on a
phone and a tablet, in both languages: the refusal (naming the product) and the line's state
come into the form the buyer is on, without a reload, and everything chosen stays as chosen
(webapp/orders/refused.py); the page has no serious accessibility fault after it.

The demo data on a server of this module's own; the stock is emptied in its database, as
another buyer's order would."""
from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import (
    ARTIFACTS,
    PHONE,
    TABLET,
    assert_not_reloaded,
    axe_violations,
    login,
    mark_no_reload,
    shot,
)
from tests.support.live import htmx_post
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e

CASES = {"zh-CN": ("phone", PHONE, "「{title}」已售罄", "已售罄，请移除"),
         "en-US": ("tablet", TABLET, "“{title}” is sold out", "Sold out; please remove it")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("refusal")
    with live.demo_site(directory, ARTIFACTS.parent / "gunicorn-refusal.log") as (base, logins):
        yield {"base": base, "logins": logins, "database": directory / "demo.db"}


def product_in_cart(site, index: int) -> tuple[int, str, str]:
    """Put one of the demo shop's products (the index-th on its page) in the buyer's cart; its
    id and title, and the path of the cart's checkout page."""
    who = site["logins"]["买家"][0]
    with sqlite3.connect(site["database"]) as db:  # the other case's line, sold out, stays out
        db.execute("DELETE FROM cart_item WHERE user_id = (SELECT id FROM user WHERE email = ? "
                   "OR mobile = ?)", (who, who))
    buyer, _ = http_login(site["base"], *site["logins"]["买家"])
    shop = buyer.get(f"{site['base']}/s/fresh-fruit", timeout=10).text
    product_id = int(list(dict.fromkeys(re.findall(r'href="/p/(\d+)"', shop)))[index])
    page = f"/p/{product_id}"
    answer = htmx_post(buyer, site["base"], "/cart/add", page, product_id=product_id, quantity=1)
    assert answer.status_code == 200, answer.text[:300]
    checkout = re.search(r'href="(/orders/checkout/\d+)"',
                         buyer.get(f"{site['base']}/cart/", timeout=10).text)[1]
    with sqlite3.connect(site["database"]) as db:
        (title,) = db.execute("SELECT title FROM product WHERE id = ?", (product_id,)).fetchone()
    return product_id, title, checkout


@pytest.mark.parametrize("locale", CASES)
def test_a_sold_out_line_is_said_in_the_form_the_buyer_is_on(browser, site, locale):
    layout, size, message, line_words = CASES[locale]
    product_id, title, checkout = product_in_cart(site, 2 if locale == "zh-CN" else 3)
    page = browser.new_context(**size, locale=locale).new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, site["base"], *site["logins"]["买家"])
        page.goto(site["base"] + checkout)
        form = page.locator("#checkout-form")
        expect(form).to_be_visible()
        # The buyer's choices: the last window, WeChat Pay, a note.
        window = form.locator("select[name=window] option").last.get_attribute("value")
        form.locator("select[name=window]").select_option(window)
        form.locator("input[name=payment_method][value=wechat]").check()
        form.locator("textarea[name=note]").fill("放门口，谢谢")
        with sqlite3.connect(site["database"]) as db:
            # Sold out as an order would leave it: its variant's stock and the product's total.
            db.execute("UPDATE product_variant SET stock = 0 WHERE product_id = ?", (product_id,))
            db.execute("UPDATE product SET stock = 0 WHERE id = ?", (product_id,))
        mark_no_reload(page)
        form.locator("button[type=submit]").click()
        alert = form.locator("#checkout-alerts [role=alert]")
        expect(alert).to_have_text(message.format(title=title))
        expect(form.locator("#checkout-lines .cart-line.has-problem")).to_contain_text(line_words)
        assert_not_reloaded(page)
        assert form.locator("select[name=window]").input_value() == window
        expect(form.locator("input[name=payment_method][value=wechat]")).to_be_checked()
        expect(form.locator("textarea[name=note]")).to_have_value("放门口，谢谢")
        expect(form.locator("button[type=submit]")).to_be_enabled()
        assert axe_violations(page) == []
        shot(page, layout, f"checkout-sold-out-{locale}")
    finally:
        page.context.close()
