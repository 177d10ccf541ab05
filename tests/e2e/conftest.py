"""A live gunicorn+gevent server with its own SQLite file, and Debian's Chromium.

Every test collected under tests/e2e/ is marked `e2e` here, whether its module says so or not:
the PostgreSQL pass of .ci/run deselects them (-m "not e2e"), and a browser test that forgot
its mark would start Chromium there. tests/test_suite_layout.py keeps Chromium out of every
other folder.

The app's service worker runs in the browser contexts of the modules marked `service_worker`
(the PWA, offline, install and push tests, and the whole journey: the app as its people have it)
and is blocked in the rest. Each new context otherwise installs it, precaches the shell and then
serves every static file through it while refreshing it from the server: about a sixth of the
CPU of a browser test that is about something else (a shop page, the board, a form)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import live
from tests.support.browser import ADMIN, CHROMIUM, CHROMIUM_ARGS

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    env = live.base_env(f"sqlite:///{tmp_path_factory.mktemp('live') / 'e2e.db'}")
    live.prepare(env, demo=False)
    live.flask(env, "create-admin", "--email", ADMIN[0], "--password", ADMIN[1])
    server = live.start(env, live.session_log())
    yield server.url
    server.stop()


# What the running module's new contexts do with the service worker ("allow" or "block").
SERVICE_WORKERS = {"now": "block"}


class Browser:
    """The session's Chromium: its new contexts block the app's service worker unless their
    module is marked `service_worker` (a context may still say otherwise)."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        options.setdefault("service_workers", SERVICE_WORKERS["now"])
        return self._browser.new_context(**options)

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="module", autouse=True)
def service_workers(request):
    """Per module, before its own fixtures (autouse runs first in its scope), which may open
    contexts for the whole module."""
    marked = request.node.get_closest_marker("service_worker") is not None
    SERVICE_WORKERS["now"] = "allow" if marked else "block"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; make test installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it)")
    from playwright.sync_api import expect, sync_playwright

    # CI runs these beside the rest of the suite on two cores (.ci/run's lanes): a page that is
    # right but slow to get there under that load must not fail on expect's 5 s default.
    expect.set_options(timeout=15_000)
    with sync_playwright() as p:
        # The people using the app are in China: the browser's clock reads Beijing time, as
        # theirs does (a context may still choose another zone with timezone_id).
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    env={**os.environ, "TZ": "Asia/Shanghai"})
        yield Browser(browser)
        browser.close()
