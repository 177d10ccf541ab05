"""The per-request savings of webapp/request_costs.py: the session cookie's signer made once
per set of keys (a new key still refuses cookies of the old one), the CSP written once per
policy (and as Flask-Talisman writes it)."""
from __future__ import annotations

import flask_talisman
import pytest
from flask import session

from webapp.extensions import talisman


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
