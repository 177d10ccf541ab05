"""Live delivery in Chromium: the courier's phone streams, the buyer's map follows; the courier
goes offline and its queued fixes come back late while the marker shows the newest; the
buyer's connection is really cut (the server is restarted) and the page catches up; a buyer
tab whose Socket.IO is blocked falls back to polling; arrival, one line rejected, a drawn
signature, and the same proof for all three parties with its digest checked.
"""
from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import time

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import (
    ARTIFACTS,
    PHONE,
    assert_not_reloaded,
    login,
    mark_no_reload,
    picture,
    wait_until,
)
from tests.support.live import login as http_login
from tests.support.live import place_and_dispatch

pytestmark = pytest.mark.e2e

# From near the demo shop towards the demo buyer's pin (39.9087, 116.4605), ~300 m a step.
ROUTE = [(39.9042, 116.4300), (39.9050, 116.4335), (39.9058, 116.4370), (39.9066, 116.4405),
         (39.9072, 116.4440), (39.9076, 116.4475)]
OFFLINE = [(39.9079, 116.4500), (39.9081, 116.4525)]
CUT = [(39.9083, 116.4550), (39.9085, 116.4580)]
SHOTS = ARTIFACTS / "delivery"


class Server:
    """gunicorn (gevent) on a fixed port, so that a restart keeps the URL the pages use."""

    def __init__(self, env: dict, log):
        self.env, self.log, self.port = env, log, live.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> None:
        self.process = live.start(self.env, self.log, port=self.port).process

    def stop(self) -> None:
        """Quick shutdown: every open WebSocket is closed at once, as in a crash or deploy."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("delivery") / "e2e.db"
    env = live.base_env(f"sqlite:///{db_path}", POLL_SECONDS="2")
    logins = live.prepare(env)
    running = Server(env, ARTIFACTS.parent / "gunicorn-delivery.log")
    running.start()
    yield running, db_path, logins
    running.stop()


def shot(page: Page, name: str) -> None:
    picture(page, SHOTS / f"{name}.png")


def until_late_points(db_path, expected: int, timeout: float = 15) -> int:
    """The late points the server stored, once they are `expected` (or the deadline passed):
    the queued fixes arrive in requests of their own, whose commit may come after the live one
    the page already shows."""
    deadline = time.monotonic() + timeout
    while (count := late_points(db_path)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def late_points(db_path) -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute("SELECT count(*) FROM track_point WHERE late = 1").fetchone()[0]


def move(context, point) -> None:
    context.set_geolocation({"latitude": point[0], "longitude": point[1], "accuracy": 8})


def test_live_delivery_inspection_and_proof(browser, server):
    srv, db_path, logins = server
    base = srv.url
    buyer_http, _ = http_login(base, *logins["买家"])
    merchant_http, _ = http_login(base, *logins["商家"])
    order_id = place_and_dispatch(base, buyer_http, merchant_http)
    contexts = {
        "courier": browser.new_context(**PHONE, locale="zh-CN", permissions=["geolocation"],
                                       geolocation={"latitude": ROUTE[0][0],
                                                    "longitude": ROUTE[0][1], "accuracy": 8}),
        "buyer": browser.new_context(**PHONE, locale="zh-CN"),
        "merchant": browser.new_context(**PHONE, locale="zh-CN"),
    }
    try:
        courier, buyer, merchant = (contexts[k].new_page() for k in ("courier", "buyer",
                                                                    "merchant"))
        for page in (courier, buyer, merchant):
            page.set_default_timeout(20_000)
        login(courier, base, *logins["骑手"])
        login(buyer, base, *logins["买家"])
        login(merchant, base, *logins["商家"])

        # The courier's list: today's delivery, where to pick it up, and a masked call link.
        courier.goto(f"{base}/delivery/")
        card = courier.locator(f"#courier-order-{order_id}")
        expect(card.locator(".next-step")).to_contain_text("取货：")
        expect(card.locator("a.tel")).to_have_text(re.compile(r"139\*\*\*\*0002"))
        assert card.locator("a.tel").get_attribute("href") == "tel:13900000002"

        buyer.goto(f"{base}/orders/{order_id}")
        expect(buyer.locator("body")).to_have_attribute("data-socket", "connected")
        mark_no_reload(buyer)
        track = buyer.locator("#track-map")

        # 1. Start: the buyer's marker follows every fix, with the ETA as text.
        courier.goto(f"{base}/delivery/{order_id}")
        expect(courier.locator("body")).to_have_attribute("data-socket", "connected")
        courier.click("text=已取货，开始配送")
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("配送中")
        conn = courier.locator("#conn-state")
        expect(conn).to_have_attribute("data-state", "online")
        expect(buyer.locator(f"#order-{order_id}-status")).to_have_text("配送中")
        eta = buyer.locator("#track-eta")
        etas = []
        for i, point in enumerate(ROUTE):
            if i:
                move(contexts["courier"], point)
            expect(track).to_have_attribute("data-lat", str(point[0]))
            expect(track).to_have_attribute("data-lng", str(point[1]))
            expect(eta).to_contain_text("分钟送达")
            etas.append(eta.inner_text())
        assert len(set(etas)) > 1, etas  # the ETA changes as the courier comes closer
        assert_not_reloaded(buyer)
        expect(courier.locator("#gps-state")).to_contain_text("位置已共享")
        expect(courier.locator("#wake-state")).not_to_be_empty()
        shot(buyer, "01-buyer-tracking")
        shot(courier, "02-courier-streaming")

        # 2. The courier goes offline: fixes queue, the buyer's marker stays where it was.
        contexts["courier"].set_offline(True)
        expect(conn).to_have_attribute("data-state", "offline")
        for n, point in enumerate(OFFLINE, start=1):
            time.sleep(1.2)  # one fix a second, offline too
            move(contexts["courier"], point)
            expect(conn).to_have_attribute("data-queued", str(n))
        expect(conn).to_contain_text("已缓存 2 个位置")
        shot(courier, "03-courier-offline")
        assert track.get_attribute("data-lat") == str(ROUTE[-1][0])
        # Back online: the newest fix goes live (the marker), the older one as late (trail).
        contexts["courier"].set_offline(False)
        expect(track).to_have_attribute("data-lat", str(OFFLINE[-1][0]))
        expect(track).to_have_attribute("data-lng", str(OFFLINE[-1][1]))
        expect(track).to_have_attribute("data-late", "1")
        expect(conn).to_have_attribute("data-queued", "0")
        assert until_late_points(db_path, 1) == 1
        assert track.get_attribute("data-lat") == str(OFFLINE[-1][0])  # not the late one

        # 3. The buyer's connection is really cut: the server goes down while the courier
        # moves on, and comes back; the buyer's page then shows the latest position.
        srv.stop()
        expect(buyer.locator("body")).to_have_attribute("data-socket", "disconnected")
        expect(buyer.locator("#net-status")).to_contain_text("连接已断开")
        expect(conn).not_to_have_attribute("data-state", "online")
        for n, point in enumerate(CUT, start=1):
            time.sleep(1.2)
            move(contexts["courier"], point)
            expect(conn).to_have_attribute("data-queued", str(n))
        assert track.get_attribute("data-lat") == str(OFFLINE[-1][0])
        srv.start()
        expect(buyer.locator("body")).to_have_attribute("data-socket", "connected",
                                                        timeout=30_000)
        expect(conn).to_have_attribute("data-state", "online", timeout=30_000)
        expect(track).to_have_attribute("data-lat", str(CUT[-1][0]))
        expect(track).to_have_attribute("data-lng", str(CUT[-1][1]))
        wait_until(buyer, "Number(document.getElementById('track-map').dataset.synced) >= 2")
        assert until_late_points(db_path, 2) == 2
        assert_not_reloaded(buyer)

        # 4. A buyer tab whose Socket.IO is blocked falls back to polling the status.
        blocked = contexts["buyer"].new_page()
        blocked.route("**/socket.io/**", lambda route: route.abort())
        blocked.goto(f"{base}/orders/{order_id}")
        expect(blocked.locator("body")).to_have_attribute("data-polling", "1", timeout=15_000)
        expect(blocked.locator("#track-map")).to_have_attribute("data-lat", str(CUT[-1][0]))

        # 5. Arrival; the buyer rejects one line, signs with a finger, and the order is
        # partially refused.
        courier.click("text=已送达")
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("待签收")
        expect(blocked.locator(f"#order-{order_id}-status")).to_have_text("待签收")  # polled
        blocked.close()
        form = buyer.locator("#sign-form")
        expect(form).to_be_visible()
        lines = buyer.locator(".inspect-line")
        expect(lines).to_have_count(2)
        second = lines.nth(1)
        rejected_title = second.locator("legend .grow").inner_text()
        second.locator("label.choice.no").click()
        second.locator("select").select_option("商品破损")
        second.locator("input[name^=note-]").fill("箱子压坏了")
        expect(buyer.locator("#inspect-summary")).to_contain_text("拒收 1 项")
        buyer.click("#sign-form button[type=submit]")
        expect(buyer.locator("#signature-empty")).to_be_visible()  # nothing sent unsigned
        pad = buyer.locator("#signature-pad")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        buyer.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
        buyer.mouse.down()
        for i in range(1, 30):
            buyer.mouse.move(box["x"] + 20 + i * (box["width"] - 40) / 29,
                             box["y"] + box["height"] * (0.75 - 0.45 * ((i % 7) / 7)), steps=2)
        buyer.mouse.up()
        form.scroll_into_view_if_needed()
        shot(buyer, "04-buyer-inspect-and-sign")
        buyer.click("#sign-form button[type=submit]")
        expect(buyer.locator(f"#order-{order_id}-status")).to_have_text("部分拒收")
        proof = buyer.locator(f"#order-{order_id}-proof")
        expect(proof.locator(".integrity")).to_contain_text("数字指纹一致")
        expect(proof.locator(".rejected-lines")).to_contain_text("商品破损：箱子压坏了")
        digest = proof.locator(".digest").inner_text()
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        expect(track).to_have_attribute("data-tracking", "0")
        assert_not_reloaded(buyer)

        # 6. The same proof, digest checked, for all three parties.
        for who, page in (("buyer", buyer), ("courier", courier), ("merchant", merchant)):
            page.goto(f"{base}/orders/{order_id}/proof")
            expect(page.locator("#proof-page .integrity")).to_contain_text("数字指纹一致")
            expect(page.locator("#proof-page .digest")).to_have_text(digest)
            expect(page.locator("#proof-page .rejected-lines")).to_contain_text(rejected_title)
            wait_until(page, "(() => { const i = document.querySelector('#proof-page img.signature');"
                             " return i && i.complete && i.naturalWidth > 0; })()")
            shot(page, f"05-proof-{who}")

        # 7. The courier collects the total less the rejected line; positions are refused now.
        courier.goto(f"{base}/delivery/{order_id}")
        collect = courier.locator(f"#order-{order_id}-payment button")
        expect(collect).to_contain_text("确认已收款")
        collect.click()
        expect(courier.locator(f"#order-{order_id}-payment")).to_contain_text("已收款")
        refused = courier.evaluate(
            """id => new Promise(done => window.appSocket.emit('delivery:position',
                   {order_id: id, lat: 39.95, lng: 116.45}, done))""", order_id)
        assert refused["ok"] is False and refused["error"] == "not_tracking"
    finally:
        for context in contexts.values():
            context.close()


def test_the_map_shifts_to_gcj02_in_chromium_as_in_python(browser, server):
    """The map's own transform, run in the browser, gives the reference values."""
    from webapp.delivery.geo import wgs84_to_gcj02

    srv, _, logins = server
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        login(page, srv.url, *logins["买家"])
        page.goto(f"{srv.url}/orders/")
        page.add_script_tag(url=f"{srv.url}/static/js/gcj02.js")
        for lat, lng in ((39.915, 116.404), (31.1774276, 121.5272106), (51.5007, -0.1246)):
            got = page.evaluate("([a, b]) => window.Gcj02.toGcj02(a, b)", [lat, lng])
            assert got == pytest.approx(list(wgs84_to_gcj02(lat, lng)), abs=1e-12)
    finally:
        context.close()
