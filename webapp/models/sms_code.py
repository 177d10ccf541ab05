from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.models.base import db, utcnow
from webapp.models.user import str_enum
from webapp.sms.kinds import CodePurpose


class SmsCode(db.Model):
    """A one-time code texted to a mobile number, for one purpose (webapp/auth/codes.py). Only
    its keyed hash is kept; only the newest unused one of a number and purpose counts."""
    __tablename__ = "sms_code"
    # The second index serves the purge of old codes each new code does (webapp/auth/codes.py).
    __table_args__ = (Index("ix_sms_code_mobile_purpose", "mobile", "purpose", "id"),
                      Index("ix_sms_code_expires_at", "expires_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(20))  # E.164
    purpose: Mapped[CodePurpose] = mapped_column(str_enum(CodePurpose, 10))
    code_hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 hex, keyed by SECRET_KEY
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")  # wrong codes tried
    used_at: Mapped[datetime | None] = mapped_column()  # taken, or replaced by a newer code
