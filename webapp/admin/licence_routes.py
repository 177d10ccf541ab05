"""The admin's review of shops' licences for regulated categories (issue 21): the queue, oldest
first, and a review page per licence with a reason per field, as the real-name application's."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.admin import bp
from webapp.i18n.marks import TranslatedLabels
from webapp.licences import services as licences
from webapp.licences.rules import KIND_LABELS, categories_of
from webapp.licences.state import STATUS_LABELS, LicenceEvent
from webapp.models import LICENCE_FIELDS, Role
from webapp.web import redirect_to, render, role_required, wants_fragment


@bp.get("/licences")
@role_required(Role.ADMIN)
def licences_queue():
    """The licences waiting for review, oldest first, a page at a time (`?after=`); a "more" row
    fetches the next page's rows only."""
    after = paging.cursor_of(licences.QUEUE_KEY)
    ctx = {"licences": licences.review_queue(after), "kinds": KIND_LABELS}
    if after is not None and wants_fragment():
        return render("admin/licences.html", "admin/_licence_rows.html", **ctx)
    return render("admin/licences.html", count=licences.submitted_count(), **ctx)


def _context(licence) -> dict:
    return {"licence": licence, "holder": licences.verified_holder(licence),
            "trail": licences.audit_trail(licence), "fields": LICENCE_FIELDS,
            "kinds": KIND_LABELS, "opens": categories_of(licence.kind),
            "field_labels": licences.FIELD_LABELS, "audit_labels": licences.AUDIT_LABELS,
            "reason_labels": TranslatedLabels(licences.FIELD_LABELS),
            "status_labels": STATUS_LABELS}


@bp.get("/licences/<int:licence_id>")
@role_required(Role.ADMIN)
def licence_review(licence_id: int):
    """Every field of one licence beside its photo and the shop's verified data, with the
    decision form."""
    return render("admin/licence_review.html", **_context(licences.get(licence_id)))


def _decide(licence_id: int, event: LicenceEvent):
    notes = {name: request.form.get(f"note_{name}", "") for name in LICENCE_FIELDS}
    licence = licences.decide(licence_id, current_user, event, notes,
                              request.form.get("comment", ""))
    message = (_("已通过：%(shop)s 的%(licence)s，相关类目的商品现在可以上架。",
                 shop=licence.shop.name, licence=_(KIND_LABELS[licence.kind]))
               if event is LicenceEvent.APPROVED else
               _("已驳回，商家会看到每一项原因。"))
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("admin.licence_review", licence_id=licence.id))
    return render("admin/licence_review.html", "admin/_licence_decision.html", message=message,
                  **_context(licence))


@bp.post("/licences/<int:licence_id>/approve")
@role_required(Role.ADMIN)
def approve_licence(licence_id: int):
    """Approve a licence: its shop may sell and quote in the categories it opens until it lapses."""
    return _decide(licence_id, LicenceEvent.APPROVED)


@bp.post("/licences/<int:licence_id>/reject")
@role_required(Role.ADMIN)
def reject_licence(licence_id: int):
    """Reject a licence with a reason per field its merchant sees."""
    return _decide(licence_id, LicenceEvent.REJECTED)
