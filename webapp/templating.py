"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext

from webapp.models.order import PAYMENT_LABELS, PAYMENT_STATUS_LABELS
from webapp.orders.state import LABELS, Role, Status, actions_for
from webapp.i18n import TranslatedLabels
from webapp.i18n.notes import translate_note
from webapp.web import local_time, waited, yuan

VENDOR = {
    "htmx": "vendor/htmx-2.0.11.min.js",
    "socketio": "vendor/socket.io-4.8.4.min.js",
    "leaflet_js": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "signature_pad": "vendor/signature_pad-5.1.4.umd.min.js",
}


def register(app: Flask) -> None:
    app.jinja_env.filters["yuan"] = yuan
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["waited"] = waited
    # Chinese text that comes from Python data (a tab's label): shown in the page's language.
    # Plain gettext, not Jinja's `_`: no %-formatting and no Markup around a value.
    app.jinja_env.filters["translate"] = gettext
    # A note from an order's log (stored in Chinese), in the page's language.
    app.jinja_env.filters["translate_note"] = translate_note
    from webapp.admin.services import AUDIT_LABELS, FIELD_LABELS
    from webapp.orders.services import (
        BOARD_COLUMNS, BUYER_CANCEL_REASONS, FAIL_REASONS, MERCHANT_CANCEL_REASONS,
        REJECT_REASONS, amount_due, proof_intact, refund_due,
    )

    app.jinja_env.filters["masked_mobile"] = masked_mobile

    board_statuses = {key: " ".join(sorted(s.value for s in statuses))
                      for key, (_, statuses) in BOARD_COLUMNS.items()}

    from webapp.catalog.categories import CATEGORIES

    def cart_count() -> int:
        """Items in the signed-in buyer's carts, for the badge in the top bar."""
        from flask_login import current_user

        from webapp.cart.services import count_of

        if not current_user.is_authenticated or current_user.role is not Role.BUYER:
            return 0
        return count_of(current_user)

    app.jinja_env.globals.update(
        CATEGORIES=CATEGORIES, cart_count=cart_count,
        BUYER_CANCEL_REASONS=BUYER_CANCEL_REASONS, MERCHANT_CANCEL_REASONS=MERCHANT_CANCEL_REASONS,
        FIELD_LABELS=TranslatedLabels(FIELD_LABELS), AUDIT_LABELS=TranslatedLabels(AUDIT_LABELS),
        BOARD_STATUSES=board_statuses,
        STATUS_LABELS=TranslatedLabels(LABELS), PAYMENT_LABELS=TranslatedLabels(PAYMENT_LABELS),
        PAYMENT_STATUS_LABELS=TranslatedLabels(PAYMENT_STATUS_LABELS), PAYABLE={"arrived", "completed", "partially_refused"}, Role=Role, Status=Status,
        VENDOR=VENDOR, actions_for=actions_for,
        FAIL_REASONS=FAIL_REASONS, REJECT_REASONS=REJECT_REASONS, amount_due=amount_due,
        refund_due=refund_due, proof_intact=proof_intact,
    )


def masked_mobile(mobile: str | None) -> str:
    """13912345678 -> 139****5678: enough for the courier to recognise, not to copy down."""
    mobile = (mobile or "").strip()
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else mobile
