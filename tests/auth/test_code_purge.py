"""Old SMS codes are not kept: each new code's transaction deletes the codes that expired more
than a day before (webapp/auth/codes.py), on a movable clock, whatever their number, purpose or
state; a code within that day still answers "expired"."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.auth import codes
from webapp.extensions import db
from webapp.models import SmsCode, utcnow
from webapp.sms import CodePurpose

pytestmark = pytest.mark.db

DAY = timedelta(days=1)
LIFETIME = codes.CODE_LIFETIME

# (how long before the new code an old one was sent, its number and purpose, used?, kept?)
OLD_CODES = [
    (timedelta(minutes=1), "+8613800000001", CodePurpose.LOGIN, False, True),
    (LIFETIME + DAY - timedelta(seconds=1), "+8613800000002", CodePurpose.REGISTER, False, True),
    (LIFETIME + DAY + timedelta(seconds=1), "+8613800000003", CodePurpose.RESET, False, False),
    (LIFETIME + DAY + timedelta(seconds=1), "+8613800000004", CodePurpose.MOBILE, True, False),
    (timedelta(days=30), "+8613800000005", CodePurpose.LOGIN, False, False),
    (timedelta(hours=2), "+8613800000006", CodePurpose.LOGIN, True, True),
]


def test_a_new_code_purges_codes_expired_more_than_a_day_ago(app):
    now = utcnow()
    for age, mobile, purpose, used, _ in OLD_CODES:  # rows as issue() stores them
        sent = now - age
        db.session.add(SmsCode(mobile=mobile, purpose=purpose, code_hash="0" * 64,
                               created_at=sent, expires_at=sent + LIFETIME,
                               used_at=sent if used else None))
    db.session.commit()
    codes.issue("+8613900000000", CodePurpose.LOGIN, now=now)
    kept = set(db.session.scalars(select(SmsCode.mobile)).all())
    assert kept == {row[1] for row in OLD_CODES if row[4]} | {"+8613900000000"}
    # Within its day an old code is still answered as expired, not as never asked for.
    with pytest.raises(codes.CodeRefused) as refused:
        codes.take("+8613800000002", CodePurpose.REGISTER, "123456", now=now)
    assert refused.value.untranslated == codes.EXPIRED
    with pytest.raises(codes.CodeRefused) as refused:
        codes.take("+8613800000003", CodePurpose.RESET, "123456", now=now)
    assert refused.value.untranslated == codes.NO_CODE


def test_the_purge_follows_the_expiry_index(app):
    """One indexed DELETE per code sent: the plan uses ix_sms_code_expires_at (SQLite)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan")
    plan = db.session.execute(db.text(
        "EXPLAIN QUERY PLAN DELETE FROM sms_code WHERE expires_at < :t"), {"t": utcnow()}).all()
    assert any("ix_sms_code_expires_at" in str(row) for row in plan), plan
