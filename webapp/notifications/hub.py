"""The one way every event worth telling reaches a person: `notify(user, kind, params, url)`.

Called inside the transaction of what happened: the notification is stored with it (a rollback
drops both), and only once it commits does it go out: live to the person's sockets, as Web Push
to their browsers and as SMS for the few kinds that must not be missed, each as their settings
say (in-app is always on). Two statements: the INSERT, and one SELECT of the unread count, the
person's settings for the kind, their mobile number and their browsers' subscriptions."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, event, func, insert, literal, select
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import User, utcnow
from webapp.models.notification import Notification, NotificationSetting, PushSubscription
from webapp.notifications import channels
from webapp.notifications.kinds import Kind, default_on
from webapp.realtime import emit_after_commit, user_room


@dataclass
class Outgoing:
    """What goes out after commit for one notification (read before the commit, since a
    committed session may not be queried inside its own hook)."""

    notification_id: int
    user_id: int
    kind: Kind
    params: dict
    url: str
    pushes: list[dict] = field(default_factory=list)
    sms_to: str | None = None


def notify(user: User | int | ColumnElement, kind: Kind, params: dict, url: str, *,
           order_id: int | None = None) -> int:
    """Store a notification for `user` (a User, an id, or a scalar subquery naming one, such as
    a shop's owner) and send it on every channel they allow, after commit; its id. `params` are
    facts (numbers, names, a demand's title), worded when shown."""
    who = user.id if isinstance(user, User) else user
    table = Notification.__table__
    notification_id, user_id = db.session.execute(insert(table).values(
        user_id=literal(who) if isinstance(who, int) else who, kind=kind.value, params=params,
        url=url, order_id=order_id, created_at=utcnow()).returning(table.c.id, table.c.user_id)
    ).one()
    rows = db.session.execute(_reach(user_id, kind)).all()
    emit_after_commit(db.session, "notification:new",
                      {"id": notification_id, "kind": kind.value, "unread": rows[0].unread,
                       "url": url}, user_room(user_id))
    outgoing = Outgoing(notification_id, user_id, kind, params, url)
    first = rows[0]
    if _on(first.push, kind, "push"):
        outgoing.pushes = [{"id": r.sub_id, "endpoint": r.endpoint, "p256dh": r.p256dh,
                            "auth": r.auth, "lang": r.lang} for r in rows if r.sub_id is not None]
    if _on(first.sms, kind, "sms") and first.mobile:
        outgoing.sms_to = first.mobile
    if outgoing.pushes or outgoing.sms_to:
        db.session.info.setdefault("pending_notices", []).append(outgoing)
    return notification_id


def _on(stored: bool | None, kind: Kind, channel: str) -> bool:
    return default_on(kind, channel) if stored is None else bool(stored)


def _reach(user_id: int, kind: Kind):
    """One row per subscribed browser (one row if none), each with the unread count, the stored
    push and SMS settings for `kind` (NULL: the default) and the mobile number."""
    def setting(channel: str):
        return select(NotificationSetting.enabled).where(
            NotificationSetting.user_id == user_id, NotificationSetting.kind == kind.value,
            NotificationSetting.channel == channel).scalar_subquery()
    unread = select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()
    return select(
        unread.label("unread"), setting("push").label("push"), setting("sms").label("sms"),
        User.mobile, PushSubscription.id.label("sub_id"), PushSubscription.endpoint,
        PushSubscription.p256dh, PushSubscription.auth, PushSubscription.lang,
    ).select_from(User).outerjoin(PushSubscription, PushSubscription.user_id == User.id).where(
        User.id == user_id)


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    channels.send_all(session.info.pop("pending_notices", []))


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    session.info.pop("pending_notices", None)
