"""The platform's after-sales queue: requests a shop refused and its buyer escalated, each with
the order, the proof of delivery and whether its digest still verifies, the delivery's track,
the photos and both sides' statements; an admin decides for the buyer or for the shop."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp import audit, paging
from webapp.aftersales import bp, door, moves, services
from webapp.aftersales.forms import RulingForm
from webapp.aftersales.state import Action
from webapp.extensions import db
from webapp.models import Role, TrackPoint
from webapp.orders.proof import proof_intact
from webapp.web import redirect_to, render, role_required, wants_fragment

RULINGS = {"buyer": Action.RULE_FOR_BUYER, "shop": Action.RULE_FOR_SHOP}
TRACK_SHOWN = 500  # points listed on the case page (a delivery sends about one a second)


@bp.get("/admin/after-sales")
@role_required(Role.ADMIN)
def admin_queue():
    """The escalated requests, oldest first, a page at a time; or (view=door) the refunds owed
    at the door that their shop has not said it paid back in DOOR_REFUND_OVERDUE_DAYS."""
    view = "door" if request.args.get("view") == "door" else "escalated"
    if view == "door":
        after = paging.cursor_of(door.OWED_KEY)
        page = door.overdue(after)
    else:
        after = paging.cursor_of(services.QUEUE_KEY)
        page = services.admin_queue(after)
    if after is not None and wants_fragment():
        return render("aftersales/admin_queue.html", "aftersales/_admin_rows.html", listing=page,
                      view=view)
    return render("aftersales/admin_queue.html", listing=page, view=view,
                  count=services.escalated_count(), overdue=door.overdue_count(),
                  days=current_app.config["DOOR_REFUND_OVERDUE_DAYS"])


def _track(order) -> list[TrackPoint]:
    if order.delivery is None:
        return []
    return db.session.scalars(select(TrackPoint).where(
        TrackPoint.delivery_id == order.delivery.id).order_by(TrackPoint.recorded_at)
        .limit(TRACK_SHOWN)).all()


def _case(after_sale, form=None, status: int = 200):
    order = after_sale.order
    return render("aftersales/admin_case.html", "aftersales/_admin_decision.html", status=status,
                  after_sale=after_sale, order=order, form=form or RulingForm(formdata=None),
                  intact=proof_intact(order) if order.proof is not None else None,
                  track=_track(order))


@bp.get("/admin/after-sales/<int:request_id>")
@role_required(Role.ADMIN)
def admin_case(request_id: int):
    """Everything the platform decides on, on one page."""
    return _case(services.request_for(current_user, request_id))


@bp.post("/admin/after-sales/<int:request_id>/decide")
@role_required(Role.ADMIN)
def decide(request_id: int):
    """Decide an escalated request: for the buyer (refund) or for the shop (closed)."""
    after_sale = services.request_for(current_user, request_id)
    form = RulingForm()
    if not form.validate() or form.ruling.data not in RULINGS:
        moves.check(after_sale, Action.RULE_FOR_BUYER, current_user)  # 409 first
        return _case(after_sale, form, 422)
    action = RULINGS[form.ruling.data]
    moves.check(after_sale, action, current_user)
    audit.record(current_user, f"after_sale.{action}", after_sale, note=form.note.data.strip())
    after_sale = services.act(request_id, current_user, action, form.note.data)
    if not wants_fragment():
        flash(_("已作出判定。"), "success")
        return redirect_to(url_for("aftersales.admin_case", request_id=after_sale.id))
    return _case(after_sale)


@bp.get("/admin/after-sales/<int:request_id>/signature.png")
@role_required(Role.ADMIN)
def signature(request_id: int):
    """The signature of the proof of the request's order, for the admin deciding it."""
    order = services.request_for(current_user, request_id).order
    if order.proof is None or order.proof.erased_at is not None:  # erased with an account
        abort(404)
    response = Response(order.proof.signature_png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response
