"""New Engine.IO sessions, limited before they cost anything.

An Engine.IO handshake (a /socket.io/ request without a `sid`) makes the server keep a session, a
queue and a ping task for it until it times out, whether or not a Socket.IO connect follows;
the connect handler, which refuses anonymous users, comes later. So the limit sits in a WSGI
middleware in front of the Engine.IO app: SOCKET_HANDSHAKE_LIMIT (Flask-Limiter notation) per
client address (behind TRUSTED_PROXIES proxies, the address they forwarded), or per account
when the request carries a session cookie signed by this app for a signed-in user, so people
behind one address (an office, a carrier's NAT) do not share a budget. Past it: 429 with
Retry-After. Counted in RATELIMIT_STORAGE_URI (Redis when scaled out), in this process's memory
while that storage is away; off with RATELIMIT_ENABLED=0. A long-polling post that is too long
or holds a packet no client sends that way is answered 400 here, before Engine.IO, which would
wait forever inside it (a stuck greenlet per session). A websocket is read at most
SOCKET_BYTES_PER_SECOND (PacedSocket).
"""
from __future__ import annotations

import io
import logging
import math
import time
from functools import cached_property
from urllib.parse import parse_qs

from itsdangerous import BadSignature
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.http import parse_cookie

from webapp.extensions import socketio
from webapp.socket_guard import CLIENT_KEY, well_formed

log = logging.getLogger(__name__)


class HandshakeLimit:
    """WSGI middleware: at most SOCKET_HANDSHAKE_LIMIT new Engine.IO sessions per client."""

    def __init__(self, wsgi_app, app, path: str = "/socket.io"):
        self.wsgi_app, self.app, self.path = wsgi_app, app, path
        # Pages skip Socket.IO's middleware (Flask-SocketIO's copies the environ, Engine.IO's
        # builds a class per request under gunicorn): only /socket.io/ is theirs.
        self.pages = getattr(wsgi_app, "wsgi_app", wsgi_app)
        self.limits = parse_many(app.config["SOCKET_HANDSHAKE_LIMIT"])
        self.hops = int(app.config["TRUSTED_PROXIES"])
        self.storage_uri = app.config["RATELIMIT_STORAGE_URI"]

    # Made at the first handshake, not with the app: a memory storage starts a thread, and
    # the test suite makes thousands of apps that never see a socket.
    @cached_property
    def limiter(self) -> FixedWindowRateLimiter:
        return FixedWindowRateLimiter(storage_from_string(self.storage_uri))

    @cached_property
    def fallback(self) -> FixedWindowRateLimiter:
        return FixedWindowRateLimiter(MemoryStorage())

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(self.path):
            return self.pages(environ, start_response)
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "sid" not in query:
            key = environ[CLIENT_KEY] = self.client(environ)
            penalty = self._penalty_left(key)
            if penalty:
                return _answer(start_response, "429 Too Many Requests",
                               b"Too many connection attempts; try again later.",
                               ("Retry-After", str(math.ceil(penalty))))
            refused = self._hit(key)
            if refused is not None:
                log.warning("socket handshake refused: %s, over %s", key, refused)
                return self._too_many(refused, key, start_response)
        elif environ.get("REQUEST_METHOD") == "POST":
            refused = self._bad_post(environ)
            if refused:
                log.warning("socket post refused: sid %.40s, %s", query["sid"][0], refused)
                return _answer(start_response, "400 Bad Request", b"bad_request")
        if (self.app.config["RATELIMIT_ENABLED"] and "gunicorn.socket" in environ
                and query.get("transport") == ["websocket"]):
            environ["gunicorn.socket"] = PacedSocket(
                environ["gunicorn.socket"], self.app.config["SOCKET_BYTES_PER_SECOND"])
        return self.wsgi_app(environ, start_response)

    def _penalty_left(self, key: str) -> float:
        """Seconds `key` must still wait after being cut off for flooding (socket_guard)."""
        guard = self.app.extensions.get("socket_guard")
        if guard is None or not self.app.config["RATELIMIT_ENABLED"]:
            return 0.0
        return guard.penalty_left(key)

    def _bad_post(self, environ) -> str | None:
        """What is wrong with a long-polling post Engine.IO would choke on: too long, or a packet
        no client sends that way (Engine.IO would close the session from inside the post and
        wait forever for a poll to send the close). The body is handed on when it is fine."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return "no length"
        if length > self.app.config["SOCKET_MAX_MESSAGE_BYTES"]:
            return f"{length} bytes"
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            packets = body.decode("utf-8").split("\x1e")
        except UnicodeDecodeError:
            return "not UTF-8"
        if not all(well_formed(p, "polling") for p in packets):
            return "not an Engine.IO packet"
        return None

    def client(self, environ) -> str:
        """The account of a signed-in session cookie, else the client's address."""
        user = self._signed_in_user(environ)
        if user is not None:
            return f"user {user}"
        address = environ.get("REMOTE_ADDR", "")
        if self.hops:
            forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            if len(forwarded) >= self.hops and forwarded[-self.hops]:
                address = forwarded[-self.hops]
        return f"address {address}"

    def _signed_in_user(self, environ) -> str | None:
        interface = self.app.session_interface
        serializer = getattr(interface, "get_signing_serializer", lambda app: None)(self.app)
        cookie = parse_cookie(environ).get(self.app.config["SESSION_COOKIE_NAME"])
        if serializer is None or not cookie:
            return None
        try:
            data = serializer.loads(cookie, max_age=int(
                self.app.permanent_session_lifetime.total_seconds()))
        except BadSignature:
            return None
        user = data.get("_user_id") if isinstance(data, dict) else None
        return str(user) if user else None

    def _hit(self, key: str):
        """The first limit `key` is over (None if none), counting this handshake."""
        if not self.app.config["RATELIMIT_ENABLED"]:
            return None
        for item in self.limits:
            try:
                allowed = self.limiter.hit(item, "socket-handshake", key)
            except Exception:  # noqa: BLE001 - storage away: count here until it answers
                allowed = self.fallback.hit(item, "socket-handshake", key)
            if not allowed:
                return item
        return None

    def _too_many(self, item, key: str, start_response):
        try:
            reset = self.limiter.get_window_stats(item, "socket-handshake", key).reset_time
        except Exception:  # noqa: BLE001
            reset = time.time() + item.get_expiry()
        wait = max(1, min(item.get_expiry(), math.ceil(reset - time.time())))
        return _answer(start_response, "429 Too Many Requests",
                       b"Too many connection attempts; try again later.", ("Retry-After", str(wait)))


class PacedSocket:
    """A websocket's TCP socket read at most `rate` bytes a second (a second's worth at once),
    yielding before every read. The websocket library reads in a loop that never yields while
    data is waiting, so a client sending as fast as it can kept every other greenlet of the
    process waiting; now it waits on its own full TCP buffer instead (back-pressure: nothing it
    sent is lost, a courier's queued fixes only go slower)."""

    def __init__(self, sock, rate: float):
        self._sock, self._rate = sock, max(1024.0, float(rate))
        self._tokens, self._at = self._rate, time.monotonic()

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def recv(self, size: int, *flags) -> bytes:
        now = time.monotonic()
        self._tokens = min(self._rate, self._tokens + (now - self._at) * self._rate)
        self._at = now
        socketio.sleep(-self._tokens / self._rate if self._tokens < 0 else 0)
        data = self._sock.recv(size, *flags)
        self._tokens -= len(data)
        return data


def _answer(start_response, status: str, body: bytes, *headers) -> list[bytes]:
    start_response(status, [
        ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"), *headers])
    return [body]


def install(app) -> None:
    """Put the limit in front of the Socket.IO middleware (after socketio.init_app)."""
    app.wsgi_app = HandshakeLimit(app.wsgi_app, app)
