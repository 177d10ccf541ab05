from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.i18n.marks import N_
from webapp.models.base import db, utcnow
from webapp.roles import Role

# What a deleted account's name is stored as (webapp/me/deletion.py), and what an order's
# recipient name becomes when its buyer deletes the account: the Chinese words, the records'
# language. Shown only through User.shown_name and Order.recipient_shown, in the reader's.
DELETED_NAME = N_("已注销用户")


def shown_deleted_name() -> str:
    return gettext(DELETED_NAME)


def str_enum(enum_cls, length: int = 20) -> Enum:
    """Store a StrEnum as its value in a VARCHAR, the same on SQLite and PostgreSQL."""
    return Enum(enum_cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    display_name: Mapped[str] = mapped_column(String(80))
    # Couriers belong to one shop; other roles leave it empty.
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shop.id", use_alter=True), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session's and remember cookie's user id: raising it (logout, a new password)
    # ends every session of this account, copied cookies included (webapp/auth/sessions.py).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Consent to the privacy policy at registration: when, and to which version of it
    # (webapp/auth/consent.py); empty for accounts made before it was asked, and for couriers.
    privacy_consent_at: Mapped[datetime | None] = mapped_column()
    privacy_policy_version: Mapped[str | None] = mapped_column(String(20))
    # When the person deleted the account (webapp/me/deletion.py): the row stays, inactive and
    # anonymised, so the orders, proofs and reviews it took part in remain as records.
    deleted_at: Mapped[datetime | None] = mapped_column()

    shop: Mapped["Shop | None"] = relationship(foreign_keys=[shop_id])  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id for the session and the remember cookie: "<id>:<generation>"."""
        return f"{self.id}:{self.session_generation}"

    @property
    def shown_name(self) -> str:
        """The name to show anyone: a deleted account's in the reader's language."""
        return shown_deleted_name() if self.deleted_at is not None else self.display_name

    @property
    def login_name(self) -> str:
        return self.email or self.mobile or ""
