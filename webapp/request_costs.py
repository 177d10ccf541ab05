"""What every request pays before and after its view, paid once where it can be.

- Flask's cookie sessions built their signing serializer (which serializes `{}` to learn that
  it makes text) on every request, twice for one that writes the session: `SessionInterface`
  keeps it per set of keys (the secret key and its fallbacks), made again when they change; and
  verified the same cookie's signature (and decoded its base64) on each of a visitor's requests:
  it keeps each verified cookie's payload, checking only its age again.
- Flask-WTF signed the session's form token anew for every page (an HMAC and a serializer each
  time): `form_token()` keeps the signed token per session token, as tokens here never expire
  (WTF_CSRF_TIME_LIMIT is None; with a limit it signs every time, as Flask-WTF does).
- Flask asked `inspect` whether each hook and view is a coroutine function, about a dozen times
  a request: `App` remembers the answer per function.
- Flask-Talisman wrote the Content-Security-Policy header out of its dict on every response:
  `Talisman` keeps the text per policy (a string, or a dict the app never changes after
  create_app; a policy with per-request nonces is written every time), and the headers of each
  view per scheme, and skips its HTTPS and nonce hooks where they have nothing to do.
"""
from __future__ import annotations

import inspect
import time

import flask
import flask_talisman
from flask import current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature

TOKENS_KEPT = 4096  # signed form tokens a process keeps (each ~100 bytes)
COOKIES_KEPT = 8192  # verified session cookies a process keeps (each ~0.5 KB)


def form_token() -> str:
    """The request's signed form token (Flask-WTF's `generate_csrf`), signed once per process
    for each session token while tokens never expire."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    if field in g or current_app.config["WTF_CSRF_TIME_LIMIT"] is not None:
        return generate_csrf()
    signed = current_app.extensions.setdefault("signed_form_tokens", {})
    raw = session.get(field)
    token = signed.get(raw) if isinstance(raw, str) else None
    if token is None:
        token = generate_csrf()
        if len(signed) >= TOKENS_KEPT:
            signed.clear()
        signed[session[field]] = token
    setattr(g, field, token)
    return token


class App(flask.Flask):
    """Flask, `ensure_sync`'s answer kept per function (hooks and views never change kind)."""

    def ensure_sync(self, func):
        plain = self.__dict__.setdefault("_plain_functions", {})
        try:
            known = plain.get(func)
        except TypeError:  # not hashable: ask every time
            return super().ensure_sync(func)
        if known is None:
            known = plain[func] = not inspect.iscoroutinefunction(func)  # Flask's own test
            if len(plain) > 4096:
                plain.clear()
        return func if known else super().ensure_sync(func)


SESSIONLESS = "sessionless_paths"  # app.extensions: paths whose answer reads no session


def sessionless(state) -> None:
    """A blueprint's record function: its `sessionless_paths` answer the same to everyone."""
    state.app.extensions.setdefault(SESSIONLESS, set()).update(state.blueprint.sessionless_paths)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, the signing serializer made once per set of keys; no
    session at all (Flask's null session: nothing read, nothing written) on the paths that
    answer the same to everyone (the service worker, asked on every navigation)."""

    _kept: tuple | None = None

    def open_session(self, app: flask.Flask, request):
        """Flask's, with each cookie's verified payload kept (as JSON text) by the whole cookie
        string, signature included: the same string verifies the same way, so a kept one is
        only checked for age and read from JSON into a new session (nothing shared)."""
        if request.path in app.extensions.get(SESSIONLESS, ()):
            return None  # Flask makes the null session
        signer = self.get_signing_serializer(app)
        value = request.cookies.get(self.get_cookie_name(app))
        if signer is None or not value:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified = self._verified
        kept = verified.get(value)
        if kept is None:
            try:
                data, signed_at = signer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(verified) >= COOKIES_KEPT:
                verified.clear()
            verified[value] = kept = (signed_at.timestamp(), self.serializer.dumps(data))
        elif time.time() - kept[0] > max_age:
            return self.session_class()  # expired since (itsdangerous: SignatureExpired)
        return self.session_class(self.serializer.loads(kept[1]))

    def get_signing_serializer(self, app: flask.Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
            self._verified = {}  # new keys: every cookie is verified again
        return kept[1]


class Talisman(flask_talisman.Talisman):
    """Flask-Talisman, each content security policy written out once, and the headers each view
    gets worked out once per view and scheme (they depend on nothing else while no nonce is
    asked for): its hooks read the view's options and set a dozen headers one by one on every
    request, a fifth of the app's cheapest response."""

    def init_app(self, app, **options):
        # One Talisman serves every app made (tests make many, with other settings).
        for kept in ("_options", "_headers"):
            self.__dict__.pop(kept, None)
        return super().init_app(app, **options)

    def _parse_policy(self, policy):
        if hasattr(flask.request, "csp_nonce"):
            return super()._parse_policy(policy)
        written = self.__dict__.setdefault("_written", {})
        key = policy if isinstance(policy, str) else id(policy)
        kept = written.get(key)
        if kept is None or kept[0] is not policy:
            kept = written[key] = (policy, super()._parse_policy(policy))
        return kept[1]

    def _view_key(self):
        return flask.current_app.view_functions.get(flask.request.endpoint)

    def _view_options(self) -> dict:
        kept = self.__dict__.setdefault("_options", {})
        view = self._view_key()
        if view not in kept:
            kept[view] = dict(self._get_local_options())
        return kept[view]

    def _force_https(self):
        options = self._view_options()
        if options["force_https"] or self.session_cookie_secure:
            return super()._force_https()
        return None

    def _make_nonce(self):
        options = self._view_options()
        if options["content_security_policy"] and options["content_security_policy_nonce_in"]:
            return super()._make_nonce()
        return None

    def _set_response_headers(self, response):
        if hasattr(flask.request, "csp_nonce"):
            return super()._set_response_headers(response)
        kept = self.__dict__.setdefault("_headers", {})
        key = (self._view_key(), flask.request.is_secure,
               flask.request.headers.get("X-Forwarded-Proto", "http") == "https")
        headers = kept.get(key)
        if headers is None:
            probe = flask.current_app.response_class()
            probe.headers.clear()
            super()._set_response_headers(probe)
            headers = kept[key] = list(probe.headers.items())
        present = {name.lower() for name in response.headers.keys()}
        for name, value in headers:
            if name.lower() in present:
                response.headers[name] = value
            else:
                response.headers.add(name, value)
        return response
