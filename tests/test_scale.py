"""Scale-out mode as deployed: two gunicorn processes on PostgreSQL and Redis behind
deploy/nginx.conf. Logins through nginx hold on both processes, and a socket connected through
nginx hears an event raised on the other process."""
from __future__ import annotations

import os
import queue
import re
import secrets
import subprocess
import sys
import time

import pytest
import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.support import live
from tests.support.live import NGINX, start_nginx

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own

ARTIFACTS = live.ROOT / "test-artifacts"


class FromAddress(HTTPAdapter):
    """Connect from one loopback address: nginx's ip_hash sends 127.0.0.x and 127.0.1.x apart."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def login(session: requests.Session, base: str, who: str, password: str) -> str:
    """Log in through the real form; return the process (upstream) that answered."""
    page = session.get(f"{base}/auth/login", timeout=10)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text)[1]
    answer = session.post(f"{base}/auth/login", allow_redirects=False, timeout=10, data={
        "csrf_token": token, "login": who, "password": password})
    assert answer.status_code == 303, answer.text
    assert answer.headers["X-Upstream"] == page.headers["X-Upstream"]  # sticky
    return answer.headers["X-Upstream"]


def assert_poster_names(front: str, port: int) -> None:
    """Through nginx, which passes the client's Host on, the poster names PUBLIC_URL's shop
    address whatever Host the client sent."""
    for host in (f"127.0.0.1:{port}", "evil.example"):
        poster = requests.get(f"{front}/s/fresh-fruit/poster", headers={"Host": host}, timeout=10)
        assert poster.status_code == 200 and f">{front}/s/fresh-fruit</p>" in poster.text
        assert "evil.example" not in poster.text


@pytest.mark.postgres
@pytest.mark.redis
def test_two_processes_behind_nginx(fresh_postgres, tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it)")
    if not NGINX.exists():
        pytest.skip("nginx is not installed (`make scale` installs Debian's nginx)")
    env = live.base_env(fresh_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url, TRUSTED_PROXIES="1",
                        RATELIMIT_STORAGE_URI=redis_url, POSITION_MIN_INTERVAL="0",
                        SOCKETIO_CHANNEL=f"test-{secrets.token_hex(4)}")
    live.flask(env, "db", "upgrade")
    live.flask(env, "seed-demo")
    # The demo buyer's order, under way with the demo courier.
    seeded = subprocess.run([sys.executable, "-m", "bench.seed", "--buyers", "0"], cwd=live.ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    order_id = int(re.search(r'"order_id": (\d+)', seeded.stdout)[1])
    ARTIFACTS.mkdir(exist_ok=True)
    port = live.free_port()
    front = env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"  # as deploy/scale.sh sets nginx's
    a = live.start(env, ARTIFACTS / "gunicorn-scale-a.log")
    b = live.start(env, ARTIFACTS / "gunicorn-scale-b.log")
    upstreams = [a.url.removeprefix("http://"), b.url.removeprefix("http://")]
    nginx = start_nginx(tmp_path, upstreams, port)
    clients, sessions = [], []
    try:
        # Buyers arriving from different addresses land on both processes, each staying put.
        served: dict[str, requests.Session] = {}
        for n in range(32):
            session = session_from(f"127.0.{n}.1")
            sessions.append(session)
            served.setdefault(login(session, front, "buyer@example.com", "demo-buyer-2026"),
                              session)
            if len(served) == 2:
                break
        assert set(served) == set(upstreams)
        assert_poster_names(front, port)
        # A session made on one process is valid on the other (same SECRET_KEY, same database).
        for upstream, session in served.items():
            for base in (a.url, b.url):
                page = requests.get(f"{base}/orders/{order_id}", timeout=10,
                                    cookies=session.cookies, allow_redirects=False)
                assert page.status_code == 200 and "张买家" in page.text, (upstream, base)

        # The buyer's map connects through nginx (long-polling first, then the upgrade); the
        # courier, on the other process, sends a position; the buyer hears it.
        upstream, buyer = next(iter(served.items()))
        other = next(u for u in upstreams if u != upstream)
        events: queue.Queue = queue.Queue()
        http = session_from(buyer.get_adapter("http://").address)
        http.cookies.update(buyer.cookies)
        sessions.append(http)
        watcher = socketio.Client(reconnection=False, http_session=http)
        watcher.on("*", lambda event, data: events.put((event, data)))
        watcher.connect(front, wait_timeout=10)
        clients.append(watcher)
        ack = watcher.call("order:watch", {"order_id": order_id}, timeout=10)
        assert ack["ok"] and ack["status"] == "delivering"
        deadline = time.monotonic() + 10
        while watcher.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert watcher.transport() == "websocket"  # nginx passed the Upgrade through

        courier = requests.Session()
        sessions.append(courier)
        login_direct = courier.get(f"http://{other}/auth/login", timeout=10).text
        assert courier.post(f"http://{other}/auth/login", allow_redirects=False, timeout=10, data={
            "csrf_token": re.search(r'"X-CSRFToken": "([^"]+)"', login_direct)[1],
            "login": "13800000001", "password": "demo-courier-2026"}).status_code == 303
        phone = socketio.Client(reconnection=False)
        phone.connect(f"http://{other}", transports=["websocket"], wait_timeout=10, headers={
            "Cookie": "; ".join(f"{c.name}={c.value}" for c in courier.cookies)})
        clients.append(phone)
        assert phone.call("delivery:position", {"order_id": order_id, "lat": 39.91,
                                                "lng": 116.41}, timeout=10) == {"ok": True}
        while True:
            event, data = events.get(timeout=10)
            if event == "delivery:position":
                assert (data["order_id"], data["lat"], data["lng"]) == (order_id, 39.91, 116.41)
                break

        # Engine.IO handshakes (no sid) from one address past the burst: 429 from nginx itself
        # (the app's own limit is off here: RATELIMIT_ENABLED=0).
        opener = session_from("127.0.200.1")
        sessions.append(opener)
        statuses = [opener.get(f"{front}/socket.io/?EIO=4&transport=polling", timeout=10)
                    .status_code for _ in range(80)]
        assert statuses[0] == 200 and statuses[-1] == 429, statuses
    finally:
        for client in clients:
            client.disconnect()
        for session in sessions:  # an idle keep-alive connection holds a graceful stop
            session.close()
        nginx.terminate()
        nginx.wait(timeout=10)
        a.stop()
        b.stop()
