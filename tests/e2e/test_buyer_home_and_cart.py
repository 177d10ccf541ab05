"""A signed-in buyer's phone, in Chinese and in English: the first screen of the home page is
theirs (their order on its way, no sign-up banner), each bottom tab has an icon above its label,
and the cart's − / + change a line's quantity and the total in place; and (issue 21) ordering "as
soon as possible" from a busy shop promises the longer time.

The demo data (make run's seed) on a server of this module's own: the session's live server has
no shop, and making one there through the real-name review costs more than a start."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import (
    ARTIFACTS,
    PHONE,
    assert_not_reloaded,
    htmx_ready,
    login,
    mark_no_reload,
    shot,
)
from tests.support.live import htmx_post, place_and_dispatch
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e

LOCALES = {"zh-CN": {"delivering": "配送中", "tabs": ["逛店铺", "我的需求", "购物车", "我的订单", "我的"]},
           "en-US": {"delivering": "On the way",
                     "tabs": ["Shops", "Requests", "Cart", "Orders", "Me"]}}
NARROW = {**PHONE, "viewport": {"width": 320, "height": 640}}
# Product ids of the demo shop whose lines each language's cart case works on (stock ≥ 3).
CART_PRODUCT = {"zh-CN": 4, "en-US": 5}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo server, with the demo buyer's order on its way (the courier has set off)."""
    with live.demo_site(tmp_path_factory.mktemp("home"), ARTIFACTS.parent / "gunicorn-home.log") as (
            base, logins):
        buyer, _ = http_login(base, *logins["买家"])
        merchant, _ = http_login(base, *logins["商家"])
        courier, _ = http_login(base, *logins["骑手"])
        order_id = place_and_dispatch(base, buyer, merchant)
        page = f"/delivery/{order_id}"
        assert htmx_post(courier, base, f"{page}/start", page).status_code == 200
        yield {"base": base, "logins": logins, "order": order_id}


def buyer_page(browser, site, locale: str, size: dict = PHONE) -> Page:
    page = browser.new_context(**size, locale=locale).new_page()
    login(page, site["base"], *site["logins"]["买家"])
    return page


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_the_first_screen_of_a_signed_in_buyer_is_theirs(browser, site, locale):
    base, words = site["base"], LOCALES[locale]
    visitor = browser.new_context(**PHONE, locale=locale).new_page()
    page = buyer_page(browser, site, locale)
    try:
        visitor.goto(f"{base}/")
        expect(visitor.locator(".hero")).to_be_visible()  # visitors still get the banner

        page.goto(f"{base}/")
        expect(page.locator(".hero")).to_have_count(0)
        expect(page.locator('a[href$="/auth/register"]')).to_have_count(0)
        card = page.locator(f"#home-order-{site['order']}")
        expect(card).to_contain_text(words["delivering"])
        # Above the fold: the whole card, clear of the tab bar fixed at the bottom.
        order, tabs = box(page, f"#home-order-{site['order']}"), box(page, ".nav .tabs")
        assert 0 <= order["y"] and order["y"] + order["height"] <= tabs["y"] <= 844
        # The shops nearby follow on the same screen.
        assert box(page, "#nearby-title")["y"] < tabs["y"]
        shot(page, "phone", f"home-signed-in-{locale}")
        card.click()
        expect(page).to_have_url(re.compile(rf"/orders/{site['order']}$"))
    finally:
        visitor.context.close()
        page.context.close()


# For each link of the tab bar: its icon's box, its label's box (the text nodes only, not the
# cart's badge or screen-reader words) and the link's own box.
TAB_BOXES = """() => [...document.querySelectorAll('.nav .tabs a')].map(a => {
    const svg = a.querySelector('svg');
    const range = document.createRange();
    const texts = [...a.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    range.setStartBefore(texts[0]); range.setEndAfter(texts[texts.length - 1]);
    const r = (b) => ({left: b.left, right: b.right, top: b.top, bottom: b.bottom,
                       width: b.width, height: b.height});
    return {label: texts.map(t => t.textContent.trim()).join(''),
            hidden: svg && svg.getAttribute('aria-hidden'), icon: svg && r(svg.getBoundingClientRect()),
            text: r(range.getBoundingClientRect()), link: r(a.getBoundingClientRect()),
            lines: range.getClientRects().length, current: a.getAttribute('aria-current'),
            colour: getComputedStyle(a).color, iconColour: svg && getComputedStyle(svg).color};
})"""


@pytest.mark.parametrize("width", [390, 320])
@pytest.mark.parametrize("locale", LOCALES)
def test_each_tab_has_an_icon_above_its_label(browser, site, locale, width):
    size = PHONE if width == 390 else NARROW
    page = buyer_page(browser, site, locale, size)
    try:
        page.goto(f"{site['base']}/orders/")
        tabs = page.evaluate(TAB_BOXES)
        assert [t["label"] for t in tabs] == LOCALES[locale]["tabs"]
        for tab in tabs:
            icon, text, link = tab["icon"], tab["text"], tab["link"]
            assert icon and icon["width"] > 0 and icon["height"] > 0, tab
            assert tab["hidden"] == "true"
            assert icon["bottom"] <= text["top"] + 1, tab  # above its label
            # Centred over it, and everything inside the tab: nothing overflows.
            assert abs((icon["left"] + icon["right"]) - (text["left"] + text["right"])) < 4, tab
            for inner in (icon, text):
                assert link["left"] - 0.5 <= inner["left"] and inner["right"] <= link["right"] + 0.5
                assert link["top"] - 0.5 <= inner["top"] and inner["bottom"] <= link["bottom"] + 0.5
            assert tab["lines"] == 1, tab  # the label on one line
            assert tab["iconColour"] == tab["colour"]  # the active tab's highlight includes its icon
        assert [t["current"] for t in tabs] == [None, None, None, "page", None]
        assert tabs[3]["colour"] != tabs[0]["colour"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, "phone", f"tabs-{width}-{locale}")
    finally:
        page.context.close()


def line_of(page: Page, product_id: int):
    return page.locator("li.cart-line", has=page.locator(f'a[href="/p/{product_id}"]'))


@pytest.mark.parametrize("locale", LOCALES)
def test_minus_and_plus_change_the_quantity_and_the_total_in_place(browser, site, locale):
    base, product = site["base"], CART_PRODUCT[locale]
    page = buyer_page(browser, site, locale)
    narrow = buyer_page(browser, site, locale, NARROW)
    try:
        page.goto(f"{base}/p/{product}")
        htmx_ready(page, "#add-to-cart")  # a click before htmx is ready posts the page
        page.click("#add-to-cart button[type=submit]")
        expect(page.locator("#add-to-cart .notice")).to_be_visible()
        page.goto(f"{base}/cart/")
        line = line_of(page, product)
        quantity, total = line.locator("input[name=quantity]"), page.locator(".cart-total .price")
        expect(quantity).to_have_value("1")
        price = line.locator(".price").inner_text()
        before = total.inner_text()
        expect(line.locator("img.thumb, .thumb-empty")).to_be_visible()
        mark_no_reload(page)

        plus, minus = line.locator("button.step").last, line.locator("button.step").first
        plus.click()
        expect(quantity).to_have_value("2")
        expect(total).not_to_have_text(before)
        assert line.locator(".price").inner_text() != price
        expect(page.locator("#cart-link .badge")).to_be_visible()
        minus.click()
        expect(quantity).to_have_value("1")
        expect(total).to_have_text(before)
        shot(page, "phone", f"cart-{locale}")
        # At 1, − asks first: "no" keeps the line, "yes" takes it out.
        page.once("dialog", lambda dialog: dialog.dismiss())
        minus.click()
        expect(quantity).to_have_value("1")
        page.once("dialog", lambda dialog: dialog.accept())
        minus.click()
        expect(line).to_have_count(0)
        assert_not_reloaded(page)

        # The line fits a 320 px phone: no sideways scrolling, every part inside the card.
        page.goto(f"{base}/p/{product}")
        htmx_ready(page, "#add-to-cart")  # a click before htmx is ready posts the page
        page.click("#add-to-cart button[type=submit]")
        expect(page.locator("#add-to-cart .notice")).to_be_visible()
        narrow.goto(f"{base}/cart/")
        card = box(narrow, ".shop-cart")
        for part in line_of(narrow, product).locator(":scope > *").all():
            inner = part.bounding_box()
            assert inner and card["x"] <= inner["x"] and \
                inner["x"] + inner["width"] <= card["x"] + card["width"], part.inner_html()[:200]
        assert narrow.evaluate("document.documentElement.scrollWidth") <= 320
        shot(narrow, "phone", f"cart-320-{locale}")
    finally:
        page.context.close()
        narrow.context.close()


def test_ordering_as_soon_as_possible_from_a_busy_shop_promises_the_longer_time(browser, site):
    """Issue 21: the shop is open all day, 15 minutes to prepare, its location the buyer's pin
    (no ride), and busy (20 more minutes): the buyer is told before ordering, picks 尽快送达 and
    is promised 35 minutes from now."""
    base = site["base"]
    merchant, _ = http_login(base, *site["logins"]["商家"])
    settings = htmx_post(merchant, base, "/merchant/shop/hours", "/merchant/shop", **{
        **{f"day{d}": "00:00-24:00" for d in range(7)}, "closed_days": "",
        "prep_minutes": "15", "busy_extra_minutes": "20", "busy_auto_orders": "0",
        "lat": "39.9087", "lng": "116.4605"})
    assert settings.status_code == 200, settings.text
    assert htmx_post(merchant, base, "/merchant/busy", "/orders/board",
                     busy="on").status_code == 200
    page = buyer_page(browser, site, "zh-CN")
    try:
        page.goto(f"{base}/p/1")
        htmx_ready(page, "#add-to-cart")  # a click before htmx is ready posts the page
        page.click("#add-to-cart button[type=submit]")
        expect(page.locator("#add-to-cart .notice")).to_be_visible()
        page.goto(f"{base}/s/fresh-fruit")
        expect(page.locator("#shop-outlook")).to_contain_text("商家繁忙，预计多等 20 分钟")
        page.goto(f"{base}/cart/")
        page.locator("a[href^='/orders/checkout/']").first.click()
        expect(page.locator("#shop-outlook")).to_contain_text("商家繁忙，预计多等 20 分钟")
        window = page.locator("select[name=window]")
        expect(window.locator("option[value=asap]")).to_have_text("尽快送达（约 35 分钟）")
        window.select_option("asap")
        shot(page, "phone", "checkout-asap-busy-zh-CN")
        page.locator("#checkout-form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/orders/\d+$"))
        promised = page.get_by_text(re.compile(r"尽快送达，承诺 .* 前"))
        expect(promised).to_be_visible()
        clock = re.search(r"(\d\d):(\d\d) 前", promised.inner_text())
        now = datetime.now(ZoneInfo("Asia/Shanghai"))
        told = now.replace(hour=int(clock[1]), minute=int(clock[2]), second=0, microsecond=0)
        minutes = ((told - now).total_seconds() / 60) % (24 * 60)
        assert 33.5 <= minutes <= 35.5, minutes
        buyer_session, _ = http_login(base, *site["logins"]["买家"])
        order_page = page.url.removeprefix(base)
        assert htmx_post(buyer_session, base, f"{order_page}/cancel", order_page,
                         reason="").status_code == 200
    finally:
        page.context.close()
        htmx_post(merchant, base, "/merchant/busy", "/orders/board", busy="off")
