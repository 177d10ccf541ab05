"""Debian's Chromium driven by Playwright: launch arguments, phone and tablet contexts, logins,
waits that the app's CSP allows, screenshots under test-artifacts/e2e/."""
from __future__ import annotations

import io
import os
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

# Pictures are for people to look at; CI, where nobody does, sets SCREENSHOTS=0 and saves the
# CPU that drawing and encoding about 120 full pages takes.
SCREENSHOTS = os.environ.get("SCREENSHOTS", "1") != "0"

# The phone draws at two device pixels to the CSS pixel for the screenshots, and at one where
# nobody looks at them (CI): a quarter of the pixels to paint, the same layout in CSS pixels,
# which is what the tests measure (about an eighth of the CPU of a module of phone pages).
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2 if SCREENSHOTS else 1}
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}


def picture(page: Page, path: Path, full_page: bool = True) -> None:
    """A screenshot at `path` (from the top of the page, where the sticky header belongs),
    unless SCREENSHOTS=0."""
    if not SCREENSHOTS:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if full_page:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page)


def shot(page: Page, layout: str, name: str) -> None:
    picture(page, ARTIFACTS / layout / f"{name}.png")


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


def htmx_ready(page: Page, selector: str) -> None:
    """Wait until htmx has taken in the element (bound its triggers): on a loaded machine a page
    can be on screen, and a test act on it, before its scripts have run; a person cannot."""
    page.wait_for_function("s => document.querySelector(s)?.['htmx-internal-data'] !== undefined",
                           arg=selector)


def choose_region(page: Page, province: str, city: str, district: str) -> None:
    """Pick province, city and district in the cascading selects: each list is filled over htmx
    when the one above changes, so each select is picked once htmx has taken it in."""
    for select, value, below in (("#province", province, f"#city option[value='{city}']"),
                                 ("#city", city, f"#district option[value='{district}']")):
        htmx_ready(page, select)
        page.select_option(select, value)
        expect(page.locator(below)).to_have_count(1)
    page.select_option("#district", district)


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
    choose_region(page, "11", "1101", "110105")
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


def arrive_stating_why(courier, order_id: int) -> None:
    """The courier's 已送达 for a phone that has sent no position near the pin (a browser test's
    courier shares none): one of the listed reasons, as a courier would give it
    (webapp/delivery/arrival.py)."""
    panel = courier.locator(f"#delivery-{order_id}-arrive")
    panel.locator("summary").click()
    panel.locator("input[name=reason][value=pin_off]").check()
    panel.locator("button", has_text="说明原因并确认送达").click()
