"""Which kinds reach a person by which channel: in-app always; Web Push and SMS as they chose,
each kind's default (kinds.default_on) until they do."""
from __future__ import annotations

from sqlalchemy import delete, select

from webapp.extensions import db
from webapp.models.notification import NotificationSetting
from webapp.notifications.kinds import CHANNELS, KINDS, Kind, default_on


def choices(user_id: int) -> dict[tuple[Kind, str], bool]:
    """Every (kind, channel) the person may set, and whether it is on."""
    stored = {(row.kind, row.channel): row.enabled for row in db.session.scalars(
        select(NotificationSetting).where(NotificationSetting.user_id == user_id))}
    return {(kind, channel): stored.get((kind.value, channel), default_on(kind, channel))
            for kind in KINDS for channel in CHANNELS if settable(kind, channel)}


def settable(kind: Kind, channel: str) -> bool:
    return channel == "push" or KINDS[kind].sms


def channels_for(user_id: int, kind: Kind) -> set[str]:
    """The channels beyond in-app this kind goes out on for this person."""
    stored = dict(db.session.execute(select(
        NotificationSetting.channel, NotificationSetting.enabled).where(
        NotificationSetting.user_id == user_id, NotificationSetting.kind == kind.value)).all())
    return {channel for channel in CHANNELS if settable(kind, channel)
            and stored.get(channel, default_on(kind, channel))}


def save(user_id: int, on: set[tuple[str, str]]) -> None:
    """Keep what the form sent: each settable (kind, channel) is on if it is in `on`."""
    db.session.execute(delete(NotificationSetting).where(
        NotificationSetting.user_id == user_id))
    db.session.add_all(NotificationSetting(user_id=user_id, kind=kind.value, channel=channel,
                                           enabled=(kind.value, channel) in on)
                       for kind in KINDS for channel in CHANNELS if settable(kind, channel))
    db.session.commit()
