"""Faults, automated against the real server (gunicorn + gevent) with real Socket.IO clients:
Redis restarted under two processes (HTTP keeps serving, events resume), PostgreSQL restarted
under one (a clean 503, then recovery without restarting the app), and the server killed with
SIGKILL mid-delivery and started again (the courier resends, the buyer catches up).

Each test runs its own throwaway Redis or PostgreSQL on a free port, never the shared ones.
"""
from __future__ import annotations

import glob
import os
import pwd
import queue
import secrets
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import redis
import requests
import socketio

from tests.support import live
from tests.support.live import (
    csrf_token,
    demo_logins,
    htmx_post,
    login,
    place_and_dispatch,
    socket_for,
    wait_for,
)

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own

ARTIFACTS = live.ROOT / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)
UNAVAILABLE = "服务暂时不可用，请稍后再试。"


def wait_until(check, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


def quick_stop(server: live.Server) -> None:
    """Stop gunicorn without waiting for idle keep-alive connections to time out."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


class RedisServer:
    """A throwaway redis-server on a fixed loopback port, with nothing kept on disk."""

    def __init__(self, log: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.binary, self.log, self.port = binary, log, live.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"], stdout=out, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            wait_until(lambda: self._pings(client), 10, "redis-server to start")
        finally:
            client.close()

    def _pings(self, client) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1)


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory on a fixed loopback port.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user and
    its commands run through runuser.
    """

    def __init__(self):
        bindir = _postgres_bin()
        if bindir is None or not (bindir / "initdb").exists():
            pytest.skip("PostgreSQL's initdb/pg_ctl are not installed")
        self.bindir, self.port = bindir, live.free_port()
        self.as_user: list[str] = []
        if os.geteuid() != 0:
            self.root = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        else:
            # In /tmp, which the postgres user can reach (TMPDIR may be under /root).
            self.root = Path(tempfile.mkdtemp(prefix="faults-pg-", dir="/tmp"))
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root)
                pytest.skip("running as root and there is no `postgres` user to run PostgreSQL")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.data, self.log = self.root / "data", self.root / "postgres.log"
        try:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--no-sync", "--no-instructions")
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(self.bindir / command), *args],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr + (
            self.log.read_text() if self.log.exists() else "")

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as in a crash or a restart for an upgrade."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.copy(self.log, ARTIFACTS / "postgres-faults.log")
        shutil.rmtree(self.root, ignore_errors=True)


def assert_unavailable(response: requests.Response, fragment: bool = False) -> None:
    """A clear 503 in the app's own page (or flash, for htmx), and nothing of the internals."""
    assert response.status_code == 503, response.text
    assert UNAVAILABLE in response.text and response.headers["Retry-After"]
    for leak in ("Traceback", "sqlalchemy", "psycopg", "OperationalError", "127.0.0.1"):
        assert leak not in response.text
    if fragment:
        assert response.headers["HX-Retarget"] == "#flash" and "<html" not in response.text
    else:
        assert "<title>503" in response.text and "/static/css/app.css" in response.text


@pytest.mark.postgres
def test_postgres_restart_fails_cleanly_and_recovers_without_restarting_the_app():
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    postgres = PostgresServer()
    server, clients = None, []
    try:
        postgres.start()
        env = live.base_env(postgres.url)
        live.flask(env, "db", "upgrade")
        logins = demo_logins(live.flask(env, "seed-demo"))
        server = live.start(env, ARTIFACTS / "gunicorn-faults-postgres.log")
        base = server.url
        buyer, _ = login(base, *logins["买家"])
        shop = buyer.get(f"{base}/s/fresh-fruit", timeout=10)
        assert shop.status_code == 200 and "赣南脐橙" in shop.text
        token = csrf_token(shop.text)
        product = "1"  # the first demo product, in this shop
        buyer_socket, _ = socket_for(buyer, base)
        clients.append(buyer_socket)
        watching = buyer_socket.call("order:watch", {"order_id": 1}, timeout=10)

        # PostgreSQL goes away under the pooled connections.
        postgres.stop()
        visitor = requests.Session()
        for session, paths in ((buyer, ("/", "/s/fresh-fruit", "/orders/")),
                               (visitor, ("/", "/s/fresh-fruit"))):
            for path in paths:
                started = time.monotonic()
                assert_unavailable(session.get(f"{base}{path}", timeout=10))
                assert time.monotonic() - started < 3  # refused at once, not after a timeout
            assert_unavailable(session.get(f"{base}/s/fresh-fruit", timeout=10,
                                           headers={"HX-Request": "true"}), fragment=True)
        # The login form needs no database; sending it does, and fails the same clean way.
        page = visitor.get(f"{base}/auth/login", timeout=10)
        assert page.status_code == 200
        assert_unavailable(visitor.post(f"{base}/auth/login", timeout=10, data={
            "csrf_token": csrf_token(page.text), "login": logins["买家"][0],
            "password": logins["买家"][1]}))
        added = buyer.post(f"{base}/cart/add", timeout=10, headers={
            "HX-Request": "true", "X-CSRFToken": token}, data={
            "csrf_token": token, "product_id": product, "quantity": "1"})
        assert_unavailable(added, fragment=True)
        # What needs no database still answers: static files, the service worker, offline page.
        for path in ("/static/js/app.js", "/static/css/app.css", "/sw.js", "/offline"):
            assert visitor.get(f"{base}{path}", timeout=10).status_code == 200, path

        # A socket event is answered "unavailable" at once (a courier's phone keeps the fix and
        # sends it again), and the socket stays open.
        assert buyer_socket.call("order:watch", {"order_id": 1}, timeout=5) == {
            "ok": False, "error": "unavailable"}
        assert buyer_socket.connected

        # Back: the very next requests succeed on the same gunicorn process.
        postgres.start()
        assert buyer_socket.call("order:watch", {"order_id": 1}, timeout=10) == watching
        again = buyer.get(f"{base}/s/fresh-fruit", timeout=10)
        assert again.status_code == 200 and "赣南脐橙" in again.text
        assert 'data-user="' in again.text  # still signed in: the session survived
        added = buyer.post(f"{base}/cart/add", timeout=10, headers={
            "HX-Request": "true", "X-CSRFToken": token}, data={
            "csrf_token": token, "product_id": product, "quantity": "1"})
        assert added.status_code == 200 and "已加入购物车" in added.text
        login(base, *logins["商家"])  # a new login writes to the database
        # A quick restart between two requests leaves only dead connections in the pool: they
        # are tested before use (pool_pre_ping) and replaced, so no one sees an error.
        postgres.stop()
        postgres.start()
        assert buyer.get(f"{base}/s/fresh-fruit", timeout=10).status_code == 200
        assert server.process.poll() is None
        log = server.log_path.read_text()
        # Every failed page went through the 503 handler; none fell through to a 500.
        assert "database unavailable" in log
        assert "unhandled error" not in log and "Exception on" not in log
    finally:
        for client in clients:
            client.disconnect()
        if server is not None:
            quick_stop(server)
        postgres.remove()


def subscribers(client: redis.Redis, channel: str) -> int:
    try:
        return dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)
    except redis.ConnectionError:
        return 0


@pytest.mark.redis
def test_redis_restart_keeps_http_serving_and_events_resume(tmp_path):
    if not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it)")
    store = RedisServer(ARTIFACTS / "redis-faults.log")
    store.log.write_text("")
    channel = f"faults-{secrets.token_hex(4)}"
    servers, clients = [], []
    store.start()
    try:
        env = live.base_env(f"sqlite:///{tmp_path / 'faults.db'}", SOCKETIO_MESSAGE_QUEUE=store.url,
                            SOCKETIO_CHANNEL=channel, RATELIMIT_ENABLED="1",
                            RATELIMIT_STORAGE_URI=store.url)
        live.flask(env, "db", "upgrade")
        logins = demo_logins(live.flask(env, "seed-demo"))
        a = live.start(env, ARTIFACTS / "gunicorn-faults-redis-a.log")
        servers.append(a)
        b = live.start(env, ARTIFACTS / "gunicorn-faults-redis-b.log")
        servers.append(b)
        watcher = store.client()

        buyer, _ = login(b.url, *logins["买家"])
        merchant, _ = login(a.url, *logins["商家"])
        courier, _ = login(a.url, *logins["骑手"])
        assert any(b"login" in key for key in watcher.keys("LIMITS*"))  # the limits are in Redis
        order_id = place_and_dispatch(a.url, buyer, merchant)
        buyer_socket, heard = socket_for(buyer, b.url)
        clients.append(buyer_socket)
        assert buyer_socket.call("order:watch", {"order_id": order_id}, timeout=10)["ok"]

        # The courier's pickup on A reaches the buyer watching on B, and so does a position.
        detail = f"/delivery/{order_id}"
        assert htmx_post(courier, a.url, f"{detail}/start", detail).status_code == 200
        assert wait_for(heard, "order:updated")["status"] == "delivering"
        courier_socket, _ = socket_for(courier, a.url)
        clients.append(courier_socket)
        # A process listens on the queue from its first socket on.
        wait_until(lambda: subscribers(watcher, channel) == 2, 5, "both processes to subscribe")
        here = {"order_id": order_id, "lat": 39.9042, "lng": 116.4300, "accuracy": 8}
        assert courier_socket.call("delivery:position", here, timeout=10) == {"ok": True}
        assert wait_for(heard, "delivery:position")["lat"] == 39.9042

        # Redis goes away. Both processes keep serving pages and logins (the login limit is
        # counted in memory meanwhile), at once; the courier's positions are still stored.
        store.stop()
        for server in (a, b):
            started = time.monotonic()
            for path in ("/", "/s/fresh-fruit", "/static/js/app.js"):
                assert requests.get(f"{server.url}{path}", timeout=10).status_code == 200
            session, _ = login(server.url, *logins["买家"])
            assert session.get(f"{server.url}/orders/{order_id}", timeout=10).status_code == 200
            assert time.monotonic() - started < 3
        time.sleep(1.1)
        assert courier_socket.call("delivery:position", {**here, "lat": 39.9050},
                                   timeout=5) == {"ok": True}
        time.sleep(0.5)
        assert heard.empty()  # events between processes really go through Redis

        # Redis is back on the same port: both processes subscribe again (python-socketio
        # retries), and what happens on A reaches the buyer on B again, on the socket that
        # stayed open all along: a position, and the courier's arrival.
        store.start()
        wait_until(lambda: subscribers(watcher, channel) == 2, 30, "both processes to resubscribe")
        time.sleep(1.1)
        ack = courier_socket.call("delivery:position", {**here, "lat": 39.9060}, timeout=10)
        assert ack == {"ok": True}
        assert wait_for(heard, "delivery:position")["lat"] == 39.9060
        assert htmx_post(courier, a.url, f"{detail}/arrive", detail,
                         **live.reason_for("arrive")).status_code == 200
        assert wait_for(heard, "order:updated")["status"] == "arrived"
        assert buyer_socket.connected

        # And each process goes back to counting its limits in Redis (it looks again after a
        # growing pause, so a login may still be counted in memory first).
        for server in (a, b):
            watcher.delete(*watcher.keys("LIMITS*") or ["none"])

            def counted_in_redis() -> bool:
                login(server.url, *logins["买家"])
                return any(b"login" in key for key in watcher.keys("LIMITS*"))

            wait_until(counted_in_redis, 10, "the limits to be kept in Redis again", step=1)
    finally:
        for client in clients:
            client.disconnect()
        for server in servers:
            quick_stop(server)
        store.stop()


def start_gunicorn(env: dict, port: int, log: Path) -> live.Server:
    """gunicorn on a fixed port (a restart keeps the URL the clients reconnect to), in its own
    process group so that SIGKILL takes the master and its worker at once, as a crash does."""
    return live.start(env, log, port=port, own_group=True)


def crash(server: live.Server) -> None:
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


class Phone:
    """A page's Socket.IO connection: it reconnects by itself, as socket.io.js does."""

    def __init__(self, session: requests.Session, base: str):
        self.events: queue.Queue = queue.Queue()
        self.connects = threading.Semaphore(0)
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.2,
                                      reconnection_delay_max=1, randomization_factor=0)
        self.client.on("connect", self.connects.release)
        self.client.on("*", lambda event, data: self.events.put((event, data)))
        cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        self.client.connect(base, headers={"Cookie": cookie}, transports=["websocket"],
                            wait_timeout=10)
        assert self.connects.acquire(timeout=10)

    def reconnected(self, timeout: float = 30) -> None:
        assert self.connects.acquire(timeout=timeout), "no reconnection"


class CourierPhone(Phone):
    """courier.js from Python: a fix goes live while connected and is queued while not; after a
    reconnection the newest queued fix (if fresh) goes live and the older ones go as one
    `delivery:positions` batch, each with its age, to become trail."""

    FRESH = 15  # seconds, as in courier.js

    def __init__(self, session: requests.Session, base: str, order_id: int):
        super().__init__(session, base)
        self.order_id, self.queue = order_id, []

    def fix(self, lat: float, lng: float) -> dict | None:
        fix = {"lat": lat, "lng": lng, "accuracy": 8, "t": time.monotonic()}
        if not self.client.connected:
            self.queue.append(fix)
            return None
        try:
            return self.live(fix)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            self.queue.append(fix)  # no answer: it goes again on reconnect, as late
            return None

    def live(self, fix: dict) -> dict:
        return self.client.call("delivery:position", {
            "order_id": self.order_id, "lat": fix["lat"], "lng": fix["lng"],
            "accuracy": fix["accuracy"]}, timeout=5)

    def flush(self) -> tuple[dict | None, dict | None]:
        live_ack = batch_ack = None
        newest = self.queue[-1] if self.queue else None
        if newest and time.monotonic() - newest["t"] < self.FRESH:
            self.queue.pop()
            live_ack = self.live(newest)
        if self.queue:
            now = time.monotonic()
            batch_ack = self.client.call("delivery:positions", {
                "order_id": self.order_id, "fixes": [
                    {"lat": f["lat"], "lng": f["lng"], "accuracy": f["accuracy"],
                     "age": now - f["t"]} for f in self.queue]}, timeout=10)
            self.queue = []
        return live_ack, batch_ack


def test_server_killed_mid_delivery_courier_resends_and_buyer_catches_up(tmp_path):
    db_path = tmp_path / "crash.db"
    env = live.base_env(f"sqlite:///{db_path}")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    port, log = live.free_port(), ARTIFACTS / "gunicorn-faults-crash.log"
    log.write_text("")
    server = start_gunicorn(env, port, log)
    phones = []
    try:
        base = server.url
        buyer, _ = login(base, *logins["买家"])
        merchant, _ = login(base, *logins["商家"])
        courier, _ = login(base, *logins["骑手"])
        order_id = place_and_dispatch(base, buyer, merchant)
        detail = f"/delivery/{order_id}"
        assert htmx_post(courier, base, f"{detail}/start", detail).status_code == 200

        buyer_phone = Phone(buyer, base)
        courier_phone = CourierPhone(courier, base, order_id)
        phones += [buyer_phone, courier_phone]
        heard = buyer_phone.events
        assert buyer_phone.client.call("order:watch", {"order_id": order_id}, timeout=10)["ok"]
        assert courier_phone.fix(39.9042, 116.4300) == {"ok": True}
        assert wait_for(heard, "delivery:position")["lng"] == 116.4300

        # The process dies with SIGKILL: both sockets drop; the courier keeps taking fixes.
        crash(server)
        wait_until(lambda: not buyer_phone.client.connected
                   and not courier_phone.client.connected, 10, "the sockets to drop")
        for lng in (116.4335, 116.4370):
            time.sleep(1.1)
            assert courier_phone.fix(39.9050, lng) is None  # queued
        assert len(courier_phone.queue) == 2

        # A new process on the same port and database; both pages reconnect by themselves.
        server = start_gunicorn(env, port, log)
        buyer_phone.reconnected()
        # The buyer's page watches again and catches up with what was stored before the crash.
        snapshot = buyer_phone.client.call("order:watch", {"order_id": order_id}, timeout=10)
        assert snapshot["ok"] and snapshot["status"] == "delivering"
        assert (snapshot["position"]["lat"], snapshot["position"]["lng"]) == (39.9042, 116.4300)

        # The courier's page resends: the newest fix live (the buyer's marker), the other late.
        courier_phone.reconnected()
        live_ack, batch_ack = courier_phone.flush()
        assert live_ack == {"ok": True}
        assert batch_ack == {"ok": True, "stored": 1, "skipped": 0}
        moved = wait_for(heard, "delivery:position")
        assert (moved["lat"], moved["lng"], moved["late"]) == (39.9050, 116.4370, False)
        assert wait_for(heard, "delivery:late")["points"][0]["lng"] == 116.4335

        # A page opened now (or one that reconnects again) gets the same picture. (Watched
        # again on the same connection, the order comes back light: the page has its trail.)
        opened = Phone(buyer, base)
        phones.append(opened)
        snapshot = opened.client.call("order:watch", {"order_id": order_id}, timeout=10)
        assert (snapshot["position"]["lat"], snapshot["position"]["lng"]) == (39.9050, 116.4370)
        assert [(p["lng"], p["late"]) for p in snapshot["trail"]] == [
            (116.4300, False), (116.4335, True), (116.4370, False)]
        with sqlite3.connect(db_path) as connection:
            assert connection.execute(
                "SELECT count(*), sum(late) FROM track_point").fetchone() == (3, 1)
    finally:
        for phone in phones:
            phone.client.disconnect()
        quick_stop(server)
