"""Session and socket hardening: a new session at login, and the Socket.IO handshake's Origin."""
from __future__ import annotations

import pytest
import socketio

from tests.support import live
from tests.support.helpers import url
from tests.support.live import csrf_token, demo_logins, login

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own


def test_logging_in_starts_a_new_session(app, client, make_user):
    from werkzeug.security import generate_password_hash

    from webapp.extensions import db
    from webapp.models import Role

    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user(Role.BUYER)
    user.password_hash = generate_password_hash("right-pass-1")
    db.session.commit()
    page = client.get(url(app, "auth.login")).text
    before = csrf_token(page)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"  # e.g. a fixated cookie
    answer = client.post(url(app, "auth.login"), data={
        "csrf_token": before, "login": user.email, "password": "right-pass-1"})
    assert answer.status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()
    after = csrf_token(client.get(url(app, "orders.index")).text)
    assert after != before


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("origin") / "live.db"
    env = live.base_env(f"sqlite:///{path}")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    running = live.start(env, live.ROOT / "test-artifacts" / "gunicorn-origin.log")
    yield running.url, logins
    running.stop()


def connect(base: str, cookie: str, origin: str) -> socketio.Client:
    # Long-polling sends exactly the headers given (the websocket client adds its own Origin).
    client = socketio.Client(reconnection=False)
    client.connect(base, headers={"Cookie": cookie, "Origin": origin},
                   transports=["polling"], wait_timeout=10)
    return client


def test_the_socket_handshake_refuses_another_sites_origin(server):
    base, logins = server
    session, _ = login(base, *logins["买家"])
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    # A page on another site cannot open a socket with the buyer's cookies.
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(base, cookie, "https://evil.example")
    # The app's own pages can.
    client = connect(base, cookie, base)
    assert client.connected
    client.disconnect()
