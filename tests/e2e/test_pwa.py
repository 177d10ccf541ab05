"""The installable shell in Chromium: manifest, icons, service worker, offline page."""
from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

pytestmark = pytest.mark.e2e


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
        assert "网络已断开" in page.locator("h1").inner_text()
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
