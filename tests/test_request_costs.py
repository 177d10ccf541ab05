"""The per-request savings of webapp/request_costs.py: the session cookie's signer made once
per set of keys (a new key still refuses cookies of the old one), the CSP written once per
policy (and as Flask-Talisman writes it), a session's form token signed once, Flask's coroutine
check once per function; and pages passing Socket.IO's middleware by."""
from __future__ import annotations

import time

import flask
import flask_talisman
import pytest
from flask import session
from flask_socketio import _SocketIOMiddleware
from flask_wtf.csrf import validate_csrf

from tests.support.database import app_with_tables
from webapp.config import TestConfig
from webapp.extensions import talisman
from webapp.request_costs import form_token
from webapp.socket_handshakes import HandshakeLimit


def test_the_session_signer_follows_the_secret_key(app):
    @app.get("/t/remember")
    def remember():
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    client = app.test_client()
    assert [client.get("/t/remember").text for _ in range(2)] == ["1", "2"]
    old = app.secret_key
    app.secret_key = "another-key"
    assert client.get("/t/remember").text == "1"  # the cookie of the old key is refused
    assert client.get("/t/remember").text == "2"
    app.config["SECRET_KEY_FALLBACKS"] = ["another-key"]
    app.secret_key = old
    assert client.get("/t/remember").text == "3"  # signed with a fallback: still read


@pytest.mark.parametrize("policy", [
    {"default-src": "'self'", "img-src": ["'self'", "data:"]}, "default-src 'none'; img-src 'self'",
])
def test_a_policy_is_written_as_flask_talisman_writes_it(app, policy):
    with app.test_request_context():
        expected = flask_talisman.Talisman._parse_policy(talisman, policy)
        assert talisman._parse_policy(policy) == expected
        assert talisman._parse_policy(policy) == expected  # kept
        other = {"default-src": "'none'"}
        assert talisman._parse_policy(other) == "default-src 'none'"


def test_pages_carry_the_app_policy(client):
    csp = client.get("/sw.js").headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'self'; script-src 'self'") and "frame-ancestors 'none'" in csp
    assert client.get("/sw.js").headers["Content-Security-Policy"] == csp


def test_a_session_form_token_is_signed_once_and_stays_valid(app):
    @app.get("/t/token")
    def token():
        return form_token()

    first, second = app.test_client(), app.test_client()
    mine = {first.get("/t/token").text for _ in range(3)}
    theirs = second.get("/t/token").text
    assert len(mine) == 1 and theirs not in mine  # one per session, not shared
    with app.test_request_context():
        session["csrf_token"] = next(iter(app.extensions["signed_form_tokens"]))
        validate_csrf(app.extensions["signed_form_tokens"][session["csrf_token"]])
    # With a time limit the token is signed on every request, as Flask-WTF does.
    app.extensions["signed_form_tokens"].clear()
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    third = app.test_client()
    third.get("/t/token")
    with third.session_transaction() as kept:
        assert kept["csrf_token"]
    assert app.extensions["signed_form_tokens"] == {}


def test_hooks_and_views_are_asked_once_whether_they_are_coroutines(app):
    def plain():
        return "plain"

    async def coroutine():
        return "async"

    assert app.ensure_sync(plain) is plain and app.ensure_sync(plain) is plain
    assert app._plain_functions[plain] is True
    with pytest.raises(RuntimeError, match="async"):  # Flask's answer without asgiref
        app.ensure_sync(coroutine)
    assert app._plain_functions[coroutine] is False


def test_pages_skip_the_socket_middleware_and_sockets_do_not(app):
    limit = app.wsgi_app
    assert isinstance(limit, HandshakeLimit)
    assert isinstance(limit.wsgi_app, _SocketIOMiddleware)  # /socket.io/ goes through it
    assert limit.pages is limit.wsgi_app.wsgi_app  # pages go straight to the app under it
    assert app.test_client().get("/socket.io/?EIO=4&transport=polling").status_code == 200


class Https(TestConfig):
    HTTPS = True


@pytest.mark.parametrize("config", [TestConfig, Https], ids=["http", "https"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_security_headers_are_flask_talisman_s_own(config, scheme):
    """The headers kept per view and scheme are the ones Flask-Talisman sets, on either kind of
    app (one Talisman serves both), and an HTTPS app still sends plain HTTP to HTTPS."""
    for app in app_with_tables(config):
        client = app.test_client()
        response = client.get("/sw.js", base_url=f"{scheme}://localhost")
        if config is Https and scheme == "http":
            assert response.status_code == 302
            assert response.headers["Location"].startswith("https://localhost/sw.js")
            continue
        with app.test_request_context("/sw.js", base_url=f"{scheme}://localhost"):
            app.preprocess_request()
            probe = app.response_class()
            probe.headers.clear()
            flask_talisman.Talisman._set_response_headers(talisman, probe)
        expected = dict(probe.headers.items())
        assert {name: response.headers.get(name) for name in expected} == expected
        assert ("Strict-Transport-Security" in response.headers) is (config is Https)


def test_a_kept_session_cookie_is_checked_for_age_and_never_shared(app, monkeypatch):
    """A verified cookie's payload is kept by the whole cookie string: a changed byte is
    verified afresh (and refused), an expired one is refused though kept, and a request that
    changes its session in place leaves the kept payload as it was."""
    @app.get("/t/basket")
    def basket():
        items = session.setdefault("items", [])
        before = list(items)
        items.append("x")  # in place; a 400 below means the change is never saved
        return (str(before), 400) if flask.request.args.get("fail") else str(before)

    client = app.test_client()
    client.get("/t/basket")  # the session now holds ["x"]
    cookie = client.get_cookie("session").value
    assert client.get("/t/basket?fail=1").text == "['x']"
    assert client.get("/t/basket?fail=1").text == "['x']"  # the kept payload is unchanged
    client.set_cookie("session", cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1])
    assert client.get("/t/basket?fail=1").text == "[]"  # a forged signature: a new session
    client.set_cookie("session", cookie)
    assert client.get("/t/basket?fail=1").text == "['x']"
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 5
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/t/basket?fail=1").text == "[]"  # too old, though kept
