"""The person's own profile and password."""
from __future__ import annotations

from webapp.auth.services import hash_password
from webapp.auth.sessions import close_sockets, end_sessions
from webapp.extensions import db
from webapp.models import User


def rename(user: User, display_name: str) -> None:
    user.display_name = display_name.strip()
    db.session.commit()


def change_password(user: User, password: str) -> None:
    """Set a new password and end every session of the account (the caller starts this one
    anew): a password changed because it leaked shuts out whoever holds it."""
    user.password_hash = hash_password(password)
    end_sessions(user)
    db.session.commit()
    close_sockets(user.id)
