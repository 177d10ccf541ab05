"""The admin's side of reviews: the queue of reported reviews (oldest report first) and of folded
ones, and fold / unfold / dismiss on each, audited (webapp/reviews/services.py)."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp import paging
from webapp.extensions import db
from webapp.models import ReviewReport, Role
from webapp.reviews import bp, queries, services
from webapp.reviews.forms import FoldForm
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

VIEWS = ("reported", "folded")


def _reports(shown) -> dict[int, list[ReviewReport]]:
    """The open reports of the listed reviews, in one query."""
    ids = [s.review.id for s in shown]
    found: dict[int, list[ReviewReport]] = {i: [] for i in ids}
    if ids:
        for entry in db.session.scalars(select(ReviewReport).where(
                ReviewReport.review_id.in_(ids), ReviewReport.resolved_at.is_(None))
                .order_by(ReviewReport.id)):
            found[entry.review_id].append(entry)
    return found


@bp.get("/reports")
@role_required(Role.ADMIN)
def queue():
    """Reported reviews, oldest report first (or `?view=folded`: the folded ones), a page at a
    time, each with its reports, badge and the fold form."""
    view = request.args.get("view", "reported")
    if view not in VIEWS:
        view = "reported"
    after = paging.cursor_of(queries.queue_keys(view))
    reviews, more = queries.queue(view, after)
    ctx = {"reviews": reviews, "more": more, "view": view, "reports": _reports(reviews),
           "mode": "admin", "more_url": "reviews.queue", "more_args": {"view": view}}
    if after is not None and wants_fragment():
        return render("reviews/queue.html", "reviews/_rows.html", **ctx)
    return render("reviews/queue.html", fold_form=FoldForm(formdata=None), **ctx)


def _decided(review, message: str):
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("reviews.queue"))
    shown = queries.one(review)
    return render("reviews/queue.html", "reviews/_review.html", shown=shown, mode="admin",
                  message=message, reports=_reports([shown]), fold_form=FoldForm(formdata=None))


@bp.post("/<int:review_id>/fold")
@role_required(Role.ADMIN)
def fold(review_id: int):
    """Fold a review behind a reason: it stays readable, never deleted."""
    services.any_review(review_id)
    form = FoldForm()
    if not form.validate_on_submit():
        raise ServiceError(_("请选择折叠原因。"), 422)
    review = services.fold(current_user, review_id, form.reason.data)
    return _decided(review, _("已折叠这条评价，原因会显示在评价的位置。"))


@bp.post("/<int:review_id>/unfold")
@role_required(Role.ADMIN)
def unfold(review_id: int):
    """Show a folded review in full again."""
    review = services.unfold(current_user, review_id)
    return _decided(review, _("已取消折叠，这条评价重新完整显示。"))


@bp.post("/<int:review_id>/dismiss")
@role_required(Role.ADMIN)
def dismiss(review_id: int):
    """Close a review's reports and leave it shown."""
    review = services.dismiss(current_user, review_id)
    return _decided(review, _("已驳回举报，评价保持原样显示。"))
