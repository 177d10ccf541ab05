"""Offline and live updates in Chromium, on a phone in both languages.

- An htmx request that fails (network off, the server answering 500) says what did not happen
  and offers a retry; once the network is back the retry goes through and the message leaves.
- The "reconnecting" notice shows while the socket is down and leaves once it is back, also when
  the server itself closed the connection (the one case Socket.IO does not retry by itself).
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
from tests.support.browser import ARTIFACTS, PHONE, login, wait_socket
from tests.support.live import demo_logins, place_and_dispatch
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e

LANGS = ("zh-CN", "en-US")
WORDS = {
    "zh-CN": {"offline": "没有连上网络", "server": "服务器出错", "retry": "重试",
              "add": "加入购物车", "added": "已加入购物车", "assign": "派单",
              "reconnecting": "正在重新连接", "delivering": "配送中"},
    "en-US": {"offline": "Not connected", "server": "went wrong on the server", "retry": "Try again",
              "add": "Add to cart", "added": "Added to cart", "assign": "Assign",
              "reconnecting": "reconnecting", "delivering": "On the way"},
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    env = live.base_env(f"sqlite:///{tmp_path_factory.mktemp('offline') / 'e2e.db'}")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    server = live.start(env, ARTIFACTS.parent / "gunicorn-offline.log")
    base = server.url
    sessions = {role: http_login(base, *logins[role])[0] for role in ("买家", "商家")}
    product = re.search(r'href="(/p/\d+)"', sessions["买家"].get(f"{base}/s/fresh-fruit").text)[1]
    yield base, logins, sessions, product
    server.stop()


def phone(browser, lang: str, base: str, who: tuple[str, str]) -> Page:
    context = browser.new_context(**PHONE, locale=lang)
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, base, *who)
    return page


def add_to_cart(page: Page, lang: str):
    page.locator("#add-to-cart button[type=submit]").click()
    return page.locator("#add-to-cart .notice.success")


def assign(page: Page, lang: str):
    card = page.locator(".board-card[data-status=accepted]").first
    card_id = card.get_attribute("id")
    card.locator("select[name=courier_id]").select_option(index=1)
    card.locator("button[type=submit]", has_text=WORDS[lang]["assign"]).click()
    return page.locator(f"#col-on_the_way #{card_id}[data-status=dispatched]")


def offline(page: Page) -> None:
    page.context.set_offline(True)


def online(page: Page) -> None:
    page.context.set_offline(False)


def server_error(page: Page) -> None:
    page.route("**/cart/add", lambda route: route.fulfill(status=500, body="boom"))


def server_back(page: Page) -> None:
    page.unroute("**/cart/add")


# who, on which page, does what (returning what success shows), how it breaks and mends, and
# the reason and action the message names
FAILURES = {
    "add to cart, offline": ("买家", "product", add_to_cart, offline, online, "offline", "add"),
    "assign on the board, offline": ("商家", "/orders/board", assign, offline, online,
                                     "offline", "assign"),
    "add to cart, server error": ("买家", "product", add_to_cart, server_error, server_back,
                                  "server", "add"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_failed_request_says_what_did_not_happen_and_retries(browser, demo, lang):
    base, logins, sessions, product = demo
    words = WORDS[lang]
    for name, (role, path, act, fail, mend, reason, action) in FAILURES.items():
        if action == "assign":
            place_and_dispatch(base, sessions["买家"], sessions["商家"], assign=False)
        page = phone(browser, lang, base, logins[role])
        try:
            page.goto(base + (product if path == "product" else path))
            wait_socket(page)
            fail(page)
            done = act(page, lang)
            toast = page.locator("#net-alerts .net-alert")
            expect(toast, name).to_have_count(1)
            expect(toast, name).to_contain_text(words[reason])
            expect(toast, name).to_contain_text(words[action])
            retry = toast.get_by_role("button", name=words["retry"])
            expect(retry, name).to_be_visible()
            expect(done, name).to_have_count(0)
            mend(page)
            retry.click()
            expect(done, name).to_have_count(1)
            expect(toast, name).to_have_count(0)
        finally:
            page.context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_reconnecting_notice_leaves_once_the_socket_is_back(browser, demo, lang):
    base, logins, _, product = demo
    page = phone(browser, lang, base, logins["买家"])
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
    button = page.locator(f"{region} button[type=submit]").first
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

    def press(keyboard=False):
        card.locator("select[name=courier_id]").select_option(index=1)
        tap(page, card.locator("button[type=submit]", has_text=WORDS[lang]["assign"]), keyboard)
    return (page, order_id, f"**/orders/{order_id}/assign", f"**/orders/{order_id}",
            "dispatched", press, lambda: expect(final).to_have_count(1))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("first", ["button", "refresh"])
@pytest.mark.parametrize("case", [courier_start, board_assign], ids=["courier", "board"])
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
