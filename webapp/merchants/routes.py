from flask import flash, url_for
from flask_login import current_user

from webapp.merchants import bp, services
from webapp.merchants.forms import CreateCourierForm, SubmitApplicationForm
from webapp.models import ApplicationStatus, Role
from webapp.shops.services import own_shop_or_403, shop_of
from webapp.web import ServiceError, redirect_to, render, role_required


@bp.get("/")
@role_required(Role.MERCHANT)
def dashboard():
    """Show the merchant where they stand: application, shop, next steps."""
    return render("merchants/dashboard.html", application=services.latest_application(current_user),
                  shop=shop_of(current_user))


@bp.route("/apply", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def apply():
    """Submit (or resubmit) the real-name application."""
    latest = services.latest_application(current_user)
    if latest is not None and latest.status is not ApplicationStatus.REJECTED:
        return redirect_to(url_for("merchants.dashboard"))
    form = SubmitApplicationForm()
    if form.validate_on_submit():
        data = {name: form[name].data for name in
                ("legal_name", "id_number", "uscc", "mobile", "shop_name", "shop_address")}
        services.submit_application(current_user, **data)
        flash("已提交实名认证资料，平台将尽快审核。", "success")
        return redirect_to(url_for("merchants.dashboard"))
    if not form.is_submitted() and latest is not None:
        for name in ("legal_name", "mobile", "shop_name", "shop_address", "uscc"):
            form[name].data = getattr(latest, name)
    return render("merchants/apply.html", "merchants/_apply_form.html",
                  status=422 if form.errors else 200, form=form, latest=latest)


@bp.route("/couriers", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def couriers():
    """List the shop's couriers and create new courier accounts."""
    shop = own_shop_or_403(current_user)
    form = CreateCourierForm()
    created = None
    if form.validate_on_submit():
        try:
            created = services.create_courier(shop, display_name=form.display_name.data,
                                              mobile=form.mobile.data, password=form.password.data)
        except ServiceError as error:
            form.mobile.errors.append(error.message)
        else:
            form = CreateCourierForm(formdata=None)
    return render("merchants/couriers.html", "merchants/_couriers.html",
                  status=422 if form.errors else 200, form=form, created=created,
                  couriers=services.couriers_of(shop), shop=shop)
