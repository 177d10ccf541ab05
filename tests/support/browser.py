"""Debian's Chromium driven by Playwright: launch arguments, phone and tablet contexts, logins,
waits that the app's CSP allows, screenshots under test-artifacts/e2e/."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from tests.support import live

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = live.ARTIFACTS / "e2e"
# The administrator every live_server has (made by flask create-admin).
ADMIN = ("e2e-admin@example.com", "e2e-admin-pass")

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}


def shot(page: Page, layout: str, name: str) -> None:
    folder = ARTIFACTS / layout
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of the picture
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def mark_no_reload(page: Page) -> None:
    """Set a flag that only survives while the page is not reloaded."""
    page.evaluate("window.__sameDocument = 'yes'")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__sameDocument") == "yes"


def photo(name: str, colour=(15, 118, 110)) -> dict:
    """A real JPEG for a file input, as a phone camera would give it."""
    out = io.BytesIO()
    Image.new("RGB", (480, 300), colour).save(out, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def fill_application(page: Page, shop_name: str, handle: str = "") -> None:
    """Fill in the real-name application; the region selects cascade over htmx."""
    page.fill("#legal_name", "王小明")
    page.fill("#id_number", "11010519491231002X")
    page.fill("#mobile", "13900001111")
    page.set_input_files("#id_front", photo("id-front.jpg"))
    page.set_input_files("#id_back", photo("id-back.jpg", (29, 78, 216)))
    page.fill("#uscc", "91110000600037341L")
    page.set_input_files("#licence_photo", photo("licence.jpg", (185, 28, 28)))
    page.fill("#shop_name", shop_name)
    page.fill("#handle_wish", handle)
    page.select_option("#province", "11")
    expect(page.locator("#city option[value='1101']")).to_have_count(1)
    page.select_option("#city", "1101")
    expect(page.locator("#district option[value='110105']")).to_have_count(1)
    page.select_option("#district", "110105")
    page.fill("#street", "建国路 88 号")


def login(page: Page, base: str, who: str, password: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#login", who)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


def wait_until(page: Page, expression: str, timeout: float = 15) -> None:
    """Poll a JS expression from the test side: Playwright's wait_for_function evaluates its
    predicate inside the page, which the app's CSP (no eval) rightly refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def wait_socket(page: Page) -> None:
    """Connected, and upgraded to a WebSocket (gevent + simple-websocket, allowed by the CSP)."""
    expect(page.locator("body")).to_have_attribute("data-socket", "connected", timeout=15_000)
    wait_until(page, "window.appSocket.io.engine.transport.name === 'websocket'")


# axe-core, vendored for the tests (tests/e2e/vendor/, never served), evaluated through the
# DevTools protocol, which the app's CSP (script-src 'self', no inline scripts) does not govern.
AXE = Path(__file__).resolve().parents[1] / "e2e" / "vendor" / "axe-core-4.14.1.min.js"
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""() => axe.run(document, {resultTypes: ['violations']})
        .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), impact: n.impact,
                                      summary: n.failureSummary}))})))""")
    return [v for v in found if v["impact"] in BLOCKING]
