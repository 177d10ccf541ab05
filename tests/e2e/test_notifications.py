"""Notifications in Chromium: a Web Push delivered to the app's real service worker through
the DevTools protocol (ServiceWorker.deliverPushMessage, as a push service would deliver it)
is shown as a notification, and a tap on it opens the order; and the merchant's board, while
its tab is in the background, hears of a new order (the socket still delivers it: the bell,
the tab's title and the app badge count it)."""
from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, login, wait_socket, wait_until
from tests.support.live import login as http_login
from tests.support.live import place_and_dispatch, placed_orders

pytestmark = [pytest.mark.e2e, pytest.mark.service_worker]  # tests/e2e/conftest.py


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notifications")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-notifications.log") as (base, logins):
        yield {"base": base, "logins": logins, "database": str(folder / "demo.db")}


def registration_id(cdp, base: str) -> str:
    """The app's service worker registration as DevTools names it, once its worker is
    activated (a push for a registration DevTools has only half seen can be lost)."""
    found, activated = {}, set()
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: found.update(
        {r["scopeURL"]: r["registrationId"] for r in e["registrations"] if not r["isDeleted"]}))
    cdp.on("ServiceWorker.workerVersionUpdated", lambda e: activated.update(
        v["registrationId"] for v in e["versions"] if v["status"] == "activated"))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 15
    while found.get(f"{base}/") not in activated:
        assert time.monotonic() < deadline, (found, activated)
        cdp.send("Runtime.evaluate", {"expression": "1"})  # let the events arrive
        time.sleep(0.1)
    return found[f"{base}/"]


NOTIFICATIONS = """navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns =>
    ns.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url})))"""


def test_a_push_is_shown_and_tapping_it_opens_the_order(browser, site):
    base = site["base"]
    (order_id,) = placed_orders(site["database"], 1)
    context = browser.new_context(**PHONE, locale="zh-CN")
    context.grant_permissions(["notifications"], origin=base)
    page = context.new_page()
    try:
        login(page, base, *site["logins"]["买家"])
        page.goto(f"{base}/notifications/")
        wait_until(page, "!!navigator.serviceWorker.controller")  # the page is the worker's
        cdp = context.new_cdp_session(page)
        message = {"title": "骑手即将送达", "body": f"订单 #{order_id} 的骑手已在附近，请准备收货",
                   "url": f"/orders/{order_id}", "tag": "n1", "id": 1}
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": base, "registrationId": registration_id(cdp, base),
            "data": json.dumps(message, ensure_ascii=False)})
        wait_until(page, f"({NOTIFICATIONS}).then(ns => ns.length > 0)", timeout=15)
        shown = page.evaluate(NOTIFICATIONS)
        assert shown == [{"title": message["title"], "body": message["body"], "tag": "n1",
                          "url": f"/orders/{order_id}"}]
        # DevTools cannot tap a notification: the click is dispatched inside the worker, as the
        # browser would (a NotificationEvent for the shown notification, to its own handler).
        (worker,) = context.service_workers
        worker.evaluate("""() => self.registration.getNotifications().then(ns => {
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification: ns[0]}));
        })""")
        expect(page).to_have_url(re.compile(rf"/orders/{order_id}$"))
        assert page.evaluate(NOTIFICATIONS) == []  # closed by the tap
    finally:
        context.close()


def test_the_board_in_the_background_hears_a_new_order(browser, site):
    base = site["base"]
    context = browser.new_context(**TABLET, locale="zh-CN")
    # Record what the page asks of the app badge (Chromium has it only for installed apps).
    context.add_init_script("""(() => {
        window.badgeCalls = [];
        navigator.setAppBadge = n => { window.badgeCalls.push(n); return Promise.resolve(); };
        navigator.clearAppBadge = () => { window.badgeCalls.push(0); return Promise.resolve(); };
    })()""")
    board = context.new_page()
    try:
        login(board, base, *site["logins"]["商家"])
        board.goto(f"{base}/orders/board")
        wait_socket(board)
        wait_until(board, "document.body.dataset.unread !== undefined")
        before = int(board.evaluate("document.body.dataset.unread"))
        title = board.title()
        other = context.new_page()  # another tab in front
        other.goto(f"{base}/notifications/")
        other.bring_to_front()
        # Headless Chromium keeps every tab visible and DevTools has no switch for it, so the
        # page is told it is hidden as a browser would tell it (the document's visibility
        # state, then its visibilitychange event); the page runs on, as a background tab does.
        board.evaluate("""() => {
            Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
            Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
            document.dispatchEvent(new Event("visibilitychange"));
        }""")
        buyer, _ = http_login(base, *site["logins"]["买家"])
        merchant, _ = http_login(base, *site["logins"]["商家"])
        order_id = place_and_dispatch(base, buyer, merchant, assign=False)
        wait_until(board, f"document.body.dataset.unread === '{before + 1}'")
        assert board.evaluate("document.visibilityState") == "hidden"
        assert board.title() == f"({before + 1}) {title}"
        assert board.evaluate("window.badgeCalls.slice(-1)[0]") == before + 1
        assert board.locator("#notice-badge").text_content() == str(before + 1)
        # Brought back, the list shows it, worded for the reader.
        board.goto(f"{base}/notifications/")
        expect(board.locator(".notice-item").first).to_contain_text(f"新订单 #{order_id}")
    finally:
        context.close()
