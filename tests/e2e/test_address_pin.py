"""The address book's optional map pin in Chromium: a tap on the map sets it, it is stored in
WGS-84, the GCJ-02 inverse used for Chinese tiles brings a shifted tap back, and the pin fills
the empty province, city and district selects (or offers to, when they say otherwise).

The session server draws maps without tiles (TILE_URL=""): here the map is given a tile URL on
this origin (as a configured server writes it, {s} and all), and Playwright answers the tiles
with a small PNG, so the pin is tried with a tile layer on the map."""
from __future__ import annotations

import re
import secrets

from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import PHONE
from tests.support.images import encode

TILES = "/tiles-test/{s}/{z}/{x}/{y}.png"


# What a server with TILE_URL set writes on the map (set before address-pin.js reads it: an
# init script's listener runs first). Fulfilling the page itself instead would make Chromium
# take it for a public one, which may then not open its socket to 127.0.0.1.
WITH_TILES = ("document.addEventListener('DOMContentLoaded', () => {"
              " const map = document.getElementById('pin-map');"
              f" if (map && !map.dataset.tileUrl) map.dataset.tileUrl = '{TILES}'; }})")


def test_a_tap_on_the_map_pins_the_address(live_server, browser):
    # No service worker: the tiles must reach Playwright's route.
    context = browser.new_context(**PHONE, locale="zh-CN", service_workers="block")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server}/auth/register")
        page.fill("#display_name", "钉图买家")
        page.fill("#email", f"pin-{secrets.token_hex(4)}@example.com")
        page.fill("#password", "buyer-pass-1")
        page.fill("#confirm", "buyer-pass-1")
        page.check("#consent")
        page.click("#register-form button[type=submit]")
        expect(page.locator(".flash-success")).to_contain_text("注册成功")

        tile = encode(Image.new("RGB", (256, 256), (230, 236, 230)), "PNG")
        tiles: list[str] = []
        page.route("**/tiles-test/**", lambda route: (tiles.append(route.request.url),
                                                      route.fulfill(body=tile, content_type="image/png")))
        page.add_init_script(WITH_TILES)
        page.goto(f"{live_server}/addresses/new")
        expect(page.locator("#pin-map .leaflet-tile-loaded").first).to_be_attached()
        assert all(re.search(r"/tiles-test/[abc]/11/\d+/\d+\.png$", u) for u in tiles), tiles[:3]
        expect(page.locator("#pin-note")).to_have_text("未标记")
        expect(page.locator("#pin-clear")).to_be_hidden()
        page.locator("#pin-map").click(position={"x": 120, "y": 90})
        # The selects were empty: the pin's region fills them.
        expect(page.locator("#pin-note")).to_contain_text("已按标记填写：北京市 ")
        assert (page.input_value("#province"), page.input_value("#city")) == ("11", "1101")
        district = page.input_value("#district")
        assert district.startswith("1101") and district != "110105"
        # Chosen otherwise by hand, the selects stay until "fill from the pin" is pressed.
        page.select_option("#district", "110105")
        page.locator("#pin-map").click(position={"x": 121, "y": 91})
        expect(page.locator("#pin-fill")).to_be_visible()
        expect(page.locator("#pin-note")).to_contain_text("标记位于北京市 ")
        assert page.input_value("#district") == "110105"
        page.click("#pin-fill")
        expect(page.locator("#pin-note")).to_contain_text("已按标记填写：北京市 ")
        assert page.input_value("#district") == district
        expect(page.locator("#pin-fill")).to_be_hidden()
        lat = float(page.input_value("#pin-lat"))
        lng = float(page.input_value("#pin-lng"))
        assert 39 < lat < 41 and 115 < lng < 118  # around the map's starting view (Beijing)
        expect(page.locator("#pin-clear")).to_be_visible()

        # The inverse the pin uses on GCJ-02 tiles: shifting a point and back returns it.
        back = page.evaluate("(() => { const g = window.Gcj02.toGcj02(39.9087, 116.3975);"
                             " return window.Gcj02.toWgs84(g[0], g[1]); })()")
        assert abs(back[0] - 39.9087) < 1e-8 and abs(back[1] - 116.3975) < 1e-8

        page.fill("#mobile", "13912345678")
        page.fill("#street", "东长安街 1 号")
        page.click("#address-form button.primary")
        expect(page).to_have_url(re.compile(r"/addresses/$"))
        expect(page.locator(".address-item")).to_contain_text("已标记地图")
        expect(page.locator(".address-item")).to_contain_text("北京市 ")
        assert errors == []
    finally:
        context.close()
