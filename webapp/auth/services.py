"""Accounts: registration, password checks, couriers."""
from __future__ import annotations

import secrets

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.auth import consent
from webapp.auth.mobile import normalise_mobile, stored_forms
from webapp.auth.passwords import common_passwords
from webapp.auth.sessions import close_sockets, end_sessions
from webapp.extensions import db
from webapp.models import Role, User, utcnow

# Checked against when the login is unknown, so a wrong email costs as long as a wrong password.
# Made once per hash method, when an app starts (prepare()), never during a login.
_DUMMY_HASH: dict[str, str] = {}


def prepare(method: str) -> None:
    """Make the dummy hash for `method` and load the common-password lists, before any request."""
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash(secrets.token_hex(16), method=method)
    common_passwords()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_login(value: str) -> str:
    return value.strip().lower()


def find_by_login(login: str) -> User | None:
    """The account of an email, or of a mobile number however it is typed and stored (E.164 for
    phone accounts, 11 digits for couriers a shop added)."""
    login = normalise_login(login)
    mobile = normalise_mobile(login)
    mobiles = [login, *stored_forms(mobile)] if mobile else [login]
    return db.session.scalar(select(User).where(or_(func.lower(User.email) == login,
                                                    User.mobile.in_(mobiles))).limit(1))


def authenticate(login: str, password: str) -> User | None:
    """Return the active user with this login and password, or None."""
    user = find_by_login(login)
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:  # an app built without its blueprints registered
            prepare(method)
        check_password_hash(_DUMMY_HASH[method], password)
        return None
    # Checked for an inactive account too: it answers in the same time as any other.
    right = check_password_hash(user.password_hash, password)
    return user if right and user.active else None


def log_out_everywhere(user: User) -> None:
    """End every session of `user`: this one, and any copy of its cookies anywhere."""
    end_sessions(user)
    db.session.commit()
    close_sockets(user.id)


def email_taken(email: str) -> bool:
    return find_by_login(email) is not None


def register(email: str, password: str, display_name: str, role: Role, *,
             consented: bool = False) -> User:
    """Create a buyer or merchant account; `consented`: its person agreed to the privacy policy
    on the form (recorded with the time and the policy's version)."""
    if role not in (Role.BUYER, Role.MERCHANT):
        raise ValueError("only buyers and merchants register themselves")
    user = User(email=normalise_login(email), password_hash=hash_password(password),
                display_name=display_name.strip(), role=role)
    if consented:
        consent.record(user, utcnow())
    db.session.add(user)
    db.session.commit()
    return user


def create_admin(email: str, password: str, display_name: str = "平台管理员") -> User:
    """Create a platform admin, or reset the password of an existing admin with that email."""
    user = find_by_login(email)
    if user is not None and user.role is not Role.ADMIN:
        raise ValueError(f"{email} already belongs to a {user.role} account")
    if user is None:
        user = User(email=normalise_login(email), role=Role.ADMIN, display_name=display_name,
                    password_hash="")
        db.session.add(user)
    else:
        end_sessions(user)  # a new password ends every session the old one opened
    user.password_hash = hash_password(password)
    db.session.commit()
    close_sockets(user.id)
    return user
