"""No single Socket.IO client stalls the process (webapp/socket_guard.py), against the real
server (gunicorn + gevent) with real python-socketio clients: a flood is answered rate_limited
and then cut off while another user's socket carries on; wrong arguments and made-up frames are
answered bad_request, with one log line and never a traceback; an oversized message closes only
its own connection; anonymous Engine.IO handshakes past the limit are answered 429 (and, in the
app alone, how they are counted: per address, behind trusted proxies, per signed-in account)."""
from __future__ import annotations

import json
import queue
import threading
import time

import pytest
import requests
import socketio

from tests.support import live
from tests.support.live import demo_logins, login, socket_for
from webapp import create_app
from webapp.config import TestConfig

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own

BURST, DISCONNECT_AFTER, HANDSHAKES, PENALTY = 30, 100, 30, 3
RATE_LIMITED = {"ok": False, "error": "rate_limited"}
BAD_REQUEST = {"ok": False, "error": "bad_request"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("socket-guard") / "live.db"
    env = live.base_env(f"sqlite:///{path}", RATELIMIT_ENABLED="1", SOCKET_EVENT_BURST=str(BURST),
                        SOCKET_EVENT_RATE="1", SOCKET_EVENT_DISCONNECT=str(DISCONNECT_AFTER),
                        SOCKET_MAX_MESSAGE_BYTES="16384",
                        SOCKET_HANDSHAKE_LIMIT=f"{HANDSHAKES} per minute",
                        SOCKET_FLOOD_PENALTY_SECONDS=str(PENALTY))
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    log_path = live.ARTIFACTS / "gunicorn-socket-guard.log"
    log_path.unlink(missing_ok=True)
    running = live.start(env, log_path)
    sessions = {role: login(running.url, *logins[role])[0] for role in ("买家", "商家", "骑手")}
    yield running.url, sessions, log_path
    running.stop()


def log_lines(log_path, *words: str) -> list[str]:
    return [line for line in log_path.read_text().splitlines() if all(w in line for w in words)]


def raw_frames(client: socketio.Client) -> queue.Queue:
    """Every Engine.IO message the client receives, as text (acks to frames sent by hand too)."""
    frames: queue.Queue = queue.Queue()
    handle = client.eio.handlers["message"]

    def seen(data):
        frames.put(data)
        handle(data)

    client.eio.on("message", seen)
    return frames


def close(*clients: socketio.Client) -> None:
    """Disconnect, and close the websocket of a client the server cut off (its own disconnect
    leaves it open)."""
    for client in clients:
        client.disconnect()
        if client.eio.ws is not None:
            client.eio.ws.shutdown()


def ack_of(frames: queue.Queue, ack_id: int, timeout: float = 10):
    while True:
        data = frames.get(timeout=timeout)
        if isinstance(data, str) and data.startswith(f"3{ack_id}["):
            return json.loads(data[len(str(ack_id)) + 1:])[0]


def test_a_flood_is_dropped_then_cut_off_while_another_user_carries_on(server):
    base, sessions, log_path = server
    flooder, _ = socket_for(sessions["买家"], base)
    other, _ = socket_for(sessions["商家"], base)
    sid = flooder.eio.sid
    # Past the burst (its first message, the connect, took a token too): answered rate_limited,
    # without reaching the handler.
    acks: queue.Queue = queue.Queue()
    for i in range(BURST + 10):
        flooder.emit("order:watch", {"order_id": 1 + i % 5}, callback=acks.put)
    answered = [acks.get(timeout=10) for _ in range(BURST + 10)]
    limited = [ack for ack in answered if ack == RATE_LIMITED]
    assert 5 <= len(limited) <= 11 and len(answered) - len(limited) <= BURST + 2, answered
    # Keeping on: cut off. (The acks of the last drops may be lost: the server closes a socket
    # whose unread messages make the kernel reset the connection.)
    gone = threading.Event()
    flooder.on("disconnect", lambda *reason: gone.set())
    try:
        for i in range(DISCONNECT_AFTER * 3):
            flooder.emit("order:watch", {"order_id": 1 + i % 5}, callback=lambda *ack: None)
    except socketio.exceptions.SocketIOError:
        pass  # cut off while still sending
    # Bounded: the server cuts it off after DISCONNECT_AFTER drops, well before 20 s.
    assert gone.wait(20), "the flooding socket was never disconnected"
    # Meanwhile another user's socket is served as before.
    assert other.connected
    assert other.call("order:watch", {"order_id": 1}, timeout=10) != RATE_LIMITED
    assert other.call("demands:watch", {"scope": "mine"}, timeout=10) != RATE_LIMITED
    # One line for the drops and one for the disconnect, naming the user and the connection.
    assert len(log_lines(log_path, "socket events dropped", sid, "rate_limited", "user ")) == 1
    assert len(log_lines(log_path, "socket disconnected", sid, "rate_limited")) == 1
    # Cut off, the same user may not connect again at once (429 at the handshake: no new
    # bucket to flood with), while another user connects as usual...
    with pytest.raises(socketio.exceptions.ConnectionError):
        socket_for(sessions["买家"], base)
    newcomer, _ = socket_for(sessions["商家"], base)
    # ...and comes back once the penalty has passed (a new connection, a new bucket).
    again = reconnect_when_allowed(sessions["买家"], base, within=PENALTY + 10)
    assert again.call("order:watch", {"order_id": 1}, timeout=10) != RATE_LIMITED
    close(flooder, other, newcomer, again)


def reconnect_when_allowed(session, base: str, within: float) -> socketio.Client:
    deadline = time.monotonic() + within
    while True:
        try:
            return socket_for(session, base)[0]
        except socketio.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# (event, who sends it, what the handler makes of an object that names nothing)
EVENTS = [("order:watch", "买家"), ("delivery:position", "骑手"), ("delivery:positions", "骑手"),
          ("demands:watch", "商家")]
WRONG = {
    "no arguments": (), "two objects": ({"order_id": 1}, {"order_id": 1}),
    "a list": ([1, 2],), "a string": ("1",), "a number": (1,), "true": (True,),
    "three": ({}, {}, {}),
}


def nested(depth: int) -> dict:
    tree: dict = {"order_id": 1}
    for _ in range(depth):
        tree = {"order_id": tree, "lat": [tree and 1], "fixes": [{"lat": 1}]}
    return tree


@pytest.mark.parametrize("event,who", EVENTS)
def test_wrong_arguments_get_bad_request_and_no_traceback(server, event, who):
    base, sessions, log_path = server
    client, _ = socket_for(sessions[who], base)
    try:
        for case, args in WRONG.items():
            ack = client.call(event, args if len(args) != 1 else args[0], timeout=10) \
                if args else client.call(event, timeout=10)
            if not args and event == "demands:watch":
                assert ack.get("ok") is True, ack  # its argument is optional
                continue
            assert ack == BAD_REQUEST, (case, ack)
        # null where the handler has no default; a deep object in the fields it reads.
        if event != "demands:watch":
            assert client.call(event, (None,), timeout=10) == BAD_REQUEST
            assert client.call(event, nested(60), timeout=10)["error"] == "bad_request"
        assert client.connected
    finally:
        client.disconnect()
    assert log_lines(log_path, f"socket event {event} refused", "bad_request")
    assert "Traceback" not in log_path.read_text()


# Socket.IO packets as the client's Engine.IO layer sends them (it adds the message type, 4).
FRAMES = {
    "truncated JSON": '2{id}["order:watch",{{"order_id":',
    "an object, not a list": '2{id}{{"order_id":1}}',
    "an empty list": "2{id}[]",
    "nested past the decoder": '2{id}["order:watch",' + "[" * 3000 + "]" * 3000 + "]",
    "a number for the name": "2{id}[7,{{}}]",
    "binary attachment": '51-{id}["order:watch",{{"_placeholder":true,"num":0}}]',
}


def test_made_up_frames_get_bad_request_and_the_socket_stays(server):
    base, sessions, log_path = server
    client, _ = socket_for(sessions["买家"], base)
    frames = raw_frames(client)
    sid = client.eio.sid
    try:
        for n, (case, frame) in enumerate(FRAMES.items(), start=900):
            client.eio.send(frame.format(id=n))
            if case == "binary attachment":
                client.eio.send(b"\x00\xff garbage")
            if case != "a number for the name":  # an event nobody handles: no answer
                assert ack_of(frames, n) == BAD_REQUEST, case
        # Frames with no ack id to answer, and bytes out of nowhere: dropped.
        for frame in ("4zz", "2/nowhere,", b"\x89PNG\r\n\x1a\n\x00", "9", "", "3[1]"):
            client.eio.send(frame)
        # Websocket frames that are no Engine.IO packet at all: dropped on arrival.
        for frame in ("x", "", "9", "4" + "[" * 5000, "4{}"):
            client.eio.ws.send(frame)
        assert client.call("order:watch", {"order_id": 1}, timeout=10) != BAD_REQUEST
    finally:
        client.disconnect()
    assert len(log_lines(log_path, "socket frame refused", sid, "bad_request")) == 1
    assert "Traceback" not in log_path.read_text()


@pytest.mark.parametrize("body,status", [
    ("40", 200), ("3", 200), ("1", 200),  # a connect, a pong, a close: what clients post
    ("6", 400), ("2probe", 400), ("5", 400), ("9", 400), ("x", 400), ("", 400),
    ("4" + "[" * 5000, 400), ("\x00\xff", 400), ("40\x1e6", 400), ("4" + "2" * 20_000, 400),
])
def test_long_polling_posts_engine_io_would_choke_on_are_answered_400(server, body, status):
    """Engine.IO closed the session from inside such a post and then waited, forever, for a
    poll to carry the close: each one a stuck request. Answered at once now (bounded here by
    the client's timeout)."""
    base, _, log_path = server
    with requests.Session() as anonymous:
        opened = anonymous.get(f"{base}/socket.io/?EIO=4&transport=polling", timeout=10)
        sid = json.loads(opened.text[1:])["sid"]
        answer = anonymous.post(f"{base}/socket.io/?EIO=4&transport=polling&sid={sid}",
                                data=body.encode(), timeout=10)
    assert answer.status_code == status, answer.text
    assert "Traceback" not in log_path.read_text()


def test_an_oversized_message_closes_only_its_connection(server):
    base, sessions, log_path = server
    big, _ = socket_for(sessions["买家"], base)
    other, _ = socket_for(sessions["商家"], base)
    gone = threading.Event()
    big.on("disconnect", lambda *reason: gone.set())
    big.emit("order:watch", {"order_id": 1, "pad": "x" * 40_000})
    assert gone.wait(10)
    assert other.call("demands:watch", timeout=10).get("ok") is True
    close(big, other)
    assert "Traceback" not in log_path.read_text()


def test_anonymous_handshakes_past_the_limit_get_429(server):
    base, sessions, log_path = server
    statuses = []
    with requests.Session() as anonymous:
        for _ in range(HANDSHAKES + 3):
            answer = anonymous.get(f"{base}/socket.io/?EIO=4&transport=polling", timeout=10)
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert int(answer.headers["Retry-After"]) >= 1
    assert 429 in statuses and statuses[0] == 200
    assert statuses.index(429) <= HANDSHAKES and set(statuses[statuses.index(429):]) == {429}
    assert log_lines(log_path, "socket handshake refused", "address 127.0.0.1")
    # A signed-in user's socket has its own budget, kept by account, not address.
    client, _ = socket_for(sessions["骑手"], base)
    assert client.connected
    client.disconnect()


# ---- the handshake limit in the app, table by table (no server needed: it is WSGI) ----------

def handshake_client(**settings):
    config = type("HandshakeConfig", (TestConfig,), {
        "RATELIMIT_ENABLED": True, "SOCKET_HANDSHAKE_LIMIT": "3 per minute", **settings})
    return create_app(config).test_client()


def handshake(client, address="10.0.0.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.get("/socket.io/?EIO=4&transport=polling", headers=headers,
                      environ_base={"REMOTE_ADDR": address}).status_code


def test_handshakes_are_counted_per_address_and_only_without_a_sid():
    client = handshake_client()
    assert [handshake(client) for _ in range(3)] == [200, 200, 200]
    answer = client.get("/socket.io/?EIO=4&transport=polling", environ_base={
        "REMOTE_ADDR": "10.0.0.1"})
    assert answer.status_code == 429 and 1 <= int(answer.headers["Retry-After"]) <= 60
    assert handshake(client, "10.0.0.2") == 200  # another address
    # A request with a sid is no handshake: Engine.IO answers it (here: no such session).
    assert client.get("/socket.io/?EIO=4&transport=polling&sid=gone", environ_base={
        "REMOTE_ADDR": "10.0.0.1"}).status_code == 400


@pytest.mark.parametrize("proxies,forwarded,expected", [
    (0, ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], [200, 200, 200, 429]),  # header ignored
    (1, ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], [200, 200, 200, 200]),  # one each
    (1, ["9.9.9.9, 1.1.1.1"] * 4, [200, 200, 200, 429]),  # only nginx's own entry counts
])
def test_behind_trusted_proxies_the_forwarded_address_is_counted(proxies, forwarded, expected):
    client = handshake_client(TRUSTED_PROXIES=proxies)
    assert [handshake(client, "127.0.0.1", f) for f in forwarded] == expected


def test_a_signed_in_session_has_its_own_budget_and_a_forged_one_none():
    client = handshake_client()
    assert [handshake(client) for _ in range(4)][-1] == 429
    forged = handshake_client(SECRET_KEY="someone-else").application
    with forged.test_client() as other:
        with other.session_transaction() as session:
            session["_user_id"] = "1"
        client.set_cookie("session", other.get_cookie("session").value)
    assert handshake(client) == 429  # not signed by this app: the address's budget
    with client.session_transaction() as session:
        session["_user_id"] = "1"
    assert [handshake(client) for _ in range(4)] == [200, 200, 200, 429]
