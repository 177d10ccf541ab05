"""The channels beyond the in-app centre: Web Push (pywebpush with VAPID) and SMS.

Runs after the commit of what happened, so nothing here may fail the request: a push service
that is down or slow costs at most PUSH_TIMEOUT_SECONDS and is logged; one that says the
subscription is gone (404, 410) gets it deleted. Chrome on Android in mainland China cannot
subscribe at all (its push service is unreachable there); in-app and SMS cover it."""
from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask_babel import force_locale
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import delete, select

from webapp import sms
from webapp.extensions import db, socketio
from webapp.models import User
from webapp.models.notification import PushSubscription
from webapp.notifications.kinds import Kind, sms_allowed, worded
from webapp.sms import NoticeKind

if TYPE_CHECKING:
    from webapp.notifications.hub import Outgoing

log = logging.getLogger(__name__)
GONE = {404, 410}


def vapid() -> Vapid02 | None:
    """The app's VAPID key (VAPID_PRIVATE_KEY: the raw key or DER, base64url), None unset."""
    key = current_app.config.get("VAPID_PRIVATE_KEY")
    if not key:
        return None
    cache = current_app.extensions.setdefault("vapid", {})
    if key not in cache:
        cache[key] = Vapid02.from_string(private_key=key)
    return cache[key]


def public_key() -> str:
    """The applicationServerKey a browser subscribes with (base64url, uncompressed point)."""
    key = vapid()
    if key is None:
        return ""
    return b64(raw_public(key))


def raw_public(key: Vapid02) -> bytes:
    return key.public_key.public_bytes(serialization.Encoding.X962,
                                       serialization.PublicFormat.UncompressedPoint)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mobile_of(user_id: int) -> str | None:
    return db.session.scalar(select(User.mobile).where(User.id == user_id))


def send_all(outgoing: list[Outgoing]) -> None:
    """Deliver what a commit told, after it: in the background (a greenlet under gunicorn's
    gevent worker, a thread otherwise) where NOTIFY_IN_BACKGROUND, so a slow push service or SMS
    gateway never holds the request whose change it tells; else right here (the tests)."""
    if not outgoing:
        return
    app = current_app._get_current_object()
    if not app.config["NOTIFY_IN_BACKGROUND"]:
        for one in outgoing:
            deliver(one)
        return
    socketio.start_background_task(_deliver_in_background, app, list(outgoing))


def _deliver_in_background(app, outgoing: list[Outgoing]) -> None:
    with app.app_context():
        try:
            for one in outgoing:
                deliver(one)
        finally:
            db.session.remove()


def deliver(outgoing: Outgoing) -> None:
    """Push to each browser and text the phone; never raises."""
    gone = [s["id"] for s in outgoing.pushes if push(s, outgoing) == "gone"]
    if gone:
        with db.engine.begin() as connection:
            connection.execute(delete(PushSubscription.__table__).where(
                PushSubscription.__table__.c.id.in_(gone)))
    if outgoing.sms_to and sms_allowed(outgoing.kind):
        send_sms(outgoing.sms_to, outgoing)


def payload(subscription: dict, outgoing: Outgoing) -> dict:
    """What the service worker shows, worded in the language the subscribing page was in."""
    with force_locale(subscription.get("lang") or "zh_CN"):
        title, body = worded(outgoing.kind.value, outgoing.params)
    return {"title": title, "body": body, "url": outgoing.url,
            "tag": f"n{outgoing.notification_id}", "id": outgoing.notification_id}


def push(subscription: dict, outgoing: Outgoing) -> str:
    """"sent", "gone" (the push service no longer knows it) or "failed"."""
    key = vapid()
    if key is None:
        return "failed"
    config = current_app.config
    try:
        webpush({"endpoint": subscription["endpoint"],
                 "keys": {"p256dh": subscription["p256dh"], "auth": subscription["auth"]}},
                data=json.dumps(payload(subscription, outgoing), ensure_ascii=False),
                vapid_private_key=key, vapid_claims={"sub": config["VAPID_SUBJECT"]},
                content_encoding="aes128gcm", ttl=config["PUSH_TTL_SECONDS"],
                timeout=config["PUSH_TIMEOUT_SECONDS"])
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in GONE:
            return "gone"
        log.warning("web push to subscription %s failed: %s", subscription["id"], status)
        return "failed"
    except Exception:  # noqa: BLE001 - a network error must not fail what already committed
        log.warning("web push to subscription %s failed", subscription["id"], exc_info=True)
        return "failed"
    return "sent"


# The kinds SMS carries, as the SMS provider's notice templates (webapp/sms/kinds.py).
SMS_NOTICES = {Kind.ORDER_PLACED: NoticeKind.ORDER_PLACED, Kind.QUOTE_ACCEPTED: NoticeKind.ORDER_PLACED,
               Kind.ORDER_ARRIVING: NoticeKind.ORDER_ARRIVING}


def send_sms(mobile: str, outgoing: Outgoing) -> None:
    """Text a must-not-miss kind through the SMS provider (webapp/sms); a refusal is logged."""
    notice = SMS_NOTICES.get(outgoing.kind)
    if notice is None:
        return
    number = mobile if mobile.startswith("+") else f"+86{mobile}"
    try:
        sms.send_notice(number, notice, {"order_no": str(outgoing.params.get("order", ""))})
    except Exception:  # noqa: BLE001 - what happened is committed; the text is a courtesy
        log.warning("SMS notice %s to user %s failed", notice, outgoing.user_id, exc_info=True)
