"""Notifications in the security suite's world: one unread notification of buyer A's, which
only buyer A may mark read."""
from __future__ import annotations

from webapp.extensions import db
from webapp.notifications.hub import notify
from webapp.notifications.kinds import Kind


def victim_notice(v) -> None:
    v.notice = notify(v.buyer_a, Kind.ORDER_ACCEPTED, {"order": v.placed.id},
                      f"/orders/{v.placed.id}")
    db.session.commit()
