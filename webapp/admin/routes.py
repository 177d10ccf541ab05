from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.admin import bp, refunds, services
from webapp.admin.forms import SynonymsForm
from webapp.audit import record
from webapp.extensions import db
from webapp.models import REVIEWABLE, Role, SynonymGroup
from webapp.payments.state import REFUND_LABELS
from webapp.search import synonyms as search_synonyms
from webapp.shops.services import shop_of
from webapp.web import (
    ServiceError,
    redirect_to,
    render,
    role_required,
    safe_next,
    wants_fragment,
    yuan,
)


@bp.get("/applications")
@role_required(Role.ADMIN)
def applications():
    """The review queue, oldest first, filtered by status, a page at a time (`?after=`); a "more"
    row fetches the next page's rows only (the tabs' counts are not read again for it)."""
    queue = request.args.get("status", "submitted")
    if queue not in services.QUEUES:
        abort(404)
    after = paging.cursor_of(services.QUEUE_KEY)
    ctx = {"queue": queue, "applications": services.review_queue(queue, after),
           "queues": services.QUEUES}
    if after is not None and wants_fragment():
        return render("admin/applications.html", "admin/_queue_rows.html", **ctx)
    return render("admin/applications.html", "admin/_queue.html", counts=services.queue_counts(),
                  **ctx)


def _review_context(application):
    return {"application": application, "shop": shop_of(application.user),
            "changed": services.changes_since_previous(application),
            "trail": services.audit_trail(application), "fields": REVIEWABLE}


@bp.get("/applications/<int:application_id>")
@role_required(Role.ADMIN)
def review(application_id: int):
    """Every field and document of one application side by side, with the decision form."""
    application = services.get_application(application_id)
    return render("admin/review.html", **_review_context(application))


def _notes() -> dict:
    return {name: request.form.get(f"note_{name}", "") for name in REVIEWABLE}


def _decided(application, message: str):
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("admin.review", application_id=application.id))
    return render("admin/review.html", "admin/_decision.html", **_review_context(application))


@bp.post("/applications/<int:application_id>/approve")
@role_required(Role.ADMIN)
def approve(application_id: int):
    """Approve an application; this opens the merchant's shop."""
    services.get_application(application_id)
    if any(v.strip() for v in _notes().values()):
        raise ServiceError(_("已填写了问题原因：请选择“驳回”或“要求补充资料”，或清空原因后再通过。"), 422)
    shop = services.approve(application_id, current_user)
    return _decided(services.get_application(application_id),
                    _("已通过，店铺已开通：/s/%(handle)s", handle=shop.handle))


@bp.post("/applications/<int:application_id>/reject")
@role_required(Role.ADMIN)
def reject(application_id: int):
    """Reject with a reason per field."""
    application = services.reject(application_id, current_user, _notes(),
                                  request.form.get("comment", ""))
    return _decided(application, _("已驳回，商家会看到每一项原因。"))


@bp.post("/applications/<int:application_id>/request-info")
@role_required(Role.ADMIN)
def request_info(application_id: int):
    """Ask the merchant for more information on the named fields."""
    application = services.request_info(application_id, current_user, _notes(),
                                        request.form.get("comment", ""))
    return _decided(application, _("已要求商家补充资料。"))


@bp.post("/applications/<int:application_id>/reveal")
@role_required(Role.ADMIN)
def reveal(application_id: int):
    """Show the full ID number to this reviewer, once, and log that it was shown."""
    number = services.reveal(application_id, current_user)
    # Without JavaScript the whole review page comes back, with the number in its place.
    return render("admin/review.html", "admin/_id_number.html", number=number,
                  **_review_context(services.get_application(application_id)))


@bp.post("/shops/<int:shop_id>/suspend")
@role_required(Role.ADMIN)
def suspend(shop_id: int):
    """Hide a shop from buyers (open orders go on)."""
    shop = services.suspend(shop_id, current_user, request.form.get("reason", ""))
    flash(_("已停业：%(shop)s", shop=shop.name), "success")
    return redirect_to(request.form.get("back") if _local(request.form.get("back"))
                       else url_for("admin.applications", status="suspended"))


@bp.post("/shops/<int:shop_id>/reinstate")
@role_required(Role.ADMIN)
def reinstate(shop_id: int):
    """Open a suspended shop again."""
    shop = services.reinstate(shop_id, current_user)
    flash(_("已恢复营业：%(shop)s", shop=shop.name), "success")
    return redirect_to(request.form.get("back") if _local(request.form.get("back"))
                       else url_for("admin.applications", status="approved"))


@bp.get("/refunds")
@role_required(Role.ADMIN)
def refunds_queue():
    """Refunds that failed or are being tried again, oldest first, a page at a time (`?after=`);
    a "more" row fetches the next page's rows only."""
    after = paging.cursor_of(refunds.QUEUE_KEY)
    ctx = {"refunds": refunds.queue(after)}
    if after is not None and wants_fragment():
        return render("admin/refunds.html", "admin/_refund_rows.html", **ctx)
    return render("admin/refunds.html", count=refunds.count(), **ctx)


@bp.post("/refunds/<int:refund_id>/send")
@role_required(Role.ADMIN)
def send_refund(refund_id: int):
    """Send a failed or retrying refund to its channel again now (audited)."""
    row = refunds.send_again(refund_id, current_user)
    refund = row.Refund
    message = (_("退款 %(amount)s 已退回买家。", amount=yuan(refund.amount_fen))
               if refund.status == "succeeded" else
               _("已重新发起退款 %(amount)s：%(status)s。", amount=yuan(refund.amount_fen),
                 status=_(REFUND_LABELS[refund.status])))
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("admin.refunds_queue"))
    return render("admin/refunds.html", "admin/_refund.html", row=row, message=message)


def _local(path) -> bool:
    return safe_next(path) is not None


@bp.route("/synonyms", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def synonyms():
    """Search's synonym groups per category (webapp/search/synonyms.py): one group per line."""
    form = SynonymsForm()
    status = 200
    if request.method == "GET":
        for key, text in search_synonyms.texts().items():
            if key in form:
                form[key].data = text
    elif form.validate_on_submit():
        parsed = {key: search_synonyms.parse(text) for key, text in form.groups().items()}
        for key, (_groups, problems) in parsed.items():
            form[key].errors = list(problems)
        if not any(problems for _groups, problems in parsed.values()):
            search_synonyms.replace({key: groups for key, (groups, _p) in parsed.items()})
            record(current_user, "synonyms.update", SynonymGroup(id=0),
                  groups=sum(len(groups) for groups, _p in parsed.values()))
            db.session.commit()
            flash(_("同义词已保存，搜索立即生效。"), "success")
            return redirect_to(url_for("admin.synonyms"))
        status = 422
    else:
        status = 422
    return render("admin/synonyms.html", "admin/_synonyms_form.html", status=status, form=form)
