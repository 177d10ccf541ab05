"""In Chromium, in English: the scripts word live states from <body data-i18n> (no
inline script, so the CSP reports nothing), and a delivery's live texts reach both phones in
their language."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, login
from tests.support.live import login as http_login
from tests.support.live import place_and_dispatch

pytestmark = pytest.mark.e2e

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live.demo_site(tmp_path_factory.mktemp("i18n"), ARTIFACTS.parent / "gunicorn-i18n.log") as site:
        yield site


def watch_console(page, problems: list) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def test_live_texts_in_english_without_csp_reports(browser, server):  # noqa: F811
    base, logins = server
    buyer_http, _ = http_login(base, *logins["买家"])
    merchant_http, _ = http_login(base, *logins["商家"])
    order_id = place_and_dispatch(base, buyer_http, merchant_http)
    point = {"latitude": 39.9042, "longitude": 116.4300, "accuracy": 8}
    courier_ctx = browser.new_context(**PHONE, locale="en-US", permissions=["geolocation"],
                                      geolocation=point)
    buyer_ctx = browser.new_context(**PHONE, locale="en-US", timezone_id="Europe/London")
    merchant_ctx = browser.new_context(**TABLET, locale="en-US")
    problems: list[str] = []
    try:
        courier, buyer, merchant = courier_ctx.new_page(), buyer_ctx.new_page(), merchant_ctx.new_page()
        for page in (courier, buyer, merchant):
            page.set_default_timeout(20_000)
            watch_console(page, problems)
        login(courier, base, *logins["骑手"])
        login(buyer, base, *logins["买家"])
        login(merchant, base, *logins["商家"])

        buyer.goto(f"{base}/orders/{order_id}")
        expect(buyer.locator("html")).to_have_attribute("lang", "en")
        # app.js tells the server the browser's time zone, in which later pages show times.
        assert {"name": "tz", "value": "Europe/London"}.items() <= next(
            c for c in buyer_ctx.cookies() if c["name"] == "tz").items()
        expect(buyer.locator("body")).to_have_attribute("data-socket", "connected")
        # <body data-i18n> is there and the scripts read it.
        assert buyer.evaluate("window.i18n.t('courier.offline', {n: 3})") == \
            "Offline · 3 positions saved, sent when you are back online"

        courier.goto(f"{base}/delivery/{order_id}")
        courier.click("text=Picked up, start delivery")
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("On the way")
        expect(courier.locator("#conn-state")).to_have_text(re.compile(r"^Connected · "))
        expect(courier.locator("#gps-state")).to_contain_text("Position shared · ")
        expect(courier.locator("#wake-state")).not_to_be_empty()
        assert not CJK.search(courier.locator("#wake-state").inner_text())

        # The position reaches the buyer as numbers; the page words the ETA in English.
        expect(buyer.locator("#track-map")).to_have_attribute("data-lat", str(point["latitude"]))
        expect(buyer.locator("#track-eta")).to_have_text(
            re.compile(r"^(Arriving in about \d+ min · [\d.]+ (km|m) away"
                       r"|The courier is almost there · about \d+ m)$"))
        expect(buyer.locator("#track-note")).to_contain_text("Courier's position · ")

        # The board's sound button, worded by ring.js.
        merchant.goto(f"{base}/orders/board")
        merchant.click("#sound-toggle")
        expect(merchant.locator("#sound-toggle")).to_have_text(
            re.compile(r"^(Sound on|This device cannot play sounds)$"))
        for page in (courier, buyer, merchant):
            text = page.locator(".topbar, footer, .live-state, #track-note, #track-eta").all_inner_texts()
            assert not [t for t in text if CJK.search(t.replace("中文", ""))], text
    finally:
        for context in (courier_ctx, buyer_ctx, merchant_ctx):
            context.close()
    csp = [p for p in problems if "Content Security Policy" in p or "Refused to" in p]
    assert not csp, csp
    assert not [p for p in problems if "i18n" in p or "is not defined" in p], problems
