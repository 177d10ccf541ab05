"""The notification centre's pages: the list (mark read, mark all read, paged), the unread
count the bell shows, the settings (which kinds by which channel) and the Web Push
subscription a settings page's button makes."""
from __future__ import annotations

import click
from flask import abort, flash, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from py_vapid import Vapid02

from webapp import paging
from webapp.models import Role
from webapp.notifications import bp, centre, channels, settings
from webapp.notifications.kinds import CHANNELS, KINDS, LABELS, worded
from webapp.web import redirect_to, render, role_required, wants_fragment

EVERYONE = (Role.BUYER, Role.MERCHANT, Role.COURIER, Role.ADMIN)


@bp.get("/")
@role_required(*EVERYONE)
def index():
    """List the reader's notifications, newest first, a page at a time."""
    listing = centre.page(current_user.id, paging.cursor_of(centre.KEYS))
    return render("notifications/index.html", "notifications/_rows.html", listing=listing,
                  worded=worded, unread=centre.unread(current_user.id))


@bp.get("/count")
@role_required(*EVERYONE)
def count():
    """The reader's unread count, for the bell and the app badge."""
    response = jsonify(unread=centre.unread(current_user.id))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/<int:notification_id>/read")
@role_required(*EVERYONE)
def read(notification_id: int):
    """Mark one of the reader's notifications read."""
    row = centre.mark_read(current_user.id, notification_id)
    if row is None:
        abort(404)
    if wants_fragment():
        return render("notifications/_row.html", n=row, worded=worded)
    return redirect_to(url_for("notifications.index"))


@bp.post("/read-all")
@role_required(*EVERYONE)
def read_all():
    """Mark every notification of the reader read."""
    centre.mark_all_read(current_user.id)
    return redirect_to(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*EVERYONE)
def preferences():
    """Choose which kinds come by Web Push and by SMS (in-app always)."""
    kinds = centre.kinds_for(current_user.role)
    if request.method == "POST":
        on = {(kind.value, channel) for kind in kinds for channel in CHANNELS
              if request.form.get(f"{channel}-{kind.value}") == "on"}
        settings.save(current_user.id, on)
        flash(_("通知设置已保存"), "success")
        return redirect_to(url_for("notifications.preferences"))
    return render("notifications/settings.html", kinds=kinds, KINDS=KINDS, LABELS=LABELS,
                  choices=settings.choices(current_user.id),
                  vapid_key=channels.public_key(),
                  subscribed=centre.subscribed(current_user.id))


@bp.post("/push/subscribe")
@role_required(*EVERYONE)
def subscribe():
    """Keep this browser's Web Push subscription for the reader."""
    if not centre.subscribe(current_user.id, _posted(), str(get_locale() or "zh_CN")):
        return jsonify(ok=False, error=_("无法开启推送通知")), 400
    return jsonify(ok=True)


@bp.post("/push/unsubscribe")
@role_required(*EVERYONE)
def unsubscribe():
    """Forget this browser's Web Push subscription."""
    centre.unsubscribe(current_user.id, _posted().get("endpoint"))
    return jsonify(ok=True)


def _posted() -> dict:
    """The subscription as push-settings.js posts it (PushSubscription.toJSON()), or as form
    fields endpoint, p256dh and auth."""
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return data
    form = request.form
    return {"endpoint": form.get("endpoint"),
            "keys": {"p256dh": form.get("p256dh"), "auth": form.get("auth")}}


@bp.cli.command("vapid-keys")
def vapid_keys():
    """Print a new VAPID key pair for VAPID_PRIVATE_KEY (and the public key browsers get)."""
    key = Vapid02()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    click.echo(f"VAPID_PRIVATE_KEY={channels.b64(raw)}")
    click.echo(f"# public key (applicationServerKey): {channels.b64(channels.raw_public(key))}")
