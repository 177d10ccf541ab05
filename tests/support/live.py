"""Start the real server (gunicorn + gevent, as `make run` does) for tests that need one."""
from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import socketio

from tests.support.images import signature_data_url

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(database_url: str, **extra: str) -> dict:
    env = {**os.environ, "FLASK_APP": "webapp", "APP_ENV": "production",
           "UPLOAD_DIR": tempfile.mkdtemp(prefix="uploads-"),
           "SECRET_KEY": "live-test-secret-key-not-for-production",
           "KYC_ENCRYPTION_KEY": "0iJ3hQm8dZ5y7kq1Xo2VwQnRr4tLs6uPa9bCe0fGh1I=",
           "DATABASE_URL": database_url, "MAP_TILE_URL": "", "RATELIMIT_ENABLED": "0",
           # Production needs it; a test that follows a QR code sets its server's own.
           "PUBLIC_URL": "http://127.0.0.1:5000",
           "SOCKETIO_MESSAGE_QUEUE": "", "ACCESS_LOG": "", "LOG_LEVEL": "warning",
           # A stop waits for idle keep-alive clients; tests don't need deploy's 10 s.
           "KEEPALIVE": "2"}
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self, graceful: bool = False) -> None:
        """Quick shutdown (SIGINT) unless `graceful` (SIGTERM), which waits for idle keep-alive
        clients, up to KEEPALIVE seconds: a test's teardown has no use for that wait."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM if graceful else signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start(env: dict, log_path: Path, *, port: int | None = None, target: str = "wsgi:app",
          own_group: bool = False) -> Server:
    """Run gunicorn -c deploy/gunicorn.conf.py `target` on 127.0.0.1:`port` (a free one unless
    given: a restart on the same port keeps the URL clients reconnect to) and wait until it
    serves the home page. The log is appended to. `own_group` puts master and worker in their
    own process group, so a test can SIGKILL both at once, as a crash does."""
    port = port or free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", target],
            cwd=ROOT, env={**env, "BIND": f"127.0.0.1:{port}"}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=own_group)
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}") from None
            time.sleep(0.2)


# The databases `flask db upgrade` (and `flask seed-demo`) leave, made once per session: the env
# that made each (its database and upload folder) and what the commands printed.
_TEMPLATES: dict[bool, tuple[dict, str]] = {}
# What the commands' output depends on besides the code: a template serves envs that agree.
_TEMPLATE_KEYS = ("SECRET_KEY", "KYC_ENCRYPTION_KEY", "APP_ENV")


def _template(demo: bool) -> tuple[dict, str]:
    if demo not in _TEMPLATES:
        env = base_env(f"sqlite:///{tempfile.mkdtemp(prefix='template-')}/template.db")
        flask(env, "db", "upgrade")
        _TEMPLATES[demo] = (env, flask(env, "seed-demo") if demo else "")
    return _TEMPLATES[demo]


def prepare(env: dict, demo: bool = True) -> dict[str, tuple[str, str]]:
    """Leave in env's new SQLite database and upload folder what `flask db upgrade` and (with
    `demo`) `flask seed-demo` would, and return the demo logins ({} without `demo`). The
    commands run once per session, on a template of their own; each later server gets a copy of
    it (SQLite's backup, and the stored files): a database of its own, for a few milliseconds
    instead of two app starts with the seed's password hashes and photos."""
    if env["DATABASE_URL"].startswith("sqlite:///"):
        template, printed = _template(demo)
        if all(env.get(key) == template[key] for key in _TEMPLATE_KEYS):
            path = env["DATABASE_URL"].removeprefix("sqlite:///")
            source, copy = sqlite3.connect(template["DATABASE_URL"].removeprefix("sqlite:///")), \
                sqlite3.connect(path)
            try:
                source.backup(copy)
            finally:
                source.close()
                copy.close()
            os.chmod(path, 0o600)  # as the app makes it
            shutil.copytree(template["UPLOAD_DIR"], env["UPLOAD_DIR"], dirs_exist_ok=True)
            return demo_logins(printed)
    flask(env, "db", "upgrade")
    return demo_logins(flask(env, "seed-demo")) if demo else {}


def session_log() -> Path:
    """The log of the browser tests' session server (tests/e2e/conftest.py's live_server): one per
    pytest-xdist worker and per CI lane (TEST_LANE, .ci/run), so that no two servers share one."""
    names = [os.environ.get(name, "") for name in ("TEST_LANE", "PYTEST_XDIST_WORKER")]
    return ARTIFACTS / ("gunicorn-e2e" + "".join(f"-{name}" for name in names if name) + ".log")


@contextmanager
def demo_site(directory: Path, log_path: Path):
    """A server on a new SQLite database in `directory` holding the demo data (make run's seed):
    yields (its URL, the demo logins by role) and stops it afterwards."""
    env = base_env(f"sqlite:///{directory / 'demo.db'}")
    logins = prepare(env)
    server = start(env, log_path)
    try:
        yield server.url, logins
    finally:
        server.stop()


# ---- clients of the live server -----------------------------------------------------------


def csrf_token(html: str) -> str:
    """The token every page hands htmx in <body hx-headers>."""
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def login(base: str, who: str, password: str) -> tuple[requests.Session, str]:
    """Log in through the real form; return the session and where the app sent us."""
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=10)
    answer = session.post(f"{base}/auth/login", allow_redirects=False, timeout=10, data={
        "csrf_token": csrf_token(page.text), "login": who, "password": password})
    assert answer.status_code == 303, answer.text
    return session, answer.headers["Location"]


def htmx_post(session: requests.Session, base: str, path: str, page: str, **data) -> requests.Response:
    token = csrf_token(session.get(f"{base}{page}", timeout=10).text)
    return session.post(f"{base}{path}", data={"csrf_token": token, **data}, timeout=10,
                        headers={"HX-Request": "true", "X-CSRFToken": token})


def demo_logins(printed: str) -> dict[str, tuple[str, str]]:
    rows = re.findall(r"^\s+(\S+)\s+(\S+@\S+|1\d{10})\s+(\S+)$", printed, re.M)
    return {role: (who, password) for role, who, password in rows}


def socket_for(session: requests.Session, base: str) -> tuple[socketio.Client, queue.Queue]:
    """A real Socket.IO client carrying the session's login cookies; events land in a queue."""
    events: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("*", lambda event, data: events.put((event, data)))
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    client.connect(base, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    return client, events


def wait_for(events: queue.Queue, name: str, match=lambda data: True, timeout: float = 10):
    while True:
        event, data = events.get(timeout=timeout)
        if event == name and match(data):
            return data


def place_and_dispatch(base, buyer, merchant, assign: bool = True) -> int:
    """The demo buyer orders two products to the pinned default address; the shop accepts and
    (unless `assign` is false) assigns the demo courier."""
    for product in ("1", "2"):
        token = csrf_token(buyer.get(f"{base}/s/fresh-fruit", timeout=10).text)
        added = buyer.post(f"{base}/cart/add", timeout=10, data={
            "csrf_token": token, "product_id": product, "quantity": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": token})
        assert added.status_code == 200, added.text
    checkout = re.search(r'href="(/orders/checkout/\d+)"', added.text)[1]
    page = buyer.get(f"{base}{checkout}", timeout=10).text
    placed = buyer.post(f"{base}{checkout}", allow_redirects=False, timeout=10, data={
        "csrf_token": csrf_token(page),
        "address_id": re.search(r'<input checked id="address_id-\d+" name="address_id"[^>]*'
                                r'value="(\d+)"', page)[1],
        "window": re.search(r'<option[^>]*value="([0-9T:/-]+)"', page)[1],
        "payment_method": "cod", "note": "",
        "idempotency_key": re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"',
                                     page)[1],
        # The figures the page showed.
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page)[1]})
    assert placed.status_code == 303, placed.text
    order_id = int(placed.headers["Location"].rsplit("/", 1)[1])
    detail = f"/orders/{order_id}"
    assert htmx_post(merchant, base, f"{detail}/accept", detail).status_code == 200
    if not assign:
        return order_id
    courier_id = re.search(r'<option value="(\d+)">李骑手</option>',
                           merchant.get(f"{base}{detail}", timeout=10).text)[1]
    assert htmx_post(merchant, base, f"{detail}/assign", detail,
                     courier_id=courier_id).status_code == 200
    return order_id


def sign(session, base, order_id, signature, **extra):
    page = session.get(f"{base}/orders/{order_id}", timeout=10).text
    lines = re.findall(r'name="line-(\d+)"', page)
    data = {"csrf_token": csrf_token(page), "signer_name": "张买家", "signature": signature,
            **{f"line-{line}": "accepted" for line in set(lines)}, **extra}
    return session.post(f"{base}/orders/{order_id}/sign", data=data, allow_redirects=False,
                        timeout=10)



def reason_for(step: str) -> dict:
    """What a courier who has sent no position posts with a step: "arrived" away from the pin
    (or without a position) needs a stated reason (webapp/delivery/arrival.py)."""
    return {"reason": "pin_off"} if step == "arrive" else {}


def refuse_one_line(base: str, buyer, merchant, courier) -> int:
    """The demo buyer's order delivered, its first line refused at the door (商品破损) and the
    rest signed for."""
    order_id = place_and_dispatch(base, buyer, merchant)
    page = f"/delivery/{order_id}"
    for step in ("start", "arrive"):
        assert htmx_post(courier, base, f"{page}/{step}", page,
                         **reason_for(step)).status_code == 200
    lines = sorted(set(re.findall(r'name="line-(\d+)"',
                                  buyer.get(f"{base}/orders/{order_id}", timeout=10).text)))
    signed = sign(buyer, base, order_id, signature_data_url(), **{
        f"line-{lines[0]}": "rejected", f"reason-{lines[0]}": "商品破损"})
    assert signed.status_code in (200, 303), signed.text
    return order_id

# ---- nginx in front, as deployed ----------------------------------------------------------


NGINX = Path("/usr/sbin/nginx")


def start_nginx(tmp_path: Path, upstreams: list[str], port: int) -> subprocess.Popen:
    """deploy/nginx.conf with this test's ports and its own run directory."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = conf.replace("127.0.0.1:5001", upstreams[0]).replace("127.0.0.1:5002", upstreams[1])
    conf = conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};\n"
                        "        add_header X-Upstream $upstream_addr always;")
    conf = conf.replace("instance/nginx/", f"{tmp_path}/nginx/")
    assert conf.count(str(tmp_path)) >= 5 and "X-Upstream" in conf
    if os.geteuid() == 0:
        # Started by root, nginx's workers drop to `nobody`, who cannot read a checkout under a
        # private directory (CI clones into a mktemp -d): /static/ would answer 403. A test's
        # nginx keeps the user that runs the tests; deploy/README.md covers production.
        conf = "user root;\n" + conf
    (tmp_path / "nginx").mkdir()
    (tmp_path / "nginx.conf").write_text(conf)
    with open(ARTIFACTS / "nginx-scale.log", "w") as log:
        process = subprocess.Popen([str(NGINX), "-p", str(ROOT), "-c",
                                    str(tmp_path / "nginx.conf"), "-e", "stderr",
                                    "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError((ARTIFACTS / "nginx-scale.log").read_text())
        time.sleep(0.1)


def placed_orders(database: str, count: int) -> list[int]:
    """`count` orders of the demo buyer at the demo shop, placed just now (not overdue), each
    with a line and its placed event, written straight into the server's database."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with sqlite3.connect(database) as db:
        buyer = db.execute("SELECT id FROM user WHERE email = 'buyer@example.com'").fetchone()[0]
        shop = db.execute("SELECT id FROM shop WHERE handle = 'fresh-fruit'").fetchone()[0]
        first = db.execute('SELECT coalesce(max(id), 0) + 1 FROM "order"').fetchone()[0]
        ids = list(range(first, first + count))
        window = (now + timedelta(hours=3)).isoformat(" ")
        db.executemany(
            'INSERT INTO "order" (id, buyer_id, shop_id, status, payment_method, payment_status,'
            " recipient_name, recipient_mobile, address, district_code, window_start, window_end,"
            " items_fen, delivery_fee_fen, total_fen, note, idempotency_key, created_at,"
            " updated_at) VALUES (?, ?, ?, 'placed', 'cod', 'unpaid', '张买家', '13900000002',"
            " '建国路 100 号', '110105', ?, ?, 1250, 0, 1250, '', ?, ?, ?)",
            [(i, buyer, shop, window, window, f"board-{i}", now.isoformat(" "),
              now.isoformat(" ")) for i in ids])
        db.executemany("INSERT INTO order_line (order_id, title, unit_price_fen, quantity,"
                       " reject_reason, reject_note) VALUES (?, '赣南脐橙', 1250, 1, '', '')",
                       [(i,) for i in ids])
        db.executemany("INSERT INTO order_event (order_id, actor_id, to_status, kind, params, at)"
                       " VALUES (?, ?, 'placed', 'placed', '{}', ?)",
                       [(i, buyer, now.isoformat(" ")) for i in ids])
    return ids
