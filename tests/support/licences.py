"""Licences for tests (webapp/licences): an approved licence granted without the review, the
licences' clock moved by the test."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from webapp.extensions import db
from webapp.licences import services as licences
from webapp.licences.rules import REGULATED, LicenceKind
from webapp.licences.state import LicenceStatus
from webapp.models import Shop, ShopLicence, utcnow


def grant(shop: Shop | int, kind: LicenceKind | str = LicenceKind.FOOD, *,
          expires_on: date | None = None, expires_at: datetime | None = None,
          status: LicenceStatus = LicenceStatus.APPROVED, photo: str = "kyc/none.jpg") -> ShopLicence:
    """An approved licence of `kind` for `shop`, committed: valid ten years unless told (an
    exact `expires_at` moves the moment it lapses, whatever the date says)."""
    licence = _licence(shop if isinstance(shop, int) else shop.id, kind, expires_on=expires_on,
                       expires_at=expires_at, status=status, photo=photo)
    db.session.add(licence)
    db.session.commit()
    return licence


def _licence(shop_id: int, kind, *, expires_on=None, expires_at=None,
             status=LicenceStatus.APPROVED, photo="kyc/none.jpg") -> ShopLicence:
    expires_on = expires_on or (utcnow() + timedelta(days=3650)).date()
    return ShopLicence(
        shop_id=shop_id, kind=LicenceKind(kind), number=f"JY1{kind[:1].upper()}0000000001",
        expires_on=expires_on, expires_at=expires_at or licences.expiry_moment(expires_on),
        photo=photo, status=status, review_notes={}, submitted_at=utcnow(), notices=[])


def every_kind(shop_id: int) -> list[ShopLicence]:
    """An approved licence of every kind for the shop, not yet added to the session."""
    return [_licence(shop_id, kind) for kind in LicenceKind]


def grant_all(shop: Shop | int) -> None:
    """An approved licence of every kind for `shop` (the factories' shops sell in any category)."""
    db.session.add_all(every_kind(shop if isinstance(shop, int) else shop.id))
    db.session.commit()


def licensed_for(shop: Shop | int, category: str) -> None:
    """Make sure `shop` may sell in `category` now (granting the licence it needs, if any)."""
    kind = REGULATED.get(category)
    shop_id = shop if isinstance(shop, int) else shop.id
    if kind is not None and kind not in licences.licensed_kinds(shop_id):
        grant(shop_id, kind)


class Clock:
    """The licences' clock, held at a moment the test chooses (None: the real time)."""

    def __init__(self, monkeypatch):
        self.at: datetime | None = None
        monkeypatch.setattr(licences, "now", self.now)

    def now(self) -> datetime:
        return self.at if self.at is not None else utcnow()

    def set(self, at: datetime | None) -> None:
        self.at = at
