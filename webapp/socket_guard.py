"""Socket.IO under abuse: no single connection can stall the process.

One gevent worker serves every page and socket of a process. Every Engine.IO message of a
connection first takes a token from that connection's bucket (SOCKET_EVENT_BURST at once,
refilled at SOCKET_EVENT_RATE a second), before it is even decoded: a message past it is dropped
(an event that asked for an ack gets {"ok": false, "error": "rate_limited"}) without a session,
a request context or the database; SOCKET_EVENT_DISCONNECT drops before the bucket is full again
end the connection. A frame that cannot be decoded or carries binary data (no event takes any),
and an event called with the wrong number of arguments or with anything but a JSON object for
one (null only where the handler has a default), get "bad_request" (where the frame names an
ack); a handler that fails gets "server_error", or "unavailable" while the database is away.
A connection's first refusal is one log line naming the user and the sid, and so is each
episode of drops: never a traceback.
"""
from __future__ import annotations

import inspect
import logging
import re
import time
import traceback

from flask import request
from socketio import packet

from webapp.errors import database_down
from webapp.extensions import db, socketio

log = logging.getLogger(__name__)

RATE_LIMITED = {"ok": False, "error": "rate_limited"}
BAD_REQUEST = {"ok": False, "error": "bad_request"}
SERVER_ERROR = {"ok": False, "error": "server_error"}
UNAVAILABLE = {"ok": False, "error": "unavailable"}
# Where socket_handshakes leaves, in a handshake's environ, the client it counted it for.
CLIENT_KEY = "webapp.socket_client"

# A Socket.IO packet's head, read without decoding its JSON: type, attachments, namespace, ack id.
_HEAD = re.compile(r"([0-6])(?:\d+-)?(?:(/[^,]{0,100}),)?(\d{1,15})?")
_NEVER_DROPPED = str(packet.DISCONNECT)
_BINARY = (str(packet.BINARY_EVENT), str(packet.BINARY_ACK))


class Bucket:
    """One connection's tokens; `dropped` counts the drops since its bucket was last full."""

    __slots__ = ("tokens", "at", "dropped", "refused")

    def __init__(self, tokens: float, at: float):
        self.tokens, self.at, self.dropped, self.refused = tokens, at, 0, 0


class Guard:
    """The limits of one Socket.IO server (one per create_app), hooked into its Engine.IO
    message and disconnect events and around each of its event handlers."""

    def __init__(self, server, config):
        self.server = server
        self.enabled = bool(config["RATELIMIT_ENABLED"]) and config["SOCKET_EVENT_RATE"] > 0
        self.burst = max(1, int(config["SOCKET_EVENT_BURST"]))
        self.rate = float(config["SOCKET_EVENT_RATE"])
        self.cutoff = max(1, int(config["SOCKET_EVENT_DISCONNECT"]))
        self.penalty = float(config["SOCKET_FLOOD_PENALTY_SECONDS"])
        self.buckets: dict[str, Bucket] = {}
        # Client (as socket_handshakes counts it) -> when it may connect again, after a cut-off.
        self.penalised: dict[str, float] = {}
        eio = server.eio
        self._message = eio.handlers["message"]
        self._disconnect = eio.handlers["disconnect"]
        eio.on("message", self.on_message)
        eio.on("disconnect", self.on_disconnect)
        # Engine.IO decodes a websocket frame outside any error handling: a frame that is no
        # Engine.IO packet ("x", a message "4[[[..." nested past the JSON decoder) ended the
        # connection with a traceback. Only well-formed frames reach it (this server's copy).
        opened = eio._async["websocket"]
        eio._async = {**eio._async, "websocket": lambda handler, server: opened(
            lambda ws: handler(CheckedWebSocket(ws, handler.__self__, eio.sleep)), server)}
        for event, handler in list(server.handlers.get("/", {}).items()):
            if event not in ("connect", "disconnect"):
                server.handlers["/"][event] = self.arity_checked(event, handler)

    def on_message(self, eio_sid: str, data) -> None:
        """Let a message through if its connection has a token left, and its frame decodes."""
        # Engine.IO reads a connection's messages one after another without yielding while
        # more are buffered: a flood would keep every other greenlet waiting.
        self.server.sleep(0)
        bucket = self.buckets.get(eio_sid)
        if bucket is None:
            if eio_sid not in self.server.environ:
                return  # read after the connection was closed
            bucket = self.buckets[eio_sid] = Bucket(self.burst, time.monotonic())
        if self.enabled and not self._take(bucket) and not _is_disconnect(data):
            self._drop(eio_sid, bucket, data)
            return
        try:
            if _is_binary(data):
                # The app's events carry no binary data; python-socketio would hold the head
                # and take the connection's next messages for its attachments.
                raise ValueError("binary packets are not taken")
            self._message(eio_sid, data)
        except Exception as error:  # noqa: BLE001 - a frame the client made up; it never reached a handler
            if self._first_refusal(eio_sid):
                log.warning("socket frame refused: user %s, sid %s, bad_request (%s: %.100s)",
                            self.user_of(eio_sid), eio_sid, type(error).__name__, error)
            self._ack(eio_sid, data, BAD_REQUEST)

    def on_disconnect(self, eio_sid: str, reason=None):
        self.buckets.pop(eio_sid, None)
        return self._disconnect(eio_sid, reason)

    def _take(self, bucket: Bucket) -> bool:
        now = time.monotonic()
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= self.burst:
            bucket.dropped = 0  # calm again: the episode is over
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        return False

    def _drop(self, eio_sid: str, bucket: Bucket, data) -> None:
        bucket.dropped += 1
        if bucket.dropped == 1:
            log.warning("socket events dropped: user %s, sid %s, rate_limited (more than %d at "
                        "once or %g a second)", self.user_of(eio_sid), eio_sid, self.burst,
                        self.rate)
        if bucket.dropped == self.cutoff:
            log.warning("socket disconnected: user %s, sid %s, rate_limited (%d events dropped "
                        "before it calmed down)", self.user_of(eio_sid), eio_sid, bucket.dropped)
            self._penalise(eio_sid)
            self.server.eio.disconnect(eio_sid)
        elif bucket.dropped < self.cutoff:
            self._ack(eio_sid, data, RATE_LIMITED)

    def _penalise(self, eio_sid: str) -> None:
        """Keep the client of a connection cut off for flooding from reconnecting for a while:
        otherwise each new connection buys it a new bucket and a new round of drops."""
        client = (self.server.environ.get(eio_sid) or {}).get(CLIENT_KEY)
        if client and self.penalty > 0:
            self.penalised[client] = time.monotonic() + self.penalty

    def penalty_left(self, client: str) -> float:
        """Seconds before `client` may open a connection again (0: it may now)."""
        until = self.penalised.get(client)
        if until is None:
            return 0.0
        left = until - time.monotonic()
        if left <= 0:
            self.penalised.pop(client, None)
            return 0.0
        return left

    def _ack(self, eio_sid: str, data, answer: dict) -> None:
        """Answer an event's ack id, read from the frame's head, with `answer`."""
        head = _HEAD.match(data) if isinstance(data, str) else None
        if head is None or head[1] not in ("2", "5") or head[3] is None:
            return
        self.server._send_packet(eio_sid, packet.Packet(
            packet.ACK, namespace=head[2] or "/", id=int(head[3]), data=[answer]))

    def arity_checked(self, event: str, handler):
        """`handler` behind a check of its arguments against the app's function: as many as it
        takes, each a JSON object (or null where the parameter defaults to None)."""
        signature = inspect.signature(inspect.unwrap(handler))

        def checked(sid, *args):
            problem = _argument_problem(signature, args)
            if problem:
                eio_sid = self.server.manager.eio_sid_from_sid(sid, "/")
                if self._first_refusal(eio_sid):
                    log.warning("socket event %s refused: user %s, sid %s, bad_request (%s)",
                                event, self.user_of(eio_sid), sid, problem)
                return BAD_REQUEST
            return handler(sid, *args)

        return checked

    def _first_refusal(self, eio_sid: str | None) -> bool:
        """Count a bad_request on this connection: true for its first (the one logged)."""
        bucket = self.buckets.get(eio_sid)
        if bucket is None:
            return True
        bucket.refused += 1
        return bucket.refused == 1

    def user_of(self, eio_sid: str | None) -> str:
        """Who a connection belongs to, from its copy of the session (for the log only)."""
        environ = self.server.environ.get(eio_sid) or {}
        saved = environ.get("saved_session") or {}
        return str(saved.get("_user_id", "anonymous"))


def well_formed(frame: str, transport: str = "websocket") -> bool:
    """An Engine.IO packet a Socket.IO client may send: close, pong, a Socket.IO message and,
    on a websocket, the upgrade's probe, upgrade and noop (over long-polling those would close
    the session from inside the post, which then waits for a poll that never comes)."""
    kinds = "123456" if transport == "websocket" else "134"
    return frame[:1] in tuple(kinds) and (frame[0] != "4" or frame[1:2].isdigit())


class CheckedWebSocket:
    """A websocket whose text frames that are no Engine.IO packet are dropped on arrival, and
    that reads nothing more once its Engine.IO socket is closed (cut off mid-flood, the client
    may have sent thousands more: Engine.IO would read them all before letting go)."""

    def __init__(self, ws, socket, sleep):
        self._ws, self._socket, self._sleep = ws, socket, sleep
        self._logged = False

    def __getattr__(self, name):
        return getattr(self._ws, name)

    def wait(self):
        while not self._socket.closed:
            frame = self._ws.wait()
            if not isinstance(frame, str) or well_formed(frame):
                return frame
            if not self._logged:
                self._logged = True
                log.warning("socket frame refused: not an Engine.IO packet (%.40r)", frame)
            self._sleep(0)
        return None


def _argument_problem(signature: inspect.Signature, args: tuple) -> str | None:
    try:
        bound = signature.bind(*args)
    except TypeError as error:
        return str(error)
    for name, value in bound.arguments.items():
        if value is None and signature.parameters[name].default is None:
            continue
        if not isinstance(value, dict):
            return f"{name} is {type(value).__name__}, not an object"
    return None


def _is_binary(data) -> bool:
    return not isinstance(data, str) or data[:1] in _BINARY


def _is_disconnect(data) -> bool:
    return isinstance(data, str) and data[:1] == _NEVER_DROPPED


def install(app) -> Guard:
    """Guard the app's Socket.IO server (after socketio.init_app)."""
    guard = Guard(socketio.server, app.config)
    app.extensions["socket_guard"] = guard
    return guard


@socketio.on_error_default
def socket_error(error):
    """Answer a failed handler with an error ack (a failed connect is refused); log one line."""
    if isinstance(error, ConnectionRefusedError):
        raise error  # a refused connect (anonymous): python-socketio answers it
    where = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    event = getattr(request, "event", {}).get("message")
    if database_down(error):
        # The database is away (a restart, a failover), as pages answer 503: the client keeps
        # what it sent (a courier's fix) and sends it again; the pool reconnects by itself.
        log.warning("socket event %s: database unavailable (%.200s)", event, error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is gone; the session is reset anyway
            pass
        return False if event == "connect" else UNAVAILABLE
    log.error("socket event %s failed: user %s, sid %s, %s: %.200s%s", event,
              (request.environ.get("saved_session") or {}).get("_user_id", "anonymous"),
              getattr(request, "sid", None), type(error).__name__, error,
              f" at {where.filename}:{where.lineno}" if where else "")
    return False if event == "connect" else SERVER_ERROR
