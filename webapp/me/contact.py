"""Changing the account's mobile number (confirmed by an SMS code texted to the new number) and
its email (confirmed by the current password). A number or address another account holds is
refused; a change ends every other session of the account (the caller starts this one anew),
since both are logins, and is in the audit log with the old and new values masked."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp import audit
from webapp.auth import codes
from webapp.auth.mobile import stored_forms
from webapp.auth.phone import find_by_mobile
from webapp.auth.services import find_by_login, normalise_login
from webapp.auth.sessions import close_sockets, end_sessions
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import User
from webapp.sms import CodePurpose
from webapp.web import ServiceError

TAKEN_MOBILE = N_("该手机号已被其他账号使用，请换一个号码")
SAME_MOBILE = N_("这已经是你账号的手机号")
TAKEN_EMAIL = N_("该邮箱已被其他账号使用，请换一个邮箱")
SAME_EMAIL = N_("这已经是你账号的邮箱")


class Taken(ServiceError):
    """The number or address is another account's (or already this one's)."""

    status = 409


def mobile_refusal(user: User, e164: str) -> str | None:
    """Why `user` may not take this number (None: they may)."""
    if user.mobile and user.mobile in stored_forms(e164):
        return _(SAME_MOBILE)
    holder = find_by_mobile(e164)
    return _(TAKEN_MOBILE) if holder is not None and holder.id != user.id else None


def change_mobile(user: User, e164: str, code: str) -> None:
    """Give `user` this number, the code texted to it taken; every session ends."""
    refusal = mobile_refusal(user, e164)
    if refusal:
        raise Taken(refusal)
    codes.take(e164, CodePurpose.MOBILE, code)
    old = user.mobile
    user.mobile = e164
    _commit(user, "account.mobile_changed", TAKEN_MOBILE, old=masked(old), new=masked(e164))


def email_refusal(user: User, email: str) -> str | None:
    email = normalise_login(email)
    if user.email and user.email.lower() == email:
        return _(SAME_EMAIL)
    holder = find_by_login(email)
    return _(TAKEN_EMAIL) if holder is not None and holder.id != user.id else None


def change_email(user: User, email: str) -> None:
    """Give `user` this email (the caller checked the password); every session ends."""
    refusal = email_refusal(user, email)
    if refusal:
        raise Taken(refusal)
    old = user.email
    user.email = normalise_login(email)
    _commit(user, "account.email_changed", TAKEN_EMAIL, old=masked_email(old),
            new=masked_email(user.email))


def _commit(user: User, action: str, taken: str, **detail) -> None:
    end_sessions(user)
    audit.record(user, action, user, **detail)
    try:
        db.session.commit()
    except IntegrityError:  # taken a moment ago by another account
        db.session.rollback()
        raise Taken(_(taken)) from None
    close_sockets(user.id)


def masked(mobile: str | None) -> str:
    """+8613812345678 -> 138****5678 (the audit log keeps no whole number)."""
    digits = (mobile or "").removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else ""


def masked_email(email: str | None) -> str:
    """wang@example.com -> w***@example.com."""
    name, at, domain = (email or "").partition("@")
    return f"{name[:1]}***@{domain}" if at else ""
