"""With CSRF protection on, as in production: every state-changing route of the URL map refuses a
request without a valid token, says why, and changes nothing."""
from __future__ import annotations

import json
import re

import pytest

from tests.support.helpers import HX
from tests.support.security import (
    FORMS,
    OBJECTS,
    OWNER,
    SENDERS,
    changed_tables,
    path_for,
    rules,
    snapshot,
)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
EXPIRED = "页面已过期，请刷新后重试。"


# Routes a form token cannot protect, and what protects them instead.
EXEMPT = {"payments.notify": "a payment gateway's notification: acted on only when it carries "
                             "the gateway's valid signature (tests/payments)"}


# The security suite's app (tests/security/conftest.py) with CSRF protection on.
APP_SETTINGS = {"WTF_CSRF_ENABLED": True}


def state_changing(app) -> list[tuple[str, str, object]]:
    return sorted((rule.endpoint, method, rule) for rule in rules(app)
                  for method in rule.methods & STATE_CHANGING)


def test_every_state_changing_route_has_a_sender(app):
    endpoints = {endpoint for endpoint, _, _ in state_changing(app)} - set(EXEMPT)
    assert endpoints - set(SENDERS) - set(OBJECTS) == set()
    assert endpoints, "no state-changing route found: the enumeration is broken"


def _requests(app, v):
    for endpoint, method, rule in state_changing(app):
        if endpoint in EXEMPT:
            continue
        if endpoint in SENDERS:
            sender, form = SENDERS[endpoint]
            values, data = {}, form(v)
        else:
            sender, values = OWNER[endpoint], OBJECTS[endpoint](v)
            data = FORMS.get(endpoint, lambda app, v: {})(app, v)
        yield endpoint, method, path_for(app, endpoint, values), sender, data


def body_token(text: str) -> str:
    attribute = re.search(r"<body\b[^>]*\bhx-headers='([^']*)'", text)
    assert attribute is not None
    return json.loads(attribute.group(1))["X-CSRFToken"]


def token_page(app, user) -> str:
    """A page that gives this visitor's session a token: anonymous visitors' catalog pages carry
    none (webapp/shared_pages.py), the sign-in page does."""
    return path_for(app, "auth.login" if user is None else "shops.index", {})


@pytest.mark.parametrize("token", ["none", "garbage", "another session's"])
def test_no_token_no_change(app, victims, as_user, login_as, token):
    problems = []
    stranger = as_user(victims.buyer)
    stolen = body_token(stranger.get(path_for(app, "shops.index", {})).text)

    for endpoint, method, path, sender, data in _requests(app, victims):
        user = None if sender == "anonymous" else getattr(victims, sender)
        client = as_user(user)
        client.get(token_page(app, user))  # a session with a token of its own
        for headers in ({}, HX):
            sent = dict(headers)
            form = dict(data)
            if token == "garbage":
                sent["X-CSRFToken"] = "garbage"
                form["csrf_token"] = "garbage"
                # ... posted by a form on another site, as the browser says (the language
                # switch needs no token, but refuses this).
                sent.update({"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
            elif token == "another session's":
                sent["X-CSRFToken"] = stolen
                form["csrf_token"] = stolen
            if user is not None:
                login_as(user, client)
            before = snapshot()
            response = client.open(path, method=method, data=form, headers=sent)
            text = response.get_data(as_text=True)
            response.close()
            cell = f"{sender} {method} {path} {'htmx' if headers else 'page'} " \
                   f"-> {response.status_code}"
            if response.status_code not in (400, 403) or EXPIRED not in text:
                problems.append(f"{cell}: not refused as expired")
            if tables := changed_tables(before, snapshot()):
                problems.append(f"{cell}: changed {tables}")
        if user is not None:
            with client.session_transaction() as session:
                if session.get("_user_id") != user.get_id():
                    problems.append(f"{sender} {method} {path}: logged out without a token")
    assert not problems, "\n".join(problems)


def test_with_the_pages_token_the_same_requests_go_through(app, victims, as_user):
    """The control: the refusals above are the token's doing."""
    problems = []
    for endpoint, method, path, sender, data in _requests(app, victims):
        user = None if sender == "anonymous" else getattr(victims, sender)
        client = as_user(user)
        token = body_token(client.get(token_page(app, user)).text)
        # What a browser adds to a request from one of our pages (the language switch's proof).
        response = client.open(path, method=method, data=data, headers={
            **HX, "X-CSRFToken": token, "Sec-Fetch-Site": "same-origin"})
        response.close()
        if not 200 <= response.status_code < 300:
            problems.append(f"{sender} {method} {path} -> {response.status_code} {response.text[:200]}")
    assert not problems, "\n".join(problems)
