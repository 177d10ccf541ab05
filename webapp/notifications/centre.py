"""Reading one's own notifications: a page of them, the unread count, marking them read, and
the browsers one lets the app push to. Every query is scoped to the reader."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select, update

from webapp import paging
from webapp.extensions import db
from webapp.models import utcnow
from webapp.models.notification import Notification, PushSubscription
from webapp.notifications.kinds import BOTH, BUYER, KINDS, SHOP, Kind
from webapp.roles import Role

KEYS = (paging.Key(Notification.id, descending=True),)
PAGE = 20
LANGS = {"zh_CN", "en"}


def page(user_id: int, after) -> paging.Page:
    return paging.keyset(select(Notification).where(Notification.user_id == user_id), KEYS,
                         after, PAGE)


def unread(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the reader's own as read; someone else's is None (a 404)."""
    row = db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))
    if row is not None and row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return row


def mark_all_read(user_id: int) -> None:
    db.session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()


def kinds_for(role: Role) -> list[Kind]:
    """The kinds a person of this role can receive, for their settings page."""
    readers = {Role.BUYER: {BUYER, BOTH}, Role.MERCHANT: {SHOP, BOTH}}
    shown = readers.get(role, {BOTH})
    return [kind for kind, wording in KINDS.items() if wording.reader in shown]


def subscribe(user_id: int, data: object, lang: str) -> bool:
    """Keep a browser's subscription (PushSubscription.toJSON()) for this person; the same
    browser subscribed by someone else before (a shared phone) now belongs to this person."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        return False
    endpoint, keys = data.get("endpoint"), data["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(v, str) and v for v in (endpoint, p256dh, auth)):
        return False
    if not known_push_service(endpoint):
        return False
    if len(endpoint) > 1000 or len(p256dh) > 200 or len(auth) > 100:
        return False
    row = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint)
        db.session.add(row)
    row.user_id, row.p256dh, row.auth = user_id, p256dh, auth
    row.lang = lang if lang in LANGS else "zh_CN"
    db.session.commit()
    return True


def known_push_service(endpoint: str) -> bool:
    """An https endpoint of a push service in WEB_PUSH_HOSTS (a host or a ".suffix"): the server
    posts to whatever a subscription names, so never to a host of the visitor's choosing."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return False
    return any(host == allowed or (allowed.startswith(".") and host.endswith(allowed))
               for allowed in current_app.config["WEB_PUSH_HOSTS"])


def unsubscribe(user_id: int, endpoint: object) -> None:
    if isinstance(endpoint, str):
        db.session.execute(delete(PushSubscription).where(
            PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint))
        db.session.commit()


def subscribed(user_id: int) -> int:
    return db.session.scalar(select(func.count(PushSubscription.id)).where(
        PushSubscription.user_id == user_id)) or 0
