"""Property-based fuzzing of every Socket.IO event: any JSON payload (None, numbers too big for a
column, NaN, infinity, strings, nested lists and objects) from a user of the event's role. The
handler never raises, always acks with a JSON object, and nothing is stored unless it said ok."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.chat import chat_payloads
from tests.support.security import changed_tables, snapshot
from webapp.extensions import socketio

# Examples per run: the Hypothesis profile (tests/conftest.py); db: run again on PostgreSQL.
pytestmark = [pytest.mark.fuzz, pytest.mark.db]

# Who sends each event: the role it is meant for, owning the order the payload may name.
SENDERS = {
    "order:watch": "buyer_a",
    "delivery:position": "courier_a",
    "delivery:positions": "courier_a",
    "demands:watch": "merchant_a",
    "track:watch": "buyer_a",  # anyone with a link may; the payload is what is fuzzed
    **{e: "buyer_a" for e in ("chat:join", "chat:send", "chat:read", "chat:unread")},
}
# Only these store anything, and only with an ok ack.
STORING = {"delivery:position", "delivery:positions", "chat:send", "chat:read"}
KEYS = ["order_id", "lat", "lng", "accuracy", "speed", "heading", "fixes", "age", "scope",
        "token"]


def _events():
    from webapp import create_app
    from webapp.config import TestConfig

    create_app(TestConfig)
    return sorted(set(socketio.server.handlers["/"]) - {"connect", "disconnect"})


def scalars(ids):
    return st.one_of(
        st.none(), st.booleans(), st.sampled_from(ids),
        # Engine.IO itself refuses a number of more than 100 digits before any handler runs.
        st.integers(-(10**99) + 1, 10**99), st.sampled_from([2**31, 2**63, 10**99, -1, 0]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([39.9, 116.4, 1e309, -0.0, 5e-324]),
        st.text(max_size=20), st.sampled_from(["1", "all", "mine", "\x00", "9" * 30, "NaN"]))


def payloads(ids, event, token=""):
    def nest(children):
        return st.one_of(st.lists(children, max_size=4),
                         st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)),
                                         children, max_size=6))

    leaf = scalars(ids)
    tree = st.recursive(leaf, nest, max_leaves=12)

    def near(low, high):
        return st.one_of(st.floats(low, high), st.floats(low, high), st.floats(low, high), leaf)

    fix = st.fixed_dictionaries(
        {"lat": near(-90, 90), "lng": near(-180, 180)},
        optional={"accuracy": near(0, 100), "speed": near(0, 50), "heading": near(0, 360),
                  "age": near(0, 600)})
    # Mostly an object shaped like the event's own, so the checks behind the first are reached.
    mine = st.sampled_from(ids[:2])  # courier A's deliveries under way
    position = st.builds(lambda order_id, fix: {"order_id": order_id, **fix},
                         st.one_of(mine, mine, st.sampled_from(ids), leaf), fix)
    late = st.builds(lambda age, fix: {"age": age, **fix}, near(0, 600), fix)
    batch = st.fixed_dictionaries({"order_id": st.one_of(mine, mine, st.sampled_from(ids), leaf),
                                   "fixes": st.one_of(st.lists(late, min_size=1, max_size=4),
                                                      st.lists(late, min_size=1),
                                                      st.lists(fix, max_size=3), leaf)})
    watch = st.fixed_dictionaries({}, optional={"order_id": st.one_of(st.sampled_from(ids), leaf),
                                                "scope": st.one_of(st.just("all"), leaf)})
    # A shared tracking link's watch: buyer A's link, an altered one, or anything.
    link = st.fixed_dictionaries({"token": st.one_of(st.just(token), st.just(token),
                                                     st.just(token[:-1] + "x"), leaf)})
    own = {"delivery:position": position, "delivery:positions": batch,
           "track:watch": link}.get(event, watch)
    if event.startswith("chat:"):  # the conversation's id is the last of `ids`
        own = chat_payloads(event, ids[-1], leaf)
    return st.one_of(own, own, own, tree, st.one_of(watch, position, batch))


def test_every_socket_event_is_fuzzed(app):
    assert set(_events()) == set(SENDERS)


@pytest.mark.parametrize("event", _events())
def test_a_fuzzed_socket_event_never_breaks_the_handler(app, victims, login_as, socket_client,
                                                        event):
    app.config["POSITION_MIN_INTERVAL"] = 0  # so that valid positions are stored, not too_fast
    client = app.test_client()
    login_as(getattr(victims, SENDERS[event]), client)
    socket = socket_client(client)
    assert socket.is_connected()
    ids = [victims.delivering.id, victims.delivering_fail.id, victims.placed.id,
           victims.completed.id, victims.chat.id]

    acks = []

    @given(payloads(ids, event, victims.track_token))
    def send(payload):
        before = snapshot()
        ack = socket.emit(event, payload, callback=True)
        acks.append(ack)
        socket.get_received()
        assert isinstance(ack, dict), (event, payload, ack)
        assert "ok" in ack or event == "order:watch" and "status" in ack
        after = snapshot()
        if event in STORING and ack.get("ok") is True and ack.get("stored", 1):
            assert changed_tables(before, after), (event, payload, ack)
        else:
            assert changed_tables(before, after) == [], (event, payload, ack)
        for value in ack.values():
            assert not (isinstance(value, float) and not math.isfinite(value)), ack

    send()
    # The fuzzing reached past the checks: some payloads were good enough to be taken.
    assert any(isinstance(ack, dict) and ack.get("ok") is True for ack in acks), (
        event, {str(ack) for ack in acks})


def _expected_refusal(event: str, args: list) -> bool:
    """webapp/socket_guard.py: one argument, a JSON object (demands:watch's may be left out)."""
    optional = event == "demands:watch"
    if len(args) == 1:
        return not (isinstance(args[0], dict) or args[0] is None and optional)
    return not (args == [] and optional)


@pytest.mark.parametrize("event", _events())
def test_any_number_of_arguments_is_answered(app, victims, login_as, socket_client, event):
    client = app.test_client()
    login_as(getattr(victims, SENDERS[event]), client)
    socket = socket_client(client)
    ids = [victims.delivering.id, victims.placed.id]

    @given(st.lists(payloads(ids, event), max_size=3))
    def send(args):
        before = snapshot()
        ack = socket.emit(event, *args, callback=True)
        socket.get_received()
        assert isinstance(ack, dict), (event, args, ack)
        if _expected_refusal(event, args):
            assert ack == {"ok": False, "error": "bad_request"}, (event, args, ack)
        if ack.get("ok") is not True:
            assert changed_tables(before, snapshot()) == [], (event, args, ack)

    send()
    assert socket.is_connected()


# Socket.IO frames as Engine.IO hands them over: an event's head (type, attachments, namespace,
# ack id) before a body that may not decode, any text, any bytes. Connect (0) and disconnect (1)
# are left out: they are python-socketio's own business and would end the test's connection.
HEADS = ["2", "21", "2/x,3", "22", "3", "37", "4", "5", "51-8", "51-", "6", "7", "9", ""]
BODIES = ['["order:watch"', "[]", "{}", "[7]", "[null]", '["order:watch",' + "[" * 3000,
          '["order:watch",{"order_id":1e999}]', '["delivery:positions",{"fixes":[[[]]]}]']


def frames():
    broken = st.builds(lambda head, body: head + body, st.sampled_from(HEADS),
                       st.one_of(st.sampled_from(BODIES), st.text(max_size=30)))
    return st.one_of(broken, st.text(max_size=30), st.binary(max_size=30)).filter(
        lambda frame: frame[:1] not in ("0", "1", b"0", b"1"))


def test_made_up_frames_never_break_the_socket(app, victims, login_as, socket_client, caplog):
    client = app.test_client()
    login_as(victims.buyer_a, client)
    socket = socket_client(client)
    hand_over = socketio.server.eio.handlers["message"]  # what Engine.IO calls with each message

    @given(frames())
    def send(frame):
        before = snapshot()
        socket.acks = None
        hand_over(socket.eio_sid, frame)
        ack, _ = socket.acks, socket.get_received()
        if ack is not None:
            assert ack["args"] and isinstance(ack["args"][0], dict) and "ok" in ack["args"][0], (
                frame, ack)
        assert changed_tables(before, snapshot()) == [], frame

    send()
    assert not any(record.exc_info for record in caplog.records)
    # Still connected, and served.
    ack = socket.emit("order:watch", {"order_id": victims.placed.id}, callback=True)
    assert ack["id"] == victims.placed.id
