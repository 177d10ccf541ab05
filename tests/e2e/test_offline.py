"""Offline and live updates in Chromium, on a phone in both languages.

- An htmx request that fails (network off, the server answering 500) says what may not have
  happened, naming the action (an icon-only button by its accessible name). A GET, or a form
  with an idempotency key, offers a retry (with the button that submitted it); once the network
  is back the retry goes through and the message leaves. Any other POST may have gone through
  (the server committed, then the answer was lost): it offers a reload instead, and nothing is
  done twice.
- The "reconnecting" notice shows while the socket is down and leaves once it is back, also when
  the server itself closed the connection (the one case Socket.IO does not retry by itself).
  When the server keeps refusing it (logged out elsewhere), the page stops asking after 10 tries
  and says so, with a reload button.
- A region's own request (the courier's 开始配送, the board's 派单) and a live refresh of the same
  region do not race: whichever is asked first and whichever answer lands first, the console
  stays clean and the region ends in the right state. Playwright holds the answers, so the
  order is forced rather than hoped for.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, htmx_ready, login, wait_socket, wait_until
from tests.support.live import login as http_login
from tests.support.live import place_and_dispatch

pytestmark = [pytest.mark.e2e, pytest.mark.service_worker]  # tests/e2e/conftest.py

LANGS = ("zh-CN", "en-US")
WORDS = {
    "zh-CN": {"offline": "没有连上网络", "server": "服务器出错", "retry": "重试", "reload": "重新加载",
              "maybe": "可能未完成", "add": "加入购物车", "added": "已加入购物车", "assign": "派单",
              "search": "搜索商品或店铺", "more": "增加", "place": "提交订单",
              "reconnecting": "正在重新连接", "delivering": "配送中", "stopped": "实时更新已中断"},
    "en-US": {"offline": "Not connected", "server": "went wrong on the server", "retry": "Try again",
              "reload": "Reload", "maybe": "may not have gone through", "add": "Add to cart",
              "added": "Added to cart", "assign": "Assign", "search": "Search products or shops",
              "more": "Increase quantity", "place": "Place order",
              "reconnecting": "reconnecting", "delivering": "On the way",
              "stopped": "Live updates have stopped"},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with live.demo_site(tmp_path_factory.mktemp("offline"),
                        ARTIFACTS.parent / "gunicorn-offline.log") as (base, logins):
        sessions = {role: http_login(base, *logins[role])[0] for role in ("买家", "商家")}
        product = re.search(r'href="(/p/\d+)"', sessions["买家"].get(f"{base}/s/fresh-fruit").text)[1]
        yield base, logins, sessions, product


def phone(browser, lang: str, base: str, who: tuple[str, str]) -> Page:
    context = browser.new_context(**PHONE, locale=lang)
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, base, *who)
    return page


def add_to_cart(page: Page, lang: str):
    htmx_ready(page, "#add-to-cart")  # a click before htmx is ready posts the page
    page.locator("#add-to-cart button[type=submit]").click()
    return page.locator("#add-to-cart .notice.success")


def assign(page: Page, lang: str):
    card = page.locator(".board-card[data-status=accepted]").first
    card_id = card.get_attribute("id")
    card.locator("a", has_text=WORDS[lang]["assign"]).click()  # the board's assign dialog
    dialog = page.locator("#assign-dialog")
    dialog.locator("select[name=courier_id]").select_option(index=1)
    dialog.locator("button[type=submit]", has_text=WORDS[lang]["assign"]).click()
    return page.locator(f"#col-on_the_way #{card_id}[data-status=dispatched]")


def search(page: Page, lang: str):
    page.fill("#search-q", "橙")
    return page.locator("#search-results a[href^='/p/']").first


def more(page: Page, lang: str):
    page.get_by_role("button", name=re.compile(WORDS[lang]["more"])).first.click()
    return page.locator("#never-there")  # done or not, the cart count after a reload says


def place_order(page: Page, lang: str):
    # A named submit button: its name and value must reach the server on the retry too.
    page.evaluate("(() => { const b = document.querySelector('form[hx-post*=checkout] "
                  "button[type=submit]'); b.name = 'via'; b.value = 'button'; })()")
    page.locator("form[hx-post*=checkout] button[type=submit]").click()
    return page.locator("[data-watch-order]")


def offline(page: Page) -> None:
    page.context.set_offline(True)


def online(page: Page) -> None:
    page.context.set_offline(False)


def committed_then_500(pattern: str):
    """The server does the work, then its answer is lost to a 500: a retry would do it again."""
    def fail(page: Page) -> None:
        sent = page.sent = []

        def handle(route: Route) -> None:
            sent.append(route.request.post_data or "")
            page.committed = route.fetch(max_redirects=0)
            route.fulfill(status=500, body="boom")
        page.route(pattern, handle)

    def mend(page: Page) -> None:
        page.unroute(pattern)
        page.route(pattern, lambda route: (page.sent.append(route.request.post_data or ""),
                                           route.continue_()))
    return fail, mend


def cart_count(page: Page) -> int:
    badge = page.locator("#cart-link .badge")
    return int(badge.text_content()) if badge.count() else 0


server_error, server_back = committed_then_500("**/cart/add")
checkout_error, checkout_back = committed_then_500("**/orders/checkout/*")


# who, on which page, does what (returning what success shows), how it breaks and mends, the
# reason and action the message names, and what it offers: "retry", or "reload" and by how much
# the cart count has grown after reloading (the server did the work at most once)
FAILURES = {
    "add to cart, offline": ("买家", "product", add_to_cart, offline, online, "offline", "add",
                             ("reload", 0)),
    "assign on the board, offline": ("商家", "/orders/board", assign, offline, online,
                                     "offline", "assign", ("reload", None)),
    "add to cart, server error": ("买家", "product", add_to_cart, server_error, server_back,
                                  "server", "add", ("reload", 1)),
    "cart's + button, offline": ("买家", "/cart/", more, offline, online, "offline", "more",
                                 ("reload", 0)),
    "search, offline": ("买家", "/search/", search, offline, online, "offline", "search",
                        ("retry",)),
    "place the order, server error": ("买家", "checkout", place_order, checkout_error,
                                      checkout_back, "server", "place", ("retry",)),
}


def path_of(path: str, base: str, product: str, buyer) -> str:
    if path == "product":
        return product
    if path == "checkout":
        return re.search(r'href="(/orders/checkout/\d+)"', buyer.get(f"{base}/cart/").text)[1]
    return path


# Each failure in one language, the two taking turns: what a toast says is worded per language
# from one catalog (tests/i18n checks it whole); both languages meet both reasons and offers.
FAILURE_CASES = [(name, LANGS[i % 2]) for i, name in enumerate(FAILURES)]


@pytest.mark.parametrize(("name", "lang"), FAILURE_CASES,
                         ids=[f"{name}-{lang}" for name, lang in FAILURE_CASES])
def test_a_failed_request_says_what_did_not_happen_and_retries(browser, demo, name, lang):
    base, logins, sessions, product = demo
    words = WORDS[lang]
    role, path, act, fail, mend, reason, action, offer = FAILURES[name]
    if action == "assign":
        place_and_dispatch(base, sessions["买家"], sessions["商家"], assign=False)
    page = phone(browser, lang, base, logins[role])
    try:
        page.goto(base + path_of(path, base, product, sessions["买家"]))
        wait_socket(page)
        before = cart_count(page)
        fail(page)
        done = act(page, lang)
        toast = page.locator("#net-alerts .net-alert")
        expect(toast, name).to_have_count(1)
        expect(toast, name).to_contain_text(words[reason])
        expect(toast, name).to_contain_text(words[action])
        choice = toast.get_by_role("button", name=words[offer[0]])
        expect(choice, name).to_be_visible()
        other = "reload" if offer[0] == "retry" else "retry"
        expect(toast.get_by_role("button", name=words[other]), name).to_have_count(0)
        message = toast.locator("p")
        assert choice.get_attribute("aria-describedby") == message.get_attribute("id"), name
        expect(done, name).to_have_count(0)
        mend(page)
        if offer[0] == "retry":
            choice.click()
            expect(done, name).to_have_count(1)
            expect(toast, name).to_have_count(0)
        else:
            expect(toast, name).to_contain_text(words["maybe"])
            with page.expect_navigation():
                choice.click()
            expect(toast, name).to_have_count(0)
            if offer[1] is not None:
                assert cart_count(page) == before + offer[1], name
        if act is place_order:
            # The retry carried the key and the button: the same order, placed once.
            assert len(page.sent) == 2 and all("via=button" in b for b in page.sent), page.sent
            first = page.committed.headers["hx-redirect"]
            expect(page, name).to_have_url(re.compile(re.escape(first) + "$"))
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_reconnecting_notice_leaves_once_the_socket_is_back(browser, demo, lang):
    base, logins, _, product = demo
    page = phone(browser, lang, base, logins["买家"])
    page.clock.install()  # runs at the real pace until the end, where it is hurried
    notice = page.locator("#net-status")
    try:
        page.goto(base + product)
        wait_socket(page)
        expect(notice).to_be_empty()
        # The network goes: the transport closes, Socket.IO retries by itself.
        offline(page)
        expect(notice).to_contain_text(WORDS[lang]["reconnecting"])
        online(page)
        expect(page.locator("body")).to_have_attribute("data-socket", "connected")
        expect(notice).to_be_empty()
        # The server closes the connection (a DISCONNECT packet for the namespace, as when it
        # drops a client): Socket.IO leaves that to the page.
        page.evaluate("window.appSocket.onpacket({type: 1, nsp: '/'})")
        expect(notice).to_contain_text(WORDS[lang]["reconnecting"])
        expect(page.locator("body")).to_have_attribute("data-socket", "connected")
        expect(notice).to_be_empty()
        # Logged out (the cookie gone): the server refuses every new socket. The page asks
        # less and less often (up to every 30 s), and after 10 refusals leaves it to the user.
        page.context.clear_cookies()
        page.evaluate("window.appSocket.onpacket({type: 1, nsp: '/'})")
        tries = "Number(document.body.dataset.reconnects || 0)"
        for n in range(1, 11):
            wait_until(page, f"{tries} >= {n}")
            page.clock.fast_forward(31_000)
        alert = page.locator("#net-alerts .net-alert")
        expect(alert).to_contain_text(WORDS[lang]["stopped"])
        reload = alert.get_by_role("button", name=WORDS[lang]["reload"])
        expect(reload).to_be_visible()
        assert reload.get_attribute("aria-describedby") == alert.locator("p").get_attribute("id")
        expect(notice).to_be_empty()
        page.clock.fast_forward(120_000)
        page.wait_for_timeout(500)
        assert page.evaluate(tries) == 10
    finally:
        page.context.close()


def refresh_js(order_id: int, status: str) -> str:
    """What app.js does for a socket's "order:updated" {id, status}: the region re-fetches."""
    return (f"document.querySelectorAll('[data-live=\"order-{order_id}\"]').forEach(el => "
            f"el.dispatchEvent(new CustomEvent('order-{order_id}:updated', "
            f"{{detail: {{id: {order_id}, status: '{status}'}}}})))")


class Held:
    """Answers Playwright keeps back until the test lets them go: `fetch` first asks the
    server (a refresh's answer shows the state before the button's change), else the request
    itself waits."""

    def __init__(self, fetch: bool):
        self.fetch, self.routes = fetch, []

    def __call__(self, route: Route) -> None:
        if route.request.headers.get("hx-request") != "true" or self.routes:
            route.continue_()
            return
        self.routes.append((route, route.fetch() if self.fetch else None))

    def release(self) -> None:
        for route, response in self.routes:
            try:
                if response is None:
                    route.continue_()
                else:
                    route.fulfill(response=response)
            except PlaywrightError:  # the page gave the request up (aborted it)
                pass


def tap(page: Page, button, keyboard: bool) -> None:
    if keyboard:
        button.focus()
        page.keyboard.press("Enter")
    else:
        button.click()


def courier_start(browser, lang, base, logins, sessions):
    order_id = place_and_dispatch(base, sessions["买家"], sessions["商家"])
    page = phone(browser, lang, base, logins["骑手"])
    page.goto(f"{base}/delivery/{order_id}")
    region = f"#delivery-{order_id}-panel"
    button = page.locator(f"{region} form:not(.chat-entry) button[type=submit]").first
    final = page.locator(f"#delivery-{order_id}-status")
    return (page, order_id, f"**/delivery/{order_id}/start", f"**/delivery/{order_id}",
            "delivering", lambda keyboard=False: tap(page, button, keyboard),
            lambda: expect(final).to_have_text(WORDS[lang]["delivering"]))


def board_assign(browser, lang, base, logins, sessions):
    order_id = place_and_dispatch(base, sessions["买家"], sessions["商家"], assign=False)
    page = phone(browser, lang, base, logins["商家"])
    page.goto(f"{base}/orders/board")
    card = page.locator(f"#board-order-{order_id}")
    final = page.locator(f"#col-on_the_way #board-order-{order_id}[data-status=dispatched]")
    # Every page of 配送中 loaded: the card moves in among them (past a page not loaded yet, it
    # would leave the board until that page comes).
    more = page.locator("#col-on_the_way .more-row")
    for _ in range(50):
        if not more.count():
            break
        more.first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    expect(more).to_have_count(0)

    def press(keyboard=False):
        tap(page, card.locator("a", has_text=WORDS[lang]["assign"]), keyboard)
        dialog = page.locator("#assign-dialog")
        dialog.locator("select[name=courier_id]").select_option(index=1)
        tap(page, dialog.locator("button[type=submit]", has_text=WORDS[lang]["assign"]), keyboard)
    return (page, order_id, f"**/orders/{order_id}/assign", f"**/orders/{order_id}",
            "dispatched", press, lambda: expect(final).to_have_count(1))


# Which comes first, for each region; the language takes turns (the race is not worded).
RACES = [(courier_start, "button", "zh-CN"), (courier_start, "refresh", "en-US"),
         (board_assign, "button", "en-US"), (board_assign, "refresh", "zh-CN")]


@pytest.mark.parametrize(("case", "first", "lang"), RACES,
                         ids=[f"{'courier' if c is courier_start else 'board'}-{f}-{lang}"
                              for c, f, lang in RACES])
def test_a_button_and_a_live_refresh_of_its_region_do_not_race(browser, demo, case, first,
                                                               lang):
    base, logins, sessions, _ = demo
    page, order_id, post_url, get_url, status, press, settled = case(browser, lang, base,
                                                                     logins, sessions)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        wait_socket(page)
        if first == "button":
            # The button's answer is slow; the socket's refresh for its change lands meanwhile.
            held = Held(fetch=False)
            page.route(post_url, held)
            press()
            page.wait_for_timeout(300)
            page.evaluate(refresh_js(order_id, status))
        else:
            # A refresh (for another change) is on its way when the button is pressed; its
            # answer, from before the button's change, arrives last.
            held = Held(fetch=True)
            page.route(get_url, held)
            page.evaluate(refresh_js(order_id, "elsewhere"))
            page.wait_for_timeout(300)
            press(keyboard=True)  # a pointer cannot: buttons of a busy region take no taps
            settled()
        page.wait_for_timeout(300)
        held.release()
        settled()
        page.wait_for_timeout(1000)  # room for a late refresh to (wrongly) land
        settled()
        expect(page.locator(f'[data-live="order-{order_id}"]')).to_have_count(1)
        assert errors == []
    finally:
        page.context.close()
