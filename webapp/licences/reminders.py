"""Notices before a licence lapses (30 and 7 days before), through the notification hub; run by
`flask licences remind` (cron, daily). Hiding needs no job: the queries compare with the clock."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.licences import services
from webapp.licences.rules import NOTICE_DAYS
from webapp.licences.state import LicenceStatus
from webapp.models import ShopLicence
from webapp.notifications.events import licence_expiring


def remind() -> int:
    """Tell each merchant whose licence lapses within a notice's days (30, then 7) and that no
    later licence takes over, once per notice, through the notification hub; the number told."""
    at, told = services.now(), 0
    horizon = at + timedelta(days=max(NOTICE_DAYS))
    shops = set(db.session.scalars(select(ShopLicence.shop_id).where(
        ShopLicence.status == LicenceStatus.APPROVED, ShopLicence.expires_at > at,
        ShopLicence.expires_at <= horizon)))
    for shop_id in sorted(shops):
        for licence in services.expiring(shop_id):
            left = services.days_left(licence)
            due = [days for days in NOTICE_DAYS if left < days and days not in licence.notices]
            if not due:
                continue
            licence.notices = sorted({*licence.notices, *due}, reverse=True)
            licence_expiring(licence, left)
            told += 1
    db.session.commit()
    return told
