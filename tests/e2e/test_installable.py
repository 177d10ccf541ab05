"""Chromium itself says the app is installable: the DevTools protocol's own check
(`Page.getInstallabilityErrors`) in a persistent profile, as an installed app would run, against
the live server on http://127.0.0.1 (a secure context)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.service_worker]  # tests/e2e/conftest.py


@pytest.fixture
def profile(browser, tmp_path):
    """A persistent context (its own user-data-dir), launched like the shared browser."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
        locale="zh-CN", **PHONE)
    yield context
    context.close()


@pytest.mark.parametrize("path", ["/", "/s/no-such-shop", "/auth/login"])
def test_chromium_finds_no_installability_errors(profile, live_server, path):
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.goto(live_server + path)
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout=20)
    cdp = profile.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"] == live_server + "/manifest.webmanifest"
    assert manifest["errors"] == []
    assert manifest["data"]  # the manifest as Chromium fetched it
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors


def test_without_a_manifest_chromium_reports_errors(profile, live_server):
    """The check above can fail: the offline page links no manifest, and Chromium says so."""
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.goto(live_server + "/offline")
    cdp = profile.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert "no-manifest" in {e["errorId"] for e in errors}, errors


def test_install_button_appears_when_chromium_offers_installation(profile, live_server):
    page = profile.pages[0] if profile.pages else profile.new_page()
    page.goto(live_server + "/")
    button = page.locator("#install-app")
    expect(button).to_have_text("安装应用")
    # Chromium fires beforeinstallprompt once it finds the app installable; app.js keeps the
    # prompt for the button and shows it.
    expect(button).to_be_visible(timeout=20_000)
