"""The installable shell in Chromium: manifest, icons, service worker, offline page, no page of
one user left for the next after logout, and the "new version" banner taking a new worker."""
from __future__ import annotations

import io
import re

import pytest
import requests
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, login, wait_until
from tests.support.live import login as http_login
from tests.support.live import place_and_dispatch

pytestmark = [pytest.mark.e2e, pytest.mark.service_worker]  # tests/e2e/conftest.py

OFFLINE_TITLE = "网络已断开"


class DemoServer:
    """gunicorn on the demo data at a fixed port: a test stops it (the server is down) and starts
    it again, possibly with other settings, at the URL the browser already uses."""

    def __init__(self, env: dict, log):
        self.env, self.log, self.port = env, log, live.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.running, self.settings = None, {}

    def start(self, **settings: str) -> None:
        self.running = live.start({**self.env, **settings}, self.log, port=self.port)
        self.settings = settings

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    env = live.base_env(f"sqlite:///{tmp_path_factory.mktemp('pwa') / 'pwa.db'}")
    logins = live.prepare(env)
    server = DemoServer(env, ARTIFACTS.parent / "gunicorn-pwa.log")
    server.start()
    yield server, logins
    server.stop()


@pytest.fixture
def up(demo):
    """The demo server, running with the demo's settings, whatever the test before did to it
    (stopped it, or started it with other settings). A server the test left as it found it is
    not restarted: a restart costs seconds on a loaded machine."""
    server, logins = demo
    if server.settings:
        server.stop()
    if server.running is None:
        server.start()
    yield server, logins


def controlled(page: Page, url: str) -> None:
    """Open `url` and wait until the service worker is active and controls the page."""
    page.goto(url)
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout=20)


def cached_urls(page: Page) -> list[str]:
    """Every URL held in Cache Storage, in any cache."""
    return page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(request.url);
        }
        return urls;
    }""")


def test_manifest_and_icons(live_server):
    manifest = requests.get(f"{live_server}/manifest.webmanifest", timeout=10)
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["display"] == "standalone" and data["start_url"] == "/" and data["scope"] == "/"
    sizes = {}
    for icon in data["icons"]:
        image = Image.open(io.BytesIO(requests.get(live_server + icon["src"], timeout=10).content))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.setdefault(icon["sizes"], set()).add(icon["purpose"])
    assert {"192x192", "512x512"} <= set(sizes)
    assert "maskable" in sizes["512x512"]


def test_service_worker_serves_offline_page(browser, live_server):
    # A Chinese phone: pages follow the browser's language (an English one gets English).
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == live_server + "/"
        page.reload()  # now controlled by the worker
        assert page.evaluate("!!navigator.serviceWorker.controller")
        context.set_offline(True)
        page.goto(live_server + "/s/anything")
        assert OFFLINE_TITLE in page.locator("h1").inner_text()
        context.set_offline(False)
        page.goto(live_server + "/s/no-such-shop")
        assert "找不到" in page.locator("h1").inner_text()
    finally:
        context.close()


def test_pages_have_no_csp_violations(browser, live_server):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
                else None)
        for path in ("/", "/auth/login", "/auth/register", "/offline"):
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
        assert problems == []
    finally:
        context.close()


def test_offline_page_when_the_server_is_down(browser, up):
    server, _ = up
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        controlled(page, server.url + "/")
        page.goto(server.url + "/s/fresh-fruit")
        expect(page.locator("h1")).to_contain_text("鲜果小铺")
        server.stop()
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/", timeout=5)
        for path in ("/s/fresh-fruit", "/p/1", "/orders/"):
            page.goto(server.url + path)
            expect(page.locator("h1")).to_have_text(OFFLINE_TITLE)
            assert page.url == server.url + path  # the address stays, for the retry
            # The shell came from the worker's cache: the page is styled, the icon is there.
            assert page.evaluate("getComputedStyle(document.querySelector('.topbar'))"
                                 ".backgroundColor") == "rgb(15, 118, 110)"
        server.start()
        page.locator("a.button", has_text="重试").click()
        expect(page.locator("h1").first).not_to_have_text(OFFLINE_TITLE)
        expect(page.locator(".hero h1")).to_be_visible()
    finally:
        context.close()


def test_the_offline_page_follows_a_language_switch(browser, up):
    server, _ = up
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        controlled(page, server.url + "/")
        offline_text = "caches.match('/offline').then(r => r ? r.text() : '')"
        wait_until(page, f"{offline_text}.then(t => t.includes('{OFFLINE_TITLE}'))")
        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        wait_until(page, f"{offline_text}.then(t => t.includes('You are offline'))")
        server.stop()
        page.goto(server.url + "/s/fresh-fruit")
        expect(page.locator("h1")).to_have_text("You are offline")
    finally:
        context.close()


def test_after_logout_no_page_of_the_previous_user_is_served(browser, up):
    server, logins = up
    base = server.url
    buyer_http, _ = http_login(base, *logins["买家"])
    merchant_http, _ = http_login(base, *logins["商家"])
    order_id = place_and_dispatch(base, buyer_http, merchant_http)
    private = ("建国路 100 号", "13900000002", "139****0002")
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        controlled(page, base + "/")
        # User A, the demo buyer, looks at their orders and the order's page.
        login(page, base, *logins["买家"])
        page.goto(f"{base}/orders/")
        expect(page.locator(f"a[href='/orders/{order_id}']").first).to_be_visible()
        page.goto(f"{base}/orders/{order_id}")
        expect(page.locator("main")).to_contain_text("建国路 100 号")
        assert page.evaluate("!!navigator.serviceWorker.controller")
        # Nothing of A's is kept, even while A is logged in: only the shell and static files.
        assert all("/static/" in url or url.endswith("/offline") for url in cached_urls(page))

        page.locator("form[action='/auth/logout'] button").click()
        expect(page).to_have_url(re.compile(r"logged_out=1"))
        expect(page.locator(".nav a[href='/auth/login']")).to_be_visible()
        assert all("/static/" in url or url.endswith("/offline") for url in cached_urls(page))

        def shows_nothing_of_a() -> str:
            text = page.locator("body").inner_text()
            assert not any(p in text for p in private), text
            assert f"#{order_id}" not in text and "赣南脐橙" not in text
            return text

        # The server is down: A's pages are not served from any cache, not even by going back.
        server.stop()
        page.go_back()  # to A's order page
        assert OFFLINE_TITLE in shows_nothing_of_a()
        for path in (f"/orders/{order_id}", "/orders/", f"/orders/{order_id}/proof"):
            page.goto(base + path)
            assert OFFLINE_TITLE in shows_nothing_of_a()

        # User B registers in the same browser: A's order is not theirs, online or offline.
        server.start()
        page.goto(f"{base}/auth/register")
        page.fill("#display_name", "李买家")
        page.fill("#email", "pwa-buyer-b@example.com")
        page.fill("#password", "buyer-b-pass-1")
        page.fill("#confirm", "buyer-b-pass-1")
        page.check("#consent")
        page.click("#register-form button[type=submit]")
        expect(page.locator(".flash-success")).to_be_visible()
        response = page.goto(f"{base}/orders/{order_id}")
        assert response.status == 404
        shows_nothing_of_a()
        page.goto(f"{base}/orders/")
        shows_nothing_of_a()
        server.stop()
        page.goto(f"{base}/orders/{order_id}")
        assert OFFLINE_TITLE in shows_nothing_of_a()
    finally:
        context.close()


def test_new_version_banner_reloads_into_the_new_worker(browser, up):
    server, _ = up
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        controlled(page, server.url + "/")
        banner = page.locator("#sw-update")
        expect(banner).to_be_hidden()
        old = page.evaluate("caches.keys()")
        assert len([k for k in old if k.startswith("shell-")]) == 1

        # A deploy: the same worker file stamped with another release.
        server.stop()
        server.start(APP_RELEASE="pwa-test-release-2")
        version = re.search(r'const VERSION = "([^"]+)";',
                            requests.get(server.url + "/sw.js", timeout=10).text).group(1)
        assert f"shell-{version}" not in old
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        expect(banner).to_be_visible(timeout=20_000)
        expect(banner).to_contain_text("有新版本可用")
        # Until the user says so, the old worker keeps the page and the new one waits.
        assert page.evaluate("navigator.serviceWorker.getRegistration()"
                             ".then(r => !!r.waiting && !!r.active)")

        page.evaluate("window.__beforeReload = true")
        with page.expect_navigation():
            banner.locator("button").click()
        wait_until(page, "navigator.serviceWorker.controller !== null")
        assert page.evaluate("window.__beforeReload === undefined")  # a real reload
        expect(banner).to_be_hidden()
        state = page.evaluate("""navigator.serviceWorker.getRegistration().then(r => ({
            waiting: !!r.waiting, active: r.active && r.active.state}))""")
        assert state == {"waiting": False, "active": "activated"}
        wait_until(page, f"caches.keys().then(k => k.includes('shell-{version}') && "
                         f"k.filter(n => n.startsWith('shell-')).length === 1)")
    finally:
        context.close()
