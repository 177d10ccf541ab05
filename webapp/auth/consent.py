"""Consent to the privacy policy at registration: recorded with its time and the policy's version."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from werkzeug.routing import BuildError

from webapp.models import User

# Raised whenever the policy's text changes in a way people must agree to again.
PRIVACY_POLICY_VERSION = "2026-12-07"


def privacy_url() -> str:
    """The privacy policy's page (我的's me.privacy); its path while that blueprint is absent."""
    try:
        return url_for("me.privacy")
    except BuildError:
        return "/privacy"


def record(user: User, now: datetime) -> None:
    user.privacy_consent_at = now
    user.privacy_policy_version = PRIVACY_POLICY_VERSION
