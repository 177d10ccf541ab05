"""No page needs horizontal scrolling on a 320 px wide phone, in either language.

The demo data (make run's seed) plus, made here through the real endpoints: a demand with a quote,
three orders (delivering, arrived for signing, signed with a proof) and a cart. Every main page of
every role is opened at 320x640; the page's scroll width must not exceed 320 px. The widest
offenders are printed for each failing page, so the CSS to fix is easy to find."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, login
from tests.support.images import signature_data_url
from tests.support.live import csrf_token, htmx_post, place_and_dispatch, reason_for, sign
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e

WIDTH = 320
NARROW = {**PHONE, "viewport": {"width": WIDTH, "height": 640}}
# Elements sticking out past the right edge, innermost first (what to fix in the CSS).
OFFENDERS = """(width) => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 0.5) continue;
        const inner = [...el.children].some(c => c.getBoundingClientRect().right > width + 0.5);
        if (inner) continue;
        let name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
            + (el.className && typeof el.className === 'string'
               ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
        const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 30);
        out.push(`${name} right=${Math.round(r.right)} "${text}"`);
        if (out.length >= 8) break;
    }
    return out;
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo server with a demand, a quote, orders in three states and a full cart."""
    with live.demo_site(tmp_path_factory.mktemp("narrow"),
                        ARTIFACTS.parent / "gunicorn-narrow.log") as (base, logins):
        buyer, _ = http_login(base, *logins["买家"])
        merchant, _ = http_login(base, *logins["商家"])
        courier, _ = http_login(base, *logins["骑手"])
        orders = {}
        for state in ("signed", "arrived", "delivering"):
            order_id = place_and_dispatch(base, buyer, merchant)
            page = f"/delivery/{order_id}"
            assert htmx_post(courier, base, f"{page}/start", page).status_code == 200
            if state != "delivering":
                assert htmx_post(courier, base, f"{page}/arrive", page,
                                 **reason_for("arrive")).status_code == 200
            if state == "signed":
                assert sign(buyer, base, order_id, signature_data_url()).status_code == 303
            orders[state] = order_id
        token = csrf_token(buyer.get(f"{base}/s/fresh-fruit", timeout=10).text)
        added = buyer.post(f"{base}/cart/add", timeout=10, data={
            "csrf_token": token, "product_id": "3", "quantity": "2"})
        assert added.status_code in (200, 303), added.text
        checkout = re.search(r'href="(/orders/checkout/\d+)"',
                             buyer.get(f"{base}/cart/", timeout=10).text)[1]
        yield {"base": base, "logins": logins, "orders": orders, "checkout": checkout}


def post_demand_and_quote(browser, site) -> int:
    """The buyer posts a demand and the demo shop quotes on it, both on a 320 px phone."""
    base, logins = site["base"], site["logins"]
    if "demand" in site:
        return site["demand"]
    contexts = [browser.new_context(**NARROW, locale="zh-CN") for _ in range(2)]
    try:
        buyer, merchant = (c.new_page() for c in contexts)
        login(buyer, base, *logins["买家"])
        buyer.goto(f"{base}/demands/new")
        buyer.fill("#title", "两箱赣南脐橙")
        buyer.select_option("#category", "produce")
        buyer.fill("#quantity", "2")
        buyer.fill("#budget", "120")
        buyer.click("#demand-form > button[type=submit]")
        expect(buyer).to_have_url(re.compile(r"/demands/\d+$"))
        demand_id = int(buyer.url.rsplit("/", 1)[1])
        login(merchant, base, *logins["商家"])
        merchant.goto(f"{base}/demands/{demand_id}")
        merchant.select_option("#product_id", "1")
        merchant.fill("#unit_price", "55.50")
        # Valid until the earliest delivery (the default, the buyer's deadline to the minute, is
        # sometimes refused as later than the deadline).
        merchant.fill("#valid_until", merchant.input_value("#earliest_delivery"))
        merchant.fill("#note", "当天产地直发，坏果包赔")
        merchant.click("#quote-form button[type=submit]")
        expect(merchant.locator("#my-quote")).to_contain_text("55.50")
        buyer.reload()
        expect(buyer.locator(".offer")).to_have_count(1)
        site["quote"] = int(buyer.locator(".offer").get_attribute("id").rsplit("-", 1)[1])
    finally:
        for context in contexts:
            context.close()
    site["demand"] = demand_id
    return demand_id


def pages(site, demand_id) -> dict[str, list[str]]:
    o = site["orders"]
    return {
        "anonymous": ["/", "/shops", "/s/fresh-fruit", "/p/1", "/search/?q=橙",
                      "/search/?q=赣南脐橙", "/auth/login", "/auth/register", "/offline"],
        "买家": ["/", "/cart/", site["checkout"], "/search/?q=脐橙", "/demands/",
               "/demands/new", f"/demands/{demand_id}", f"/demands/checkout/{site['quote']}",
               "/orders/",
               f"/orders/{o['delivering']}", f"/orders/{o['arrived']}",
               f"/orders/{o['signed']}", f"/orders/{o['signed']}/proof", "/addresses/",
               "/addresses/new"],
        "商家": ["/merchant/", "/orders/board", f"/orders/{o['arrived']}", "/catalog/",
               "/catalog/1/edit", "/merchant/shop", "/merchant/couriers", "/demands/feed",
               f"/demands/{demand_id}", f"/orders/{o['signed']}/proof", "/s/fresh-fruit/poster"],
        "骑手": ["/delivery/", f"/delivery/{o['delivering']}", f"/delivery/{o['arrived']}",
               f"/orders/{o['signed']}/proof"],
        "管理员": ["/admin/applications", "/admin/applications/1"],
    }


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_no_page_scrolls_sideways_at_320_px(browser, site, locale):
    demand_id = post_demand_and_quote(browser, site)
    base = site["base"]
    wide, checked = {}, 0
    for who, paths in pages(site, demand_id).items():
        context = browser.new_context(**NARROW, locale=locale)
        try:
            page: Page = context.new_page()
            if who != "anonymous":
                login(page, base, *site["logins"][who])
            for path in paths:
                response = page.goto(base + path)
                assert response.status == 200, f"{who} {path}: {response.status}"
                page.wait_for_load_state("load")
                width = page.evaluate("document.documentElement.scrollWidth")
                checked += 1
                if width > WIDTH:
                    wide[f"{who} {path}"] = (width, page.evaluate(OFFENDERS, WIDTH))
        finally:
            context.close()
    for name, (width, offenders) in wide.items():
        print(f"{locale} {name}: scrollWidth {width}")
        for offender in offenders:
            print("    ", offender)
    assert checked >= 41
    assert not wide, {name: width for name, (width, _) in wide.items()}
