"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from webapp import signed_in_pages
from webapp.admin.services import AUDIT_LABELS, FIELD_LABELS
from webapp.cart.services import count_of
from webapp.catalog.categories import CATEGORIES
from webapp.i18n import TranslatedLabels
from webapp.models import Role, Status
from webapp.models.order import PAYMENT_LABELS, PAYMENT_STATUS_LABELS, PICKUP_PAYMENT_LABELS
from webapp.orders.events import describe, reason_text, translated
from webapp.orders.proof import proof_intact
from webapp.orders.queries import BOARD_COLUMNS
from webapp.orders.reasons import (
    BUYER_CANCEL_REASONS,
    FAIL_REASONS,
    MERCHANT_CANCEL_REASONS,
    REJECT_REASONS,
)
from webapp.orders.state import FINAL, LABELS, PAYABLE, TRACKING, actions_for
from webapp.payments import state as payment_state
from webapp.shell_cache import ShellCache
from webapp.web import local_time, public_url, waited, yuan

VENDOR = {
    "htmx": "vendor/htmx-2.0.11.min.js",
    "socketio": "vendor/socket.io-4.8.4.min.js",
    "leaflet_js": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "signature_pad": "vendor/signature_pad-5.1.4.umd.min.js",
    "zxing": "vendor/zxing-library-0.21.3.umd.min.js",  # the product manager's barcode scanner
}


def cart_count() -> int:
    """Items in the signed-in buyer's carts, for the badge in the top bar."""
    if not current_user.is_authenticated or current_user.role is not Role.BUYER:
        return 0
    return count_of(current_user)


def _statuses(statuses) -> str:
    """A set of statuses as one attribute value ("cancelled completed ..."), for scripts."""
    return " ".join(sorted(s.value for s in statuses))


def register(app: Flask) -> None:
    """Register the filters and globals every template may use, and the {% shell %} tag."""
    app.jinja_env.add_extension(ShellCache)
    app.jinja_env.filters.update(
        yuan=yuan, local_time=local_time, waited=waited, masked_mobile=masked_mobile,
        # Chinese text that comes from Python data (a tab's label, a picked reason): shown in
        # the page's language. Not Jinja's `_`: no %-formatting, no Markup, "" stays "".
        translate=translated,
        # A rejected line's reason and note (or, in an older proof, both in one string).
        reason_text=reason_text,
        # An order event (a kind and its parameters), worded in the page's language.
        event_text=describe,
    )
    app.jinja_env.globals.update(
        CATEGORIES=CATEGORIES, cart_count=cart_count,
        BUYER_CANCEL_REASONS=BUYER_CANCEL_REASONS, MERCHANT_CANCEL_REASONS=MERCHANT_CANCEL_REASONS,
        FIELD_LABELS=TranslatedLabels(FIELD_LABELS), AUDIT_LABELS=TranslatedLabels(AUDIT_LABELS),
        BOARD_STATUSES={key: _statuses(statuses) for key, (_, statuses) in BOARD_COLUMNS.items()},
        STATUS_LABELS=TranslatedLabels(LABELS), PAYMENT_LABELS=TranslatedLabels(PAYMENT_LABELS),
        PICKUP_PAYMENT_LABELS=TranslatedLabels(PICKUP_PAYMENT_LABELS),
        PAYMENT_STATUS_LABELS=TranslatedLabels(PAYMENT_STATUS_LABELS),
        CHANNEL_LABELS=TranslatedLabels(payment_state.CHANNEL_LABELS),
        REFUND_LABELS=TranslatedLabels(payment_state.REFUND_LABELS),
        REFUND_REASONS=TranslatedLabels(payment_state.REFUND_REASONS),
        # The state machine's status sets, the one place templates and scripts read them from.
        FINAL=FINAL, PAYABLE=PAYABLE, TRACKING=TRACKING,
        FINAL_STATUSES=_statuses(FINAL), TRACKING_STATUSES=_statuses(TRACKING),
        Role=Role, Status=Status, VENDOR=VENDOR, actions_for=actions_for,
        FAIL_REASONS=FAIL_REASONS, REJECT_REASONS=REJECT_REASONS, proof_intact=proof_intact,
        public_url=public_url,
    )
    signed_in_pages.init_app(app, cart_count)  # csrf_token(), cart_count(), cart_link()


def masked_mobile(mobile: str | None) -> str:
    """13912345678 -> 139****5678: enough for the courier to recognise, not to copy down."""
    mobile = (mobile or "").strip()
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 8 else mobile
