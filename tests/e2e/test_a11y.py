"""axe-core on every main page, in Chinese and in English, as each person uses it: buyer and
courier on a 390 px phone, merchant and admin on a 1024 px tablet. No serious or critical
violation is allowed; a failure lists each one with its rule id and the elements it found.

axe-core is vendored for the tests (tests/e2e/vendor/, never served) and evaluated through the
DevTools protocol, which the app's CSP (script-src 'self', no inline scripts) does not govern.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    PHONE,
    TABLET,
    assert_not_reloaded,
    axe_violations,
    login,
    mark_no_reload,
    shot,
    wait_socket,
    wait_until,
)
from tests.support.browser import photo as browser_photo
from tests.support.demo import build_world
from tests.support.live import htmx_post, place_and_dispatch, reason_for
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    server, built = build_world(tmp_path_factory.mktemp("a11y"), "gunicorn-a11y.log")
    yield built
    server.stop()


def report(problems: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in problems.items():
        for v in violations:
            lines.append(f"{where}: [{v['impact']}] {v['id']}: {v['help']}")
            for node in v["nodes"][:8]:
                summary = " ".join((node["summary"] or "").split())[:300]
                lines.append(f"    {node['target']}  -- {summary}")
            if len(v["nodes"]) > 8:
                lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


def ready(page: Page) -> None:
    """Loaded, deferred scripts run, and (for a logged-in page) the socket connected, so that
    what the page adds to itself is checked too."""
    page.wait_for_load_state("load")
    if page.evaluate("!!document.body.dataset.user"):
        expect(page.locator("body")).to_have_attribute("data-socket", "connected",
                                                       timeout=15_000)


LOCALES = {"zh-CN": "zh-CN", "en-US": "en"}


@pytest.mark.parametrize("locale", LOCALES)
def test_main_pages_have_no_serious_axe_violations(browser, world, locale):
    base, ids = world.url, world.ids
    contexts = {
        "buyer": browser.new_context(**PHONE, locale=locale),
        "courier": browser.new_context(**PHONE, locale=locale),
        "merchant": browser.new_context(**TABLET, locale=locale),
        "admin": browser.new_context(**TABLET, locale=locale),
    }
    problems: dict[str, list[dict]] = {}
    checked = []

    def check(page: Page, name: str) -> None:
        ready(page)
        assert page.evaluate("document.documentElement.lang") == LOCALES[locale], name
        checked.append(name)
        if found := axe_violations(page):
            problems[f"{locale} {name} ({page.url.removeprefix(base)})"] = found

    try:
        pages = {who: context.new_page() for who, context in contexts.items()}
        for page in pages.values():
            page.set_default_timeout(15_000)
        anonymous = browser.new_context(**PHONE, locale=locale)
        try:
            home = anonymous.new_page()
            home.goto(base + "/")
            check(home, "home, anonymous")
            home.goto(base + "/auth/login")
            check(home, "login")
            for name, path in (("code login", "/auth/phone/login"),
                               ("password reset by code", "/auth/password/reset")):
                home.goto(base + path)
                check(home, name)
            home.goto(base + "/auth/phone/register")
            home.fill("#mobile", "13912340000")
            home.locator("button[name=action][value=send]").click()
            expect(home.locator(".code-sent")).to_be_visible()
            check(home, "phone sign-up, code sent")
        finally:
            anonymous.close()
        for who, role in (("buyer", "买家"), ("courier", "骑手"), ("merchant", "商家"),
                          ("admin", "管理员")):
            login(pages[who], base, *world.logins[role])

        buyer = pages["buyer"]
        for name, path in (("home", "/"), ("shop", "/s/fresh-fruit"), ("product", ids["product"]),
                           ("search", "/search/?q=橙"), ("cart", "/cart/"),
                           ("checkout", ids["checkout"]), ("order tabs", "/orders/"),
                           ("demands", "/demands/"), ("new demand", "/demands/new"),
                           ("quote comparison", f"/demands/{ids['demand']}"),
                           ("addresses", "/addresses/"), ("shop reviews", "/reviews/shops/fresh-fruit"),
                           ("notifications", "/notifications/"),
                           ("notification settings", "/notifications/settings"),
                           ("me", "/me"), ("change password", "/me/password"),
                           ("change mobile", "/me/mobile"), ("change email", "/me/email"),
                           ("privacy policy", "/privacy"),
                           # The buyer has orders under way: the page says so, its button off.
                           ("delete account, refused", "/me/delete"),
                           ("review form", f"/reviews/orders/{ids['signed']}/new"),
                           ("after-sales request form",
                            f"/orders/{ids['signed']}/after-sales/new"),
                           ("messages", "/chat/"), ("conversation", f"/chat/{ids['chat']}"),
                           ("share tracking", f"/orders/{ids['tracking']}/share")):  # last: read below
            buyer.goto(base + path)
            check(buyer, name)
        # The link just shared, opened by whoever receives the goods, without a login.
        shared = buyer.locator(".share-url").input_value()
        receiver = browser.new_context(**PHONE, locale=locale)
        try:
            link = receiver.new_page()
            link.goto(shared)
            check(link, "shared tracking link")
        finally:
            receiver.close()

        # Tracking: the map's information is also text (distance and ETA), in a live region.
        buyer.goto(f"{base}/orders/{ids['tracking']}")
        eta = buyer.locator("#track-eta")
        expect(eta).to_contain_text(re.compile(r"\d"))
        assert eta.get_attribute("aria-live") == "polite"
        check(buyer, "tracking")

        # Signing: the order is at the door, the signature pad is drawn.
        buyer.goto(f"{base}/orders/{ids['arrived']}")
        expect(buyer.locator("#signature-pad")).to_be_visible()
        wait_until(buyer, "document.getElementById('signature-pad').dataset.ready === '1'")
        check(buyer, "signing")

        courier = pages["courier"]
        for name, path in (("courier list", "/delivery/"),
                           ("courier delivery", f"/delivery/{ids['tracking']}"),
                           ("courier at the door (代收签收)", f"/delivery/{ids['arrived']}")):
            courier.goto(base + path)
            check(courier, name)

        merchant = pages["merchant"]
        for name, path in (("merchant dashboard", "/merchant/"), ("board", "/orders/board"),
                           ("product manager", "/catalog/"), ("demand feed", "/demands/feed"),
                           ("couriers", "/merchant/couriers"), ("shop settings", "/merchant/shop"),
                           ("merchant order", f"/orders/{ids['tracking']}"),
                           ("after-sales requests", "/after-sales/shop"),
                           ("after-sales refunds due", "/after-sales/shop?tab=refund"),
                           ("review replies", "/reviews/mine"),
                           ("sales figures", "/merchant/stats/?period=30"),
                           ("merchant conversation", f"/chat/{ids['chat']}"),
                           # The order's ticket at each paper width, and the printer settings.
                           ("ticket, 58 mm", f"/tickets/orders/{ids['tracking']}?width=58"),
                           ("ticket, 80 mm", f"/tickets/orders/{ids['tracking']}?width=80"),
                           ("receipt printer", "/tickets/printer"),
                           ("merchant notifications", "/notifications/")):
            merchant.goto(base + path)
            check(merchant, name)
        # The barcode scanner's dialog, opened in a browser without a camera: it says so.
        merchant.goto(base + "/catalog/")
        merchant.locator("#scan-open").click()
        expect(merchant.locator("#scan-dialog.no-camera #scan-status")).to_be_visible()
        check(merchant, "product manager, barcode scanner")
        merchant.locator("#scan-close").click()
        # Issue 21: busy mode turned on from the board (the placed orders count down), as the
        # buyer's checkout then tells it; turned off again for the pages after.
        merchant.goto(base + "/orders/board")
        merchant.locator("#busy-mode button[type=submit]").click()
        expect(merchant.locator("#busy-mode.is-busy")).to_be_visible()
        check(merchant, "board, busy mode")
        buyer.goto(base + ids["checkout"])
        expect(buyer.locator("#shop-outlook")).to_be_visible()
        check(buyer, "checkout, busy shop")
        merchant.locator("#busy-mode button[type=submit]").click()
        expect(merchant.locator("#busy-mode:not(.is-busy)")).to_be_visible()
        # The shop's public phone, entered and agreed to in its settings, then on its page (the
        # buyer's); and a new mobile number on 我的 with its code sent (mobile-change).
        merchant.goto(base + "/merchant/shop")
        merchant.fill("#public_phone", "010-1234 5678")
        merchant.check("#phone_shown")
        merchant.locator("#phone-form button[type=submit]").click()
        expect(merchant.locator("#phone-form .notice")).to_be_visible()
        check(merchant, "shop settings, phone saved")
        buyer.goto(base + "/s/fresh-fruit")
        expect(buyer.locator(".shop-call a[href^='tel:']")).to_be_visible()
        check(buyer, "shop with its phone")
        buyer.goto(base + "/me/mobile")
        buyer.fill("#mobile", "13912340001")
        buyer.locator("button[name=action][value=send]").click()
        expect(buyer.locator(".code-sent")).to_be_visible()
        check(buyer, "change mobile, code sent")
        # The shop's payment accounts: a change of the WeChat Pay one, refused on its field, then
        # submitted (it waits in the admin's queue below).
        merchant.goto(base + "/merchant/shop/payments")
        wechat = merchant.locator("#payment-account-wechat")
        wechat.get_by_role("textbox").fill("123")
        wechat.get_by_role("button").click()
        expect(wechat.locator("#sub_mchid-error")).to_be_visible()
        check(merchant, "payment accounts, refused")
        merchant.locator("#payment-account-wechat").get_by_role("textbox").fill("1900000808")
        merchant.locator("#payment-account-wechat").get_by_role("button").click()
        expect(merchant.locator("#payment-account-wechat .notice")).to_be_visible()
        # The shop's licences (the demo shop holds an approved food one): a drug licence
        # uploaded with its photo, which then waits in the admin's queue below.
        merchant.goto(base + "/merchant/licences")
        merchant.select_option("#kind", "drug")
        merchant.fill("#number", "YP11010500001")
        merchant.fill("#expires_on", "2031-05-31")
        merchant.set_input_files("#photo", browser_photo("licence.jpg"))
        merchant.locator("#licence-upload button[type=submit]").click()
        expect(merchant.locator(".licence-list .pill-submitted")).to_be_visible()
        check(merchant, "licences")
        shot(merchant, "tablet", f"licences-{LOCALES[locale]}")

        admin = pages["admin"]
        for name, path in (("review queue", "/admin/applications"),
                           ("admin review", f"/admin/applications/{ids['application']}"),
                           ("search synonyms", "/admin/synonyms"),
                           ("after-sales queue", "/admin/after-sales"),
                           ("unconfirmed door refunds", "/admin/after-sales?view=door"),
                           ("after-sales case", f"/admin/after-sales/{ids['case']}"),
                           ("review reports", "/reviews/reports"),
                           ("payment account review", "/admin/payment-accounts")):
            admin.goto(base + path)
            check(admin, name)
        expect(admin.locator("li[id^=payment-account-]")).to_have_count(1)  # checked with its form
        admin.goto(base + "/admin/licences")
        check(admin, "licence queue")
        admin.locator("#licence-queue h2 a").first.click()
        expect(admin.locator("input[name=note_number]")).to_be_visible()
        check(admin, "licence review")
        shot(admin, "tablet", f"licence-review-{LOCALES[locale]}")
    finally:
        for context in contexts.values():
            context.close()
    # The merchant's licences, the admin's licence queue and review: 3 more.
    assert len(checked) == 70, checked  # (tickets 3; chat's: 3; phone and mobile-change: 5; sales figures: 1)
    # (the barcode scanner's dialog: 1)
    assert not problems, ("axe found serious or critical violations:\n" + report(problems))


def test_keyboard_focus_is_always_visible(browser, world):
    """Tab through a page as a keyboard user: every stop shows a focus ring of 2 px or more,
    and the first stop is the skip link, on screen."""
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(world.url + "/s/fresh-fruit")
        stops = []
        for n in range(15):
            page.keyboard.press("Tab")
            if n == 0:
                assert page.evaluate("document.activeElement.classList.contains('skip')")
            stops.append(page.evaluate("""() => {
                const el = document.activeElement, style = getComputedStyle(el);
                const box = el.getBoundingClientRect();
                return {what: el.tagName + (el.id ? '#' + el.id : '') + ' ' +
                              (el.textContent || '').trim().slice(0, 20),
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                        onScreen: box.right > 0 && box.left < innerWidth && box.width > 0};
            }"""))
        assert stops[0]["what"].startswith("A ") and stops[0]["onScreen"], stops[0]
        for stop in stops:
            assert stop["outline"] != "none" and stop["width"] >= 2, stop
        assert len({s["what"] for s in stops}) > 10  # it really moved through the page
    finally:
        context.close()


def test_live_updates_are_announced_and_the_signature_pad_comes_with_signing(browser, world):
    """A status change that arrives over Socket.IO is read out by the page's live region; the
    signature pad's scripts are not loaded while the order is on its way, and are when the
    courier arrives."""
    base = world.url
    buyer_http, _ = http_login(base, *world.logins["买家"])
    merchant_http, _ = http_login(base, *world.logins["商家"])
    courier_http, _ = http_login(base, *world.logins["骑手"])
    order_id = place_and_dispatch(base, buyer_http, merchant_http)
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        login(page, base, *world.logins["买家"])
        page.goto(f"{base}/orders/{order_id}")
        ready(page)
        live_region = page.locator("#live-status")
        assert live_region.get_attribute("role") == "status"
        assert page.locator("script[src*=signature]").count() == 0
        for step, label in (("start", "配送中"), ("arrive", "待签收")):
            done = htmx_post(courier_http, base, f"/delivery/{order_id}/{step}",
                             f"/delivery/{order_id}", **reason_for(step))
            assert done.status_code == 200, done.text
            expect(live_region).to_have_text(f"订单 #{order_id} {label}")
            expect(page.locator(f"#order-{order_id}-status")).to_have_text(label)
        expect(page.locator("#signature-pad")).to_be_visible()
        wait_until(page, "document.getElementById('signature-pad').dataset.ready === '1'")
        assert page.locator("script[src*=signature]").count() == 2
    finally:
        context.close()


def test_buyer_and_shop_chat_about_an_order_live_with_a_photo(browser, world):
    """The buyer on a phone and the shop on a tablet in the order's conversation: words, a quick
    reply and a photo reach the other page without a reload, and the buyer's words show 已读
    once the shop's page has them. Both pages, and the buyer's list, photographed in both
    languages (test-artifacts/e2e/<layout>/chat-*.png)."""
    base, conversation = world.url, f"{world.url}/chat/{world.ids['chat']}"
    contexts = [browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**TABLET, locale="zh-CN")]
    try:
        buyer, shop = (context.new_page() for context in contexts)
        login(buyer, base, *world.logins["买家"])
        login(shop, base, *world.logins["商家"])
        for page in (buyer, shop):
            page.goto(conversation)
            wait_socket(page)
            expect(page.locator("body")).to_have_attribute("data-chat", "joined")
            mark_no_reload(page)
        buyer.fill("#body", "几点能送到？")
        buyer.get_by_role("button", name="发送", exact=True).click()
        expect(shop.locator(".msg.theirs").last).to_contain_text("几点能送到？")
        expect(buyer.locator(".msg.mine .msg-read").last).to_have_text("已读")
        shop.get_by_role("button", name="今天可以送达").click()
        expect(buyer.locator(".msg.theirs").last).to_contain_text("今天可以送达")
        shop.set_input_files("#photo", browser_photo("packed-again.jpg"))
        shop.get_by_role("button", name="发送", exact=True).click()
        expect(buyer.locator(".msg.theirs").last.locator("img")).to_be_visible()
        wait_until(buyer, "document.querySelector('#chat-log > li:last-child img').naturalWidth > 0")
        expect(shop.locator(".msg.mine").last.locator("img")).to_be_visible()
        for page in (buyer, shop):
            assert_not_reloaded(page)
        for language in ("zh", "en"):
            for page, layout in ((buyer, "phone"), (shop, "tablet")):
                page.context.add_cookies([{"name": "lang", "value": language, "url": base}])
                page.goto(conversation)
                expect(page.locator("body")).to_have_attribute("data-chat", "joined")
                shot(page, layout, f"chat-{language}")
                page.goto(base + "/chat/")
                shot(page, layout, f"chat-list-{language}")
    finally:
        for context in contexts:
            context.close()
