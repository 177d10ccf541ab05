"""What the benchmarks share: a prepared database, real gunicorn+gevent processes, an asyncio
HTTP load generator and a small asyncio Socket.IO client (websocket transport, via wsproto)."""
from __future__ import annotations

import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import wsproto
from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, Request, TextMessage

from tests.support import live

ROOT = live.ROOT
ARTIFACTS = ROOT / "test-artifacts" / "bench"


# ---- processes -----------------------------------------------------------------------------

def prepare(database_url: str, buyers: int = 200, stock: int = 20, **extra: str) -> tuple[dict, dict]:
    """Migrate and seed a new database; return the server environment and the seed facts."""
    env = live.base_env(database_url, POSITION_MIN_INTERVAL="0.05", **extra)
    live.flask(env, "db", "upgrade")
    live.flask(env, "seed-demo")
    done = subprocess.run([sys.executable, "-m", "bench.seed", "--buyers", str(buyers),
                           "--stock", str(stock)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return env, json.loads(done.stdout.strip().splitlines()[-1])


def start(env: dict, name: str, target: str = "wsgi:app") -> live.Server:
    """gunicorn -c deploy/gunicorn.conf.py <target> on a free loopback port, once it serves /."""
    log_path = ARTIFACTS / f"{name}.log"
    log_path.unlink(missing_ok=True)
    return live.start(env, log_path, target=target)


def worker_pid(server: live.Server) -> int:
    """The gunicorn worker (the master's only child)."""
    master = server.process.pid
    return int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])


def worker_rss_kb(server: live.Server) -> int:
    """Resident memory of the gunicorn worker."""
    status = Path(f"/proc/{worker_pid(server)}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status)[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def login_cookie(base: str, who: str, password: str) -> str:
    """Log in through the real form and open the page it leads to; return the Cookie header that
    carries the session then."""
    import requests

    with requests.Session() as session:
        page = session.get(f"{base}/auth/login", timeout=30)
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page.text)[1]
        answer = session.post(f"{base}/auth/login", allow_redirects=False, timeout=30, data={
            "csrf_token": token, "login": who, "password": password})
        assert answer.status_code == 303, answer.text[:500]
        # Follow the redirect as a browser does and keep the cookie it answers with: the login
        # starts a new session, and the first page puts its form token in it. Replaying the
        # cookie from before would make every request mint a token and sign a new session cookie
        # again, which no browser pays for more than once.
        session.get(requests.compat.urljoin(f"{base}/", answer.headers["Location"]), timeout=30)
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


# ---- figures -------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Load:
    """What a load run measured: completed requests, their latencies (s), errors, wall time."""
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # seconds of the server worker's CPU while this load ran (if measured)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: what the load costs the server, whatever else the machine is
        doing (throughput on a busy, shared machine is not)."""
        return self.cpu * 1000 / len(self.latencies) if self.latencies else float("nan")

    def ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


# ---- HTTP/1.1 keep-alive client --------------------------------------------------------------

def http_request(method: str, url: str, headers: dict | None = None, body: bytes = b"") -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Accept-Encoding: identity"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    """Status, raw header block and body of one response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    m = re.search(rb"\r\ncontent-length:\s*(\d+)", lower)
    if m:
        body = await reader.readexactly(int(m[1]))
    elif b"transfer-encoding: chunked" in lower:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    else:
        body = await reader.read()
    return status, head, body


async def _hammer(url: str, concurrency: int, duration: float, headers: dict | None,
                  timeout: float = 20) -> Load:
    parts = urlsplit(url)
    raw = http_request("GET", url, headers)
    result = Load()
    stop_at = time.perf_counter() + duration

    async def worker():
        reader = writer = None
        try:
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                try:
                    if writer is None:  # a server that cannot accept shows as a timeout here
                        reader, writer = await asyncio.wait_for(
                            asyncio.open_connection(parts.hostname, parts.port), timeout)
                    writer.write(raw)
                    status, _, _ = await asyncio.wait_for(read_response(reader), timeout)
                except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
                    result.errors += 1
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    continue
                result.latencies.append(time.perf_counter() - began)
                result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            if writer is not None:
                writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - began
    return result


def hammer(url: str, concurrency: int = 32, duration: float = 5.0, headers: dict | None = None,
           warmup: float = 1.0) -> Load:
    """GET `url` over `concurrency` keep-alive connections for `duration` seconds."""
    if warmup:
        asyncio.run(_hammer(url, concurrency, warmup, headers))
    return asyncio.run(_hammer(url, concurrency, duration, headers))


def hammer_interleaved(urls: dict[str, str], concurrency: int = 32, rounds: int = 5,
                       seconds: float = 1.0, warmup: float = 0.5, headers: dict | None = None,
                       pids: dict[str, int] | None = None,
                       target_headers: dict[str, dict] | None = None) -> dict[str, Load]:
    """GET each of `urls` ({name: url}) over its own `concurrency` keep-alive connections, taking
    turns: `rounds` slices of `seconds` each, name after name, after a warm-up slice each. On a
    machine shared with other work, load that comes and goes then falls on every target alike,
    so their ratios hold where back-to-back runs of several seconds each drifted apart. The
    connections stay open across slices (the servers' keep-alive must outlast one round). With
    `pids` ({name: server worker pid}), each Load also gets the CPU its server spent on it;
    `target_headers` ({name: headers}) adds headers to one target's requests (a cookie)."""
    return asyncio.run(_interleaved(urls, concurrency, rounds, seconds, warmup, headers,
                                    pids or {}, target_headers or {}))


async def _interleaved(urls, concurrency, rounds, seconds, warmup, headers, pids, target_headers,
                       timeout=20):
    pools = {name: [None] * concurrency for name in urls}
    results = {name: Load() for name in urls}

    def run_slice(name: str, duration: float, keep: bool):
        return _slice(urls[name], pools[name], results[name], duration, keep,
                      {**(headers or {}), **target_headers.get(name, {})}, pids.get(name), timeout)

    try:
        for name in urls:
            await run_slice(name, warmup, keep=False)
        for _ in range(rounds):
            for name in urls:
                await run_slice(name, seconds, keep=True)
    finally:
        for pool in pools.values():
            for connection in pool:
                if connection is not None:
                    connection[1].close()
    return results


async def _slice(url: str, pool: list, result: Load, duration: float, keep: bool, headers: dict,
                 pid: int | None, timeout: float) -> None:
    """One target's turn: its `pool` of connections GET `url` for `duration` seconds; `keep`
    counts the requests (and the server's CPU, with its `pid`) in `result`."""
    raw = http_request("GET", url, headers)
    parts = urlsplit(url)
    stop_at = time.perf_counter() + duration
    began, cpu = time.perf_counter(), cpu_seconds(pid) if pid is not None else 0.0
    await asyncio.gather(*(_worker(pool, i, parts, raw, stop_at, result, keep, timeout)
                           for i in range(len(pool))))
    if keep:
        result.elapsed += time.perf_counter() - began
        if pid is not None:
            result.cpu += cpu_seconds(pid) - cpu


async def _worker(pool: list, i: int, parts, raw: bytes, stop_at: float, result: Load, keep: bool,
                  timeout: float) -> None:
    """Send `raw` over connection `i` of `pool` (opened as needed) until `stop_at`."""
    while time.perf_counter() < stop_at:
        began = time.perf_counter()
        try:
            if pool[i] is None:
                pool[i] = await asyncio.wait_for(
                    asyncio.open_connection(parts.hostname, parts.port), timeout)
            reader, writer = pool[i]
            writer.write(raw)
            status, _, _ = await asyncio.wait_for(read_response(reader), timeout)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
            result.errors += keep
            if pool[i] is not None:
                pool[i][1].close()
            pool[i] = None
            continue
        if keep:
            result.latencies.append(time.perf_counter() - began)
            result.statuses[status] = result.statuses.get(status, 0) + 1


# ---- Socket.IO over websocket (EIO=4) ------------------------------------------------------

class SioClient:
    """A minimal Socket.IO client: connect to "/", events, acks, answers pings."""

    def __init__(self, reader, writer, ws, on_event=None):
        self.reader, self.writer, self.ws = reader, writer, ws
        self.on_event = on_event
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.connected = asyncio.get_running_loop().create_future()
        self.closed = False
        self._text = []
        self.task = asyncio.ensure_future(self._read())

    def _send_text(self, text: str) -> None:
        self.writer.write(self.ws.send(TextMessage(data=text)))

    def emit(self, name: str, data) -> None:
        self._send_text("42" + json.dumps([name, data], separators=(",", ":")))

    async def call(self, name: str, data, timeout: float = 30):
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_ack] = future
        self._send_text(f"42{self.next_ack}" + json.dumps([name, data], separators=(",", ":")))
        return await asyncio.wait_for(future, timeout)

    def _packet(self, text: str) -> None:
        now = time.perf_counter()
        if text == "2":
            self._send_text("3")
        elif text.startswith("0"):
            self._send_text("40")
        elif text.startswith("40"):
            if not self.connected.done():
                self.connected.set_result(True)
        elif text.startswith("44"):
            if not self.connected.done():
                self.connected.set_exception(ConnectionRefusedError(text[2:]))
        elif text.startswith("42"):
            if self.on_event is not None:
                name, *args = json.loads(text[text.index("["):])
                self.on_event(name, args[0] if args else None, now)
        elif text.startswith("43"):
            i = text.index("[")
            future = self.acks.pop(int(text[2:i]), None)
            if future is not None and not future.done():
                args = json.loads(text[i:])
                future.set_result(args[0] if args else None)

    async def _read(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                self.ws.receive_data(data)
                for event in self.ws.events():
                    if isinstance(event, TextMessage):
                        self._text.append(event.data)
                        if event.message_finished:
                            text, self._text = "".join(self._text), []
                            self._packet(text)
                    elif isinstance(event, Ping):
                        self.writer.write(self.ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
        except (ConnectionError, OSError):
            pass
        finally:
            self.closed = True
            if not self.connected.done():
                self.connected.set_exception(ConnectionError("closed before connect"))

    async def close(self) -> None:
        try:
            self.writer.write(self.ws.send(CloseConnection(code=1000)))
        except Exception:  # noqa: BLE001 - already closed
            pass
        self.writer.close()
        self.task.cancel()


async def sio_connect(base: str, cookie: str | None = None, on_event=None,
                      timeout: float = 30) -> SioClient:
    parts = urlsplit(base)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=2 ** 20)
    ws = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    headers = [(b"cookie", cookie.encode())] if cookie else []
    writer.write(ws.send(Request(host=parts.netloc, target="/socket.io/?EIO=4&transport=websocket",
                                 extra_headers=headers)))
    while True:
        data = await asyncio.wait_for(reader.read(65536), timeout)
        if not data:
            raise ConnectionError("closed during the websocket handshake")
        ws.receive_data(data)
        pending = list(ws.events())
        if any(isinstance(e, RejectConnection) for e in pending):
            raise ConnectionRefusedError("websocket upgrade refused")
        if any(isinstance(e, AcceptConnection) for e in pending):
            break
    client = SioClient(reader, writer, ws, on_event)
    # Messages that came with the handshake answer.
    for event in pending:
        if isinstance(event, TextMessage):
            client._packet(event.data)
    await asyncio.wait_for(client.connected, timeout)
    return client
