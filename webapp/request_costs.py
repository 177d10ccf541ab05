"""What every request pays before and after its view, paid once where it can be.

- Flask's cookie sessions built their signing serializer (which serializes `{}` to learn that
  it makes text) on every request, twice for one that writes the session: `SessionInterface`
  keeps it per set of keys (the secret key and its fallbacks), made again when they change.
- Flask-Talisman wrote the Content-Security-Policy header out of its dict on every response:
  `Talisman` keeps the text per policy (a string, or a dict the app never changes after
  create_app; a policy with per-request nonces is written every time).
"""
from __future__ import annotations

import flask
import flask_talisman
from flask.sessions import SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, the signing serializer made once per set of keys."""

    _kept: tuple | None = None

    def get_signing_serializer(self, app: flask.Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


class Talisman(flask_talisman.Talisman):
    """Flask-Talisman, each content security policy written out once."""

    def _parse_policy(self, policy):
        if hasattr(flask.request, "csp_nonce"):
            return super()._parse_policy(policy)
        written = self.__dict__.setdefault("_written", {})
        key = policy if isinstance(policy, str) else id(policy)
        kept = written.get(key)
        if kept is None or kept[0] is not policy:
            kept = written[key] = (policy, super()._parse_policy(policy))
        return kept[1]
