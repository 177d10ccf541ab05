"""The merchant's tablet and the shop's phone page, measured in Chromium, in both languages.

On a 1024x768 tablet the product form's save button is on screen whatever the form holds, and
the merchant's order page uses the width (two columns) while a phone never scrolls sideways.
On a 390x844 phone the shop page keeps its licence number in one piece beside its label, shows
no QR code to a visitor until asked (its owner sees it), and has a header picture without a
banner. The demo data (make run's seed, no banner, no opening hours) with one order on its way:
the session live server holds no shop, and building one there through the forms would cost
more than this module's own server."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, htmx_ready, login, shot
from tests.support.live import login as http_login
from tests.support.live import place_and_dispatch, refuse_one_line

pytestmark = pytest.mark.e2e

LOCALES = ["zh-CN", "en-US"]
WORDS = {"zh-CN": {"licence": "营业执照", "hours": "配送时段", "share": "分享"},
         "en-US": {"licence": "Business licence", "hours": "Delivery hours", "share": "Share"}}

# Why a button cannot be seen where it is: off the screen, cut by a scrolling ancestor, or
# under something else at its centre. Empty when it is in plain sight.
HIDDEN_BECAUSE = """(selector) => {
    const button = document.querySelector(selector);
    if (!button) return ['no ' + selector];
    const r = button.getBoundingClientRect(), out = [];
    if (r.top < -0.5 || r.bottom > innerHeight + 0.5 || r.left < -0.5 || r.right > innerWidth + 0.5)
        out.push(`off screen: ${Math.round(r.top)}..${Math.round(r.bottom)} of ${innerHeight}`);
    for (let el = button.parentElement; el && el !== document.body; el = el.parentElement) {
        const style = getComputedStyle(el);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const box = el.getBoundingClientRect();
        const top = box.top + el.clientTop, bottom = top + el.clientHeight;
        if (r.top < top - 0.5 || r.bottom > bottom + 0.5)
            out.push(`cut by ${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
    }
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!button.contains(hit)) out.push('covered by ' + (hit ? hit.outerHTML.slice(0, 80) : 'nothing'));
    return out;
}"""
SAVE = "#product-form button[type=submit]"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo server, with one order of the demo buyer accepted and given to the courier, and
    one delivered whose first line (¥39.90 of ¥65.80) the buyer refused at the door."""
    with live.demo_site(tmp_path_factory.mktemp("shop"),
                        ARTIFACTS.parent / "gunicorn-merchant-shop.log") as (base, logins):
        buyer, _ = http_login(base, *logins["买家"])
        merchant, _ = http_login(base, *logins["商家"])
        courier, _ = http_login(base, *logins["骑手"])
        refused = refuse_one_line(base, buyer, merchant, courier)
        order_id = place_and_dispatch(base, buyer, merchant)
        yield {"base": base, "logins": logins, "order": order_id, "refused": refused}


def merchant_page(browser, site, size: dict, locale: str) -> Page:
    page = browser.new_context(**size, locale=locale).new_page()
    page.set_default_timeout(15_000)
    login(page, site["base"], *site["logins"]["商家"])
    return page


def assert_in_sight(page: Page, what: str) -> None:
    assert page.evaluate(HIDDEN_BECAUSE, SAVE) == [], what
    # What the issue asked, too: once the browser brings it into view, nothing covers it.
    page.locator(SAVE).evaluate("b => b.scrollIntoViewIfNeeded()")
    assert page.evaluate(HIDDEN_BECAUSE, SAVE) == [], f"{what}, after scrollIntoViewIfNeeded"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_product_form_keeps_its_save_button_on_a_tablet(browser, site, locale):
    base = site["base"]
    page = merchant_page(browser, site, TABLET, locale)
    try:
        page.goto(f"{base}/catalog/")
        assert_in_sight(page, "a new product's form")
        page.goto(f"{base}/catalog/1/edit")
        assert_in_sight(page, "a product opened by its address")
        # Another product than the one open, and its own form awaited: typing into the old form
        # while the new one is on its way would lose the typing to the swap (as it did in CI).
        row = page.locator(".product-row-main").first
        other = re.search(r"/catalog/(\d+)/edit", row.get_attribute("href")).group(1)
        assert other != "1"
        row.click()
        expect(page.locator("#product-form")).to_have_attribute("data-product", other)
        expect(page.locator(".htmx-request")).to_have_count(0)
        expect(page.locator(".product-row.selected")).to_have_count(1)
        assert_in_sight(page, "a product opened from the list")
        page.locator("#product-pane").evaluate("pane => { pane.scrollTop = pane.scrollHeight / 2; }")
        assert page.evaluate(HIDDEN_BECAUSE, SAVE) == [], "the form scrolled half way"
        page.fill("#price", "-1")
        page.click(SAVE)
        expect(page.locator("#price-error")).to_be_visible()
        # htmx takes its request class (buttons untappable meanwhile) off once the swap settles.
        expect(page.locator(".htmx-request")).to_have_count(0)
        assert_in_sight(page, "the form back with an error")
        shot(page, "merchant-and-shop", f"product-form-tablet-{locale}")
    finally:
        page.context.close()


ROW_TITLES = "() => [...document.querySelectorAll('.product-row-title')].map(el => el.textContent)"

VARIANT_WORDS = {"zh-CN": {"from": "起", "added": "已加入购物车"},
                 "en-US": {"from": "from", "added": "Added to cart"}}


@pytest.mark.parametrize("locale", LOCALES)
def test_a_product_with_two_variants_from_the_tablet_to_the_buyers_phone(browser, site, locale):
    """The merchant adds a product (its first variant named) and a second variant on the
    tablet; a visitor's phone shows the choice and the price "from" the lower one, and the
    buyer's cart names the variant chosen."""
    base, words = site["base"], VARIANT_WORDS[locale]
    title = f"新米 {locale}"
    page = merchant_page(browser, site, TABLET, locale)
    visitor = browser.new_context(**PHONE, locale=locale).new_page()
    try:
        page.goto(f"{base}/catalog/")
        page.fill("#title", title)
        page.fill("#price", "25.00")
        page.fill("#stock", "8")
        page.fill("#variant_name", "500g")
        page.click(SAVE)
        expect(page.locator("#product-form .flash-success")).to_be_visible()
        page.locator(".product-row-main", has_text=title).click()
        expect(page.locator("#variant-new")).to_be_visible()
        page.fill("#new-name", "1kg")
        page.fill("#new-price", "45.00")
        page.fill("#new-stock", "5")
        page.click("#variant-new button[type=submit]")
        rows = page.locator(".variants-editor .variant-row:not(.variant-new)")
        expect(rows).to_have_count(2)
        expect(page.locator("#new-name")).to_have_value("")
        # Price and stock now live with each variant: the product's own fields are gone.
        expect(page.locator("#product-form #price")).to_have_count(0)
        product_id = page.locator("#product-form").get_attribute("data-product")
        shot(page, "merchant-and-shop", f"variants-manager-tablet-{locale}")

        visitor.goto(f"{base}/p/{product_id}")
        choice = visitor.locator(".variant-choice .variant-option")
        expect(choice).to_have_count(2)
        expect(choice.nth(0)).to_contain_text("500g")
        expect(choice.nth(1)).to_contain_text("1kg")
        expect(visitor.locator(".big-price")).to_contain_text(words["from"])
        expect(visitor.locator(".big-price")).to_contain_text("25.00")
        assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        shot(visitor, "merchant-and-shop", f"variants-product-phone-{locale}")

        login(visitor, base, *site["logins"]["买家"])
        visitor.goto(f"{base}/p/{product_id}")
        # The quantity goes up to the chosen variant's stock, not the product's 13.
        qty = visitor.locator("#add-to-cart input[name=quantity]")
        expect(qty).to_have_attribute("max", "13")
        qty.fill("7")
        visitor.locator(".variant-option", has_text="1kg").click()
        expect(qty).to_have_attribute("max", "5")
        expect(qty).to_have_value("5")
        qty.fill("1")
        htmx_ready(visitor, "#add-to-cart")  # a click before htmx is ready posts the page
        visitor.click("#add-to-cart button[type=submit]")
        expect(visitor.locator("#add-to-cart")).to_contain_text(words["added"])
        visitor.goto(f"{base}/cart/")
        expect(visitor.locator(".cart-line", has_text=title)).to_contain_text("1kg")
        expect(visitor.locator(".cart-line", has_text=title)).to_contain_text("45.00")
    finally:
        page.context.close()
        visitor.context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_product_list_filters_as_you_type_and_keeps_them_in_the_url(browser, site, locale):
    """The search and filters above the list: the list follows as you type (debounced) and as you
    choose, the URL follows (only the filters in use), back goes to the previous filters with
    the fields in step, and a reload of that URL shows the same. Filters on one line, in sight."""
    base = site["base"]
    page = merchant_page(browser, site, TABLET, locale)
    try:
        page.goto(f"{base}/catalog/")
        everything = page.evaluate(ROW_TITLES)
        page.locator("#filter-q").press_sequentially("香", delay=50)
        expect(page).to_have_url(re.compile(r"/catalog/list\?q=%E9%A6%99$"))
        expect(page.locator(".result-count")).to_be_visible()
        named = page.evaluate(ROW_TITLES)
        assert named and all("香" in t for t in named) and len(named) < len(everything), named
        page.select_option("#filter-stock", "low")
        expect(page).to_have_url(re.compile(r"/catalog/list\?q=%E9%A6%99&stock=low$"))
        expect(page.locator(".product-row")).not_to_have_count(len(named))
        low = page.evaluate(ROW_TITLES)
        assert set(low) < set(named), (low, named)
        expect(page.locator(".product-row .pill-low, .product-row .pill-soldout")).to_have_count(
            len(low))
        # The choices sit on one line under the search box, inside the list pane.
        boxes = page.evaluate("""() => [...document.querySelectorAll('#product-filters select')]
            .map(el => el.getBoundingClientRect().toJSON())""")
        assert len({round(box["top"]) for box in boxes}) == 1, boxes
        pane = page.locator(".manager-list").bounding_box()
        assert max(box["right"] for box in boxes) <= pane["x"] + pane["width"], (boxes, pane)
        shot(page, "merchant-and-shop", f"product-filters-tablet-{locale}")

        # Back reloads the page (htmx keeps no snapshots); forward comes while that page's
        # scripts are still on their way (held here), before htmx listens for it.
        held = []
        page.route("**/static/js/app.js*", lambda route: held.append(route))
        page.go_back()
        expect(page).to_have_url(re.compile(r"/catalog/list\?q=%E9%A6%99$"))
        expect(page.locator("#filter-stock")).to_have_value("")
        expect(page.locator("#filter-q")).to_have_value("香")
        expect(page.locator(".product-row")).to_have_count(len(named))
        for _ in range(300):  # the route's handler runs while Playwright waits
            if held:
                break
            page.wait_for_timeout(50)
        assert len(held) == 1, "the reloaded page asked for its scripts once"
        page.go_forward(wait_until="commit")
        held[0].continue_()
        page.unroute("**/static/js/app.js*")
        expect(page.locator("#filter-stock")).to_have_value("low")
        expect(page.locator(".product-row")).to_have_count(len(low))
        page.reload()
        expect(page.locator("#filter-q")).to_have_value("香")
        expect(page.locator("#filter-stock")).to_have_value("low")
        assert page.evaluate(ROW_TITLES) == low
    finally:
        page.context.close()


BOXES = """() => {
    const box = (selector) => { const el = document.querySelector(selector);
        return el ? el.getBoundingClientRect().toJSON() : null; };
    const blocks = [...document.querySelectorAll('.order-panel, .order-panel > *, .order-panel > * > *')]
        .map(el => el.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
    return {width: innerWidth, scroll: document.documentElement.scrollWidth,
            right: Math.max(...blocks.map(r => r.right)),
            lines: box('.order-panel .lines'), timeline: box('.order-panel .timeline')};
}"""


@pytest.mark.parametrize("locale", LOCALES)
def test_the_merchants_order_page_uses_the_tablet_and_fits_a_phone(browser, site, locale):
    for name, size in (("tablet", TABLET), ("phone", PHONE)):
        page = merchant_page(browser, site, size, locale)
        try:
            page.goto(f"{site['base']}/orders/{site['order']}")
            expect(page.locator(".order-panel .lines")).to_be_visible()
            boxes = page.evaluate(BOXES)
            shot(page, "merchant-and-shop", f"order-{name}-{locale}")
            assert boxes["scroll"] <= boxes["width"], (name, boxes)
            lines, timeline = boxes["lines"], boxes["timeline"]
            if name == "tablet":
                assert boxes["right"] > 0.7 * boxes["width"], boxes
                # Two columns: the order's record sits beside its lines, not under them.
                assert timeline["left"] >= lines["right"] - 0.5, boxes
            else:
                assert timeline["top"] >= lines["bottom"] - 0.5, boxes
        finally:
            page.context.close()


# The text `word` and the licence number in the shop's header: their boxes, and on how many
# lines the number is drawn.
LICENCE = """(label) => {
    const head = document.querySelector('.shop-head');
    const walker = document.createTreeWalker(head, NodeFilter.SHOW_TEXT);
    const found = {};
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (getComputedStyle(node.parentElement).display === 'none') continue;
        for (const [key, pattern] of [['number', /\\w{4}\\*+\\w{4}/], ['label', label]]) {
            const at = node.data.search(pattern);
            if (at < 0 || found[key]) continue;
            const range = document.createRange();
            const length = key === 'number' ? node.data.match(pattern)[0].length : label.length;
            range.setStart(node, at);
            range.setEnd(node, at + length);
            const rects = [...range.getClientRects()].filter(r => r.width > 0);
            found[key] = {lines: new Set(rects.map(r => Math.round(r.top))).size,
                          box: range.getBoundingClientRect().toJSON()};
        }
    }
    return found;
}"""


@pytest.mark.parametrize("locale", LOCALES)
def test_the_shop_page_on_a_phone(browser, site, locale):
    base, words = site["base"], WORDS[locale]
    visitor = browser.new_context(**PHONE, locale=locale).new_page()
    owner = merchant_page(browser, site, PHONE, locale)
    try:
        visitor.goto(f"{base}/s/fresh-fruit")
        found = visitor.evaluate(LICENCE, words["licence"])
        assert found.get("number", {}).get("lines") == 1, found
        number, label = found["number"]["box"], found["label"]["box"]
        # The label stays with its number: on the same line, or right above it.
        beside = abs(number["top"] - label["top"]) < 2 and number["left"] >= label["right"]
        above = abs(number["left"] - label["left"]) < 2 and 0 <= number["top"] - label["bottom"] < 8
        assert beside or above, found

        qr = "img[src$='/qr.svg'], img[src$='/qr.png']"
        expect(visitor.locator(qr).first).to_be_hidden()
        assert visitor.locator(qr).evaluate_all("codes => codes.filter(c => c.checkVisibility()).length") == 0
        visitor.get_by_text(words["share"], exact=True).click()
        expect(visitor.locator(qr).first).to_be_visible()

        # No banner: the header still opens on a picture, with the shop's initial.
        visual = visitor.locator(".shop-head .shop-banner")
        expect(visual).to_be_visible()
        assert visual.bounding_box()["height"] >= 48
        expect(visitor.locator(".shop-head")).to_contain_text(words["hours"])
        expect(visitor.locator(".shop-head")).to_contain_text(re.compile(r"\d\d:00–\d\d:00"))
        assert visitor.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]
        visitor.evaluate("document.querySelector('.shop-share')?.removeAttribute('open')")
        shot(visitor, "merchant-and-shop", f"shop-phone-{locale}")

        owner.goto(f"{base}/s/fresh-fruit")
        expect(owner.locator(f".shop-head :is({qr})").first).to_be_visible()
    finally:
        visitor.context.close()
        owner.context.close()


MONEY = {  # what each place says of the refused order: due first, the original and refused beside
    "zh-CN": {"rows": ["原价\n¥65.80", "拒收\n−¥39.90", "应付\n¥25.90"],
              "line": "应付 ¥25.90（原价 ¥65.80，拒收 ¥39.90）",
              "stale": "商家派单前可为你取消", "now": "订单不能再取消"},
    "en-US": {"rows": ["Total\n¥65.80", "Refused\n−¥39.90", "Amount due\n¥25.90"],
              "line": "Due ¥25.90 (total ¥65.80, refused ¥39.90)",
              "stale": "until a courier is assigned", "now": "can no longer be cancelled"},
}
FITS = "document.scrollingElement.scrollWidth <= innerWidth"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("size", [PHONE, TABLET], ids=["phone", "tablet"])
def test_money_due_and_hints_as_people_see_them(browser, site, locale, size):
    """After a refusal the order page, the buyer's list and the board show what is due with the
    original total and the refused amount beside it; a dispatched order drops the hint about
    the shop cancelling before dispatch. Nothing runs off the side of a phone or a tablet."""
    base, words = site["base"], MONEY[locale]
    buyer = browser.new_context(**size, locale=locale).new_page()
    merchant = browser.new_context(**size, locale=locale).new_page()
    try:
        for page, who in ((buyer, "买家"), (merchant, "商家")):
            page.set_default_timeout(15_000)
            login(page, base, *site["logins"][who])
        buyer.goto(f"{base}/orders/{site['refused']}")
        rows = buyer.locator(".money-original, .money-refused, li.row.total")
        expect(rows).to_have_count(3)
        assert [t.strip() for t in rows.all_inner_texts()] == words["rows"]
        for row in rows.all():
            assert row.is_visible()
        assert buyer.evaluate(FITS)
        buyer.goto(f"{base}/orders/?tab=done")
        expect(buyer.locator(f"#buyer-order-{site['refused']}")).to_contain_text(words["line"])
        assert buyer.evaluate(FITS)
        buyer.goto(f"{base}/orders/{site['order']}")
        expect(buyer.locator(f"#order-{site['order']}-panel")).to_contain_text(words["now"])
        expect(buyer.locator("body")).not_to_contain_text(words["stale"])
        merchant.goto(f"{base}/orders/board")
        expect(merchant.locator(f"#board-order-{site['refused']}")).to_contain_text(words["line"])
        assert merchant.evaluate(FITS)
        shot(merchant, "merchant-and-shop", f"board-money-{locale}-{size['viewport']['width']}")
    finally:
        buyer.context.close()
        merchant.context.close()
