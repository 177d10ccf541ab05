"""A live gunicorn+gevent server on a free port with its own SQLite file, and Debian's Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
ADMIN = ("e2e-admin@example.com", "e2e-admin-pass")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def live_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("live")
    env = {**os.environ, "FLASK_APP": "webapp", "APP_ENV": "production",
           "SECRET_KEY": "e2e-secret-key-not-for-production",
           "DATABASE_URL": f"sqlite:///{data / 'e2e.db'}", "MAP_TILE_URL": "",
           "RATELIMIT_ENABLED": "0", "SOCKETIO_MESSAGE_QUEUE": "", "ACCESS_LOG": "",
           "LOG_LEVEL": "warning"}
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    flask(env, "db", "upgrade")
    flask(env, "create-admin", "--email", ADMIN[0], "--password", ADMIN[1])
    return env


@pytest.fixture(scope="session")
def live_server(live_env):
    """gunicorn with the gevent worker, exactly as `make run` serves, on 127.0.0.1:<free>."""
    port = free_port()
    env = {**live_env, "BIND": f"127.0.0.1:{port}"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS.parent / "gunicorn.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                pytest.fail(f"gunicorn did not start: {(ARTIFACTS.parent / 'gunicorn.log').read_text()}")
            time.sleep(0.2)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; make test installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
