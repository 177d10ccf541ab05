"""The audit log: one row for each review decision, ID reveal and suspension."""
from __future__ import annotations

from webapp.extensions import db
from webapp.models import AuditLog, User


def record(actor: User | None, action: str, subject, **detail) -> AuditLog:
    """Add an audit row to the session; it commits with the change it describes."""
    entry = AuditLog(actor_id=actor.id if actor else None, action=action,
                     subject_type=type(subject).__tablename__, subject_id=subject.id,
                     detail=detail)
    db.session.add(entry)
    return entry
