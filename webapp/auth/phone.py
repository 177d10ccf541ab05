"""Accounts by mobile number: who may be sent which code, registering with one, signing in and
resetting the password with one. Each finishing action takes the code and commits once."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.auth import codes, consent
from webapp.auth.mobile import stored_forms
from webapp.auth.services import hash_password
from webapp.auth.sessions import close_sockets, end_sessions
from webapp.extensions import db
from webapp.models import Role, User, utcnow
from webapp.sms import CodePurpose
from webapp.web import ServiceError


def find_by_mobile(e164: str) -> User | None:
    return db.session.scalar(select(User).where(User.mobile.in_(stored_forms(e164))).limit(1))


def refusal_to_send(e164: str, purpose: CodePurpose) -> str | None:
    """Why no code is sent to this number for this purpose (None: send it)."""
    user = find_by_mobile(e164)
    if purpose is CodePurpose.REGISTER:
        return _("该手机号已注册，请直接登录") if user is not None else None
    if user is None or not user.active:
        return _("该手机号尚未注册")
    return None


def sign_in(e164: str, code: str) -> User:
    """The active account of this number, its login code taken."""
    codes.take(e164, CodePurpose.LOGIN, code)
    user = find_by_mobile(e164)
    if user is None or not user.active:
        db.session.rollback()
        raise ServiceError(_("该手机号尚未注册"), 422)
    db.session.commit()
    return user


def register(e164: str, code: str, *, display_name: str, role: Role, password: str = "") -> User:
    """A buyer or merchant account for this number, its consent to the privacy policy recorded;
    the password is optional (sign in by code)."""
    if role not in (Role.BUYER, Role.MERCHANT):
        raise ValueError("only buyers and merchants register themselves")
    codes.take(e164, CodePurpose.REGISTER, code)
    now = utcnow()
    user = User(mobile=e164, email=None, display_name=display_name.strip(), role=role,
                password_hash=hash_password(password) if password else "", created_at=now)
    consent.record(user, now)
    if find_by_mobile(e164) is not None:
        db.session.rollback()
        raise ServiceError(_("该手机号已注册，请直接登录"), 409)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:  # registered a moment ago by another post
        db.session.rollback()
        raise ServiceError(_("该手机号已注册，请直接登录"), 409) from None
    return user


def reset_password(e164: str, code: str, password: str) -> User:
    """Set a new password for the account of this number; every session it had ends."""
    codes.take(e164, CodePurpose.RESET, code)
    user = find_by_mobile(e164)
    if user is None or not user.active:
        db.session.rollback()
        raise ServiceError(_("该手机号尚未注册"), 422)
    user.password_hash = hash_password(password)
    end_sessions(user)
    db.session.commit()
    close_sockets(user.id)
    return user
