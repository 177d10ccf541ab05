"""Renaming a verified shop goes through review (issue 21): the new name is a new version of the
merchant's real-name application (services.request_rename), and until an admin approves it the
shop keeps its name. Here: the name waiting, for the merchant's pages."""
from __future__ import annotations

from flask_login import current_user

from webapp.merchants import bp, services
from webapp.models import ApplicationStatus, Role, Shop


def pending_name(shop: Shop | None) -> str | None:
    """The new name waiting for review, if the owner's latest version asks for one."""
    if shop is None or shop.application_id is None:
        return None
    latest = services.latest_application(shop.owner)
    if latest is not None and latest.status is ApplicationStatus.SUBMITTED \
            and latest.shop_name != shop.name:
        return latest.shop_name
    return None


@bp.app_context_processor
def _rename_helpers() -> dict:
    """`pending_shop_name(shop)` for the merchant's own pages."""
    def pending_shop_name(shop):
        if not current_user.is_authenticated or current_user.role is not Role.MERCHANT:
            return None
        return pending_name(shop)
    return {"pending_shop_name": pending_shop_name}
