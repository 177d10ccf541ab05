"""Issue 15 in Chromium: the courier's list (what is under way first, a card that is one link
with call and navigation buttons, the pickup address) on a phone and a tablet in both
languages; the buyer's map, which appears only when the courier sets off and goes away at
signing, with a plain attribution and the tiles' subdomains; the proof's distance from the pin.
"""
from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, login, picture, wait_until
from tests.support.images import signature_data_url
from tests.support.live import htmx_post, place_and_dispatch, socket_for
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e

SHOTS = ARTIFACTS / "courier-and-map"
NEAR_PIN = (39.9085, 116.4580)  # some 210 m west of the demo buyer's pin (39.9087, 116.4605)
EARLY = (39.9084, 116.4550)  # a first position, come before the news that the courier set off


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("courier") / "e2e.db"
    port = live.free_port()
    # Tiles from this server (they 404: the map draws on its grid), with {s} in them.
    env = live.base_env(f"sqlite:///{db_path}", MAP_TILE_SUBDOMAINS="1234",
                        TILE_URL=f"http://127.0.0.1:{port}/static/tiles/{{s}}/{{z}}/{{x}}/{{y}}.png")
    logins = live.prepare(env)
    running = live.start(env, ARTIFACTS.parent / "gunicorn-courier.log", port=port)
    base = running.url
    sessions = {role: http_login(base, *logins[role])[0] for role in ("买家", "商家", "骑手")}
    yield {"base": base, "db": db_path, "logins": logins, "http": sessions}
    running.stop()


def start(srv, order_id: int) -> None:
    page = f"/delivery/{order_id}"
    assert htmx_post(srv["http"]["骑手"], srv["base"], f"{page}/start", page).status_code == 200


@pytest.fixture(scope="module")
def courier_orders(server):
    """One delivery under way whose window is tomorrow, and one waiting for pickup today."""
    base, http = server["base"], server["http"]
    riding = place_and_dispatch(base, http["买家"], http["商家"])
    start(server, riding)
    with sqlite3.connect(server["db"]) as connection:
        connection.execute('UPDATE "order" SET window_start = datetime(window_start, "+1 day"), '
                           'window_end = datetime(window_end, "+1 day") WHERE id = ?', (riding,))
    waiting = place_and_dispatch(base, http["买家"], http["商家"])
    return riding, waiting


WORDS = {"zh-CN": {"under_way": "配送中", "none_today": "今天暂无待配送订单", "nav": "导航",
                   "pickup": "取货地址", "from_pin": re.compile(r"距收货地址 \d+ 米")},
         "en-US": {"under_way": "On the way", "none_today": "No deliveries for today",
                   "nav": "Navigate", "pickup": "Pick up at",
                   "from_pin": re.compile(r"\d+ m from the delivery address")}}


@pytest.mark.parametrize(("locale", "size"), [("zh-CN", "phone"), ("en-US", "phone"),
                                              ("zh-CN", "tablet"), ("en-US", "tablet")])
def test_the_couriers_list_and_cards(browser, server, courier_orders, locale, size):
    riding, waiting = courier_orders
    words = WORDS[locale]
    context = browser.new_context(**(PHONE if size == "phone" else TABLET), locale=locale)
    try:
        page = context.new_page()
        login(page, server["base"], *server["logins"]["骑手"])
        page.goto(f"{server['base']}/delivery/")
        lists = page.locator("#courier-deliveries")
        # What is under way comes first, whatever its window.
        expect(lists.locator("h2").first).to_have_text(words["under_way"])
        expect(lists.locator("ul.cards").first.locator(f"#courier-order-{riding}")).to_have_count(1)
        expect(lists).not_to_contain_text(words["none_today"])
        expect(page.locator(f"#courier-order-{waiting}")).to_be_visible()
        for order_id in (riding, waiting):
            card = page.locator(f"#courier-order-{order_id}")
            main = card.locator("a.card-main")
            expect(main).to_have_count(1)
            # One link, not a paragraph of underlined ones.
            assert main.evaluate("""a => [a, ...a.querySelectorAll('*')].every(
                n => !getComputedStyle(n).textDecorationLine.includes('underline'))""")
            card_box = card.bounding_box()
            for button in (card.locator("a.tel"), card.locator("a.nav")):
                box = button.bounding_box()
                assert box["height"] >= 44 and box["x"] >= card_box["x"]
                assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 0.5
                assert box["y"] >= main.bounding_box()["y"] + main.bounding_box()["height"] - 1
        card = page.locator(f"#courier-order-{riding}")
        last = card.bounding_box()
        assert last["x"] + last["width"] <= page.viewport_size["width"]
        shot(page, f"list-{locale}-{size}")
        # 导航 opens the delivery page at its navigation apps, their menu open.
        card.locator("a.nav").click()
        expect(page).to_have_url(re.compile(rf"/delivery/{riding}#nav-{riding}$"))
        apps = page.locator(f"#nav-{riding} a")
        expect(apps).to_have_count(4)
        for n in range(4):
            expect(apps.nth(n)).to_be_visible()
        hrefs = [apps.nth(n).get_attribute("href") for n in range(4)]
        assert hrefs[0].startswith("https://uri.amap.com/navigation?")
        assert hrefs[1].startswith("https://api.map.baidu.com/marker?")
        assert hrefs[2].startswith("https://maps.apple.com/?daddr=39.9")
        assert hrefs[3].startswith("geo:39.9")
        page.go_back()
        # The delivery page: where to pick up, and the same buttons.
        main = page.locator(f"#courier-order-{riding} a.card-main")
        main.click()
        expect(page).to_have_url(re.compile(rf"/delivery/{riding}$"))
        expect(page.locator(".delivery-panel .facts")).to_contain_text(words["pickup"])
        expect(page.locator(".delivery-panel .nav-apps > summary")).to_have_text(words["nav"])
        shot(page, f"detail-{locale}-{size}")
    finally:
        context.close()


def shot(page, name: str) -> None:
    picture(page, SHOTS / f"{name}.png")


def test_the_buyers_map_is_there_only_while_the_delivery_is_under_way(browser, server):
    base, http = server["base"], server["http"]
    order_id = place_and_dispatch(base, http["买家"], http["商家"])
    contexts = {locale: browser.new_context(**PHONE, locale=locale) for locale in WORDS}
    try:
        buyer = contexts["zh-CN"].new_page()
        tiles = []
        buyer.on("request", lambda r: tiles.append(r.url) if "/static/tiles/" in r.url else None)
        login(buyer, base, *server["logins"]["买家"])
        buyer.goto(f"{base}/orders/{order_id}")
        expect(buyer.locator("body")).to_have_attribute("data-socket", "connected")
        # The server's first snapshot has come (it replaces whatever position came before it,
        # so the early one below must come after it, as it would from the server).
        wait_until(buyer, "Number(document.getElementById('track-map').dataset.synced) >= 1")
        card = buyer.locator(f"#order-{order_id}-map")
        # Waiting for pickup: no empty map above the status.
        expect(card).to_be_hidden()
        assert buyer.locator(".leaflet-container").count() == 0
        shot(buyer, "buyer-1-waiting")

        # The courier sets off: the map appears, live, with a plain attribution. A position that
        # arrived before that news is drawn on it, not dropped until the next snapshot.
        buyer.evaluate("(p) => document.body.dispatchEvent(new CustomEvent('delivery:position', "
                       "{detail: p}))", {"order_id": order_id, "lat": EARLY[0], "lng": EARLY[1],
                                         "at": "2026-01-01T08:00:00+00:00", "accuracy": 12,
                                         "eta": {"distance_m": 480, "seconds": 150, "arriving": False}})
        start(server, order_id)
        expect(card).to_be_visible()
        expect(buyer.locator("#track-map")).to_have_attribute("data-lat", str(EARLY[0]))
        expect(buyer.locator("#track-map")).to_have_attribute("data-trail", "1")
        expect(buyer.locator("#track-map.leaflet-container")).to_have_count(1)
        attribution = buyer.locator(".leaflet-control-attribution")
        expect(attribution).to_have_text("© OpenStreetMap contributors")
        assert attribution.locator("svg").count() == 0  # no flag badge
        courier, _ = socket_for(http["骑手"], base)
        try:
            ack = courier.call("delivery:position", {"order_id": order_id, "lat": NEAR_PIN[0],
                                                     "lng": NEAR_PIN[1], "accuracy": 9})
            assert ack == {"ok": True}
        finally:
            courier.disconnect()
        expect(buyer.locator("#track-map")).to_have_attribute("data-lat", str(NEAR_PIN[0]))
        box = buyer.locator("#track-map").bounding_box()
        assert box["width"] > 300 and box["height"] > 200  # drawn at its size, not 0×0
        wait_until(buyer, "document.querySelectorAll('#track-map .leaflet-tile').length > 0")
        assert tiles and all(re.search(r"/static/tiles/[1234]/\d+/", u) for u in tiles), tiles[:3]
        shot(buyer, "buyer-2-under-way")

        # A position older than a minute (the server's age in a snapshot) is greyed and says how
        # long ago; the next live one is current again.
        track = buyer.locator("#track-map")
        buyer.evaluate("(s) => document.body.dispatchEvent(new CustomEvent('order:snapshot', "
                       "{detail: s}))", {"id": order_id, "status": "delivering", "tracking": True,
                                         "position": {"lat": NEAR_PIN[0], "lng": NEAR_PIN[1],
                                                      "accuracy": 9, "at": "2026-01-01T08:00:00Z",
                                                      "age_s": 125, "stale": True}})
        expect(track).to_have_attribute("data-stale", "1")
        expect(buyer.locator("#track-note")).to_have_text("位置更新于 2 分钟前")
        expect(buyer.locator(".courier-marker.stale")).to_have_count(1)
        shot(buyer, "buyer-2b-stale")
        buyer.evaluate("(p) => document.body.dispatchEvent(new CustomEvent('delivery:position', "
                       "{detail: p}))", {"order_id": order_id, "lat": NEAR_PIN[0],
                                         "lng": NEAR_PIN[1], "accuracy": 9,
                                         "at": "2026-01-01T08:02:05Z"})
        expect(track).to_have_attribute("data-stale", "0")
        expect(buyer.locator(".courier-marker.stale")).to_have_count(0)

        # Arrived near the pin: the inspection and signature come first, the map below them.
        page = f"/delivery/{order_id}"
        assert htmx_post(http["骑手"], base, f"{page}/arrive", page).status_code == 200
        expect(buyer.locator(f"#order-{order_id}-status")).to_have_text("待签收")
        expect(buyer.locator(f"#order-{order_id}-sign-first h3")).to_have_text("骑手已到达，请验货签收")
        wait_until(buyer, f"!!(document.getElementById('order-{order_id}-map').compareDocumentPosition("
                          f"document.getElementById('order-{order_id}-panel')) & "
                          "Node.DOCUMENT_POSITION_PRECEDING)")
        shot(buyer, "buyer-2c-at-the-door")

        # Signed: the map card goes, with its trail; the proof says how far from the pin.
        assert live.sign(http["买家"], base, order_id, signature_data_url()).status_code == 303
        expect(buyer.locator(f"#order-{order_id}-status")).to_have_text("已完成")
        expect(card).to_be_hidden()
        expect(buyer.locator("#track-map")).to_have_attribute("data-trail", "0")
        expect(buyer.locator(f"#order-{order_id}-proof .from-pin")).to_have_text(
            WORDS["zh-CN"]["from_pin"])
        shot(buyer, "buyer-3-signed")
        english = contexts["en-US"].new_page()
        login(english, base, *server["logins"]["买家"])
        english.goto(f"{base}/orders/{order_id}/proof")
        expect(english.locator("#proof-page .from-pin")).to_have_text(WORDS["en-US"]["from_pin"])
        expect(english.locator("#proof-page .coords")).to_contain_text("39.90850, 116.45800")
        shot(english, "proof-en")
    finally:
        for context in contexts.values():
            context.close()
