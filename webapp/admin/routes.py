from flask import flash, request, url_for
from flask_login import current_user

from webapp.admin import bp, services
from webapp.admin.forms import RejectApplicationForm
from webapp.models import ApplicationStatus, Role
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


@bp.get("/applications")
@role_required(Role.ADMIN)
def applications():
    """Show the review queue (or every application with ?all=1)."""
    status = None if request.args.get("all") else ApplicationStatus.SUBMITTED
    return render("admin/applications.html", "admin/_queue.html",
                  applications=services.review_queue(status), show_all=status is None,
                  reject_form=RejectApplicationForm())


@bp.post("/applications/<int:application_id>/approve")
@role_required(Role.ADMIN)
def approve(application_id: int):
    """Approve an application; this opens the merchant's shop."""
    shop = services.approve(application_id, current_user)
    if not wants_fragment():
        flash(f"已通过，店铺已开通：/s/{shop.handle}", "success")
        return redirect_to(url_for("admin.applications"))
    application = services.get_application(application_id)
    return render("admin/applications.html", "admin/_application.html",
                  application=application, shop=shop)


@bp.post("/applications/<int:application_id>/reject")
@role_required(Role.ADMIN)
def reject(application_id: int):
    """Reject an application with a reason."""
    form = RejectApplicationForm()
    if not form.validate():
        raise ServiceError("请填写驳回原因", 422)
    application = services.reject(application_id, current_user, form.comment.data)
    if not wants_fragment():
        flash(f"已驳回：{application.shop_name}", "success")
        return redirect_to(url_for("admin.applications"))
    return render("admin/applications.html", "admin/_application.html",
                  application=application, shop=None)
