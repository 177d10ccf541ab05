"""A live gunicorn+gevent server with its own SQLite file, and Debian's Chromium."""
from __future__ import annotations

import os

import pytest

from tests import live

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = live.ROOT / "test-artifacts" / "e2e"
ADMIN = ("e2e-admin@example.com", "e2e-admin-pass")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    env = live.base_env(f"sqlite:///{tmp_path_factory.mktemp('live') / 'e2e.db'}")
    live.flask(env, "db", "upgrade")
    live.flask(env, "create-admin", "--email", ADMIN[0], "--password", ADMIN[1])
    server = live.start(env, ARTIFACTS.parent / "gunicorn-e2e.log")
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; make test installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # The people using the app are in China: the browser's clock reads Beijing time, as
        # theirs does (a context may still choose another zone with timezone_id).
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    env={**os.environ, "TZ": "Asia/Shanghai"})
        yield browser
        browser.close()
