"""One-time SMS codes: 6 digits, kept only as a keyed hash, valid CODE_LIFETIME, SMS_CODE_ATTEMPTS
wrong tries each, used once. Only the newest code of a number and purpose counts: asking again
replaces the one before. How often a code may be asked for is the routes' limit (phone_routes.py).

Codes that expired more than KEPT_AFTER_EXPIRY ago are deleted by each new code's transaction
(one DELETE along ix_sms_code_expires_at): the table holds about a day of codes without a
scheduled job to forget, and sending, which is rate-limited, pays one indexed statement. For
that day a late code is still answered "expired" rather than "ask for a code"."""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from webapp import sms
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import SmsCode, utcnow
from webapp.sms import CodePurpose, SmsError
from webapp.sms.providers import CODE_MINUTES
from webapp.sms.settings import lookup
from webapp.web import ServiceError

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=CODE_MINUTES)
KEPT_AFTER_EXPIRY = timedelta(days=1)
NO_CODE = N_("请先获取验证码")
EXPIRED = N_("验证码已过期，请重新获取")
USED = N_("验证码已使用，请重新获取")
LOCKED = N_("验证码错误次数过多，请重新获取")
WRONG = N_("验证码不正确，还可以再试 %(left)d 次")
NOT_SENT = N_("短信发送失败，请稍后再试")


class CodeRefused(ServiceError):
    """The code typed does not let the person in; the message says why (and what to do)."""

    status = 422

    def __init__(self, message: str, status: int | None = None, **params):
        super().__init__(_(message, **params), status)
        self.untranslated = message


def max_attempts() -> int:
    return int(lookup(current_app.config, "SMS_CODE_ATTEMPTS", "5"))


def code_hash(mobile: str, purpose: CodePurpose, code: str) -> str:
    """HMAC-SHA256 keyed by SECRET_KEY: a million codes are too few for a plain hash to hide."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{CodePurpose(purpose)}:{mobile}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue(mobile: str, purpose: CodePurpose, now: datetime | None = None) -> str:
    """Store a new code for `mobile` (E.164) and `purpose`, replacing any unused one, and commit;
    return the code (to be texted, never stored)."""
    now = now or utcnow()
    purge(now)
    db.session.execute(update(SmsCode).where(
        SmsCode.mobile == mobile, SmsCode.purpose == purpose, SmsCode.used_at.is_(None))
        .values(used_at=now))
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(SmsCode(mobile=mobile, purpose=purpose, code_hash=code_hash(mobile, purpose, code),
                           created_at=now, expires_at=now + CODE_LIFETIME))
    db.session.commit()
    return code


def purge(now: datetime) -> int:
    """Delete every code that expired more than KEPT_AFTER_EXPIRY before `now` (the caller
    commits); how many."""
    return db.session.execute(delete(SmsCode).where(
        SmsCode.expires_at < now - KEPT_AFTER_EXPIRY)).rowcount


def send(mobile: str, purpose: CodePurpose) -> None:
    """Issue a code and text it, after the commit; a provider's failure withdraws the code and is
    refused with NOT_SENT (the cause is logged)."""
    code = issue(mobile, purpose)
    try:
        sms.send_code(mobile, code, purpose)
    except SmsError as error:
        log.error("SMS code to %s (%s) not sent: %s", mobile, purpose, error)
        db.session.execute(update(SmsCode).where(
            SmsCode.mobile == mobile, SmsCode.purpose == purpose, SmsCode.used_at.is_(None))
            .values(used_at=utcnow()))
        db.session.commit()
        raise CodeRefused(NOT_SENT, 503) from error


def take(mobile: str, purpose: CodePurpose, code: str, now: datetime | None = None) -> None:
    """Use the code: the caller commits it with what it lets them do. Refused (CodeRefused) when
    there is none, it expired, was used, has had its tries, or is wrong (the try is committed)."""
    now = now or utcnow()
    row = db.session.scalar(select(SmsCode).where(SmsCode.mobile == mobile, SmsCode.purpose == purpose)
                            .order_by(SmsCode.id.desc()).limit(1))
    if row is None:
        raise CodeRefused(NO_CODE)
    if row.used_at is not None:
        raise CodeRefused(USED)
    if row.expires_at <= now:
        raise CodeRefused(EXPIRED)
    if row.attempts >= max_attempts():
        raise CodeRefused(LOCKED)
    typed = "".join((code or "").split())[:12]
    if not hmac.compare_digest(row.code_hash, code_hash(mobile, purpose, typed)):
        left = max_attempts() - row.attempts - 1
        db.session.execute(update(SmsCode).where(SmsCode.id == row.id)
                           .values(attempts=SmsCode.attempts + 1))
        db.session.commit()
        raise CodeRefused(WRONG, left=left) if left > 0 else CodeRefused(LOCKED)
    # Conditional, so two posts of one code cannot both use it.
    used = db.session.execute(update(SmsCode).where(SmsCode.id == row.id, SmsCode.used_at.is_(None))
                              .values(used_at=now))
    if used.rowcount != 1:
        db.session.rollback()
        raise CodeRefused(USED)
