from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.extensions import db
from webapp.i18n import N_
from webapp.merchants import bp, services
from webapp.merchants.forms import (
    CreateCourierForm,
    DeliverySettingsForm,
    SubmitApplicationForm,
    UpdateShopForm,
    fee_fen,
)
from webapp.models import DOCUMENTS, ApplicationStatus, MerchantApplication, Role
from webapp.regions.fields import check_region, fill_choices
from webapp.regions.services import full_name as region_name
from webapp.shops.services import handle_problem, own_shop_or_403, shop_of
from webapp.shops.windows import parse_slots
from webapp.upload_limits import limit_uploads
from webapp.uploads import posted_image, send_private
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


@bp.get("/")
@role_required(Role.MERCHANT)
def dashboard():
    """Show the merchant where they stand: application, shop, next steps."""
    return render("merchants/dashboard.html", application=services.latest_application(current_user),
                  shop=shop_of(current_user))


FIELD_MESSAGES = {
    "legal_name": N_("请输入法定姓名"), "id_number": N_("请输入身份证号"),
    "mobile": N_("请输入联系手机"), "uscc": N_("请输入统一社会信用代码"),
    "shop_name": N_("请输入店铺名称"), "district": N_("请选择省份、城市和区县"),
    "street": N_("请输入详细地址"), "id_front": N_("请上传身份证人像面照片"),
    "id_back": N_("请上传身份证国徽面照片"), "licence_photo": N_("请上传营业执照照片"),
}


def cleaned_uploads(form, kinds) -> dict:
    """The photos posted for `kinds`, checked and re-encoded; a refusal goes on its field."""
    images = {kind: posted_image(form[kind], services.PHOTO_MAX_SIDES[kind]) for kind in kinds}
    return {kind: image for kind, image in images.items() if image is not None}


def _prefill(form: SubmitApplicationForm, latest) -> None:
    for name in ("legal_name", "mobile", "uscc", "shop_name", "handle_wish", "street"):
        form[name].data = getattr(latest, name)
    form.province.data, form.city.data = latest.province_code, latest.city_code
    form.district.data = latest.district_code
    fill_choices(form)


def _check(form: SubmitApplicationForm, latest, submit: bool) -> dict:
    """Checks that need more than one field or the last version; returns cleaned documents."""
    has = {n: bool(latest and getattr(latest, n)) for n in DOCUMENTS}
    has["id_number"] = bool(latest and latest.id_number_encrypted)
    if form.handle_wish.data:
        problem = handle_problem(form.handle_wish.data, current_user)
        if problem:
            form.handle_wish.errors.append(problem)
    if submit or form.province.data or form.city.data or form.district.data:
        problem = check_region(form)
        if problem:
            form.district.errors.append(problem)
    # Decoded even when another field is refused: the photos that pass are kept on the draft
    # (_keep_photos), so the work is not lost. (CSRFProtect refuses a forged post before this.)
    documents = cleaned_uploads(form, DOCUMENTS)
    if submit:
        for name, message in FIELD_MESSAGES.items():
            field = form[name]
            given = field.data if name not in DOCUMENTS else documents.get(name)
            if isinstance(given, str):
                given = given.strip()  # "  " is as empty as "" (the service strips it)
            if not given and not has.get(name) and not field.errors:
                field.errors.append(_(message))
    return documents


@bp.route("/apply", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
@limit_uploads
def apply():
    """Fill in, save as draft, and submit (or fix and resubmit) the real-name application."""
    latest = services.latest_application(current_user)
    if latest is not None and latest.status is ApplicationStatus.SUBMITTED:
        flash(_("资料正在审核中，审核完成前不能修改。"), "info")
        return redirect_to(url_for("merchants.dashboard"))
    form = SubmitApplicationForm()
    if request.method == "GET" and latest is not None:
        _prefill(form, latest)
    refreshing, kept = "region_refresh" in request.form, None
    if request.method == "POST" and not refreshing:
        submit = request.form.get("action") != "draft"
        form.validate()
        documents = _check(form, latest, submit)
        if not any(form.errors.values()):
            fields = {name: form[name].data or "" for name in
                      ("legal_name", "mobile", "uscc", "shop_name", "handle_wish", "street")}
            fields.update(province_code=form.province.data or "", city_code=form.city.data or "",
                          district_code=form.district.data or "",
                          shop_address=" ".join(filter(None, [
                              region_name(form.province.data, form.city.data,
                                          form.district.data), form.street.data or ""])))
            try:
                application = services.save_application(
                    current_user, fields=fields, id_number=form.id_number.data or None,
                    documents=documents, submit=submit)
            except ServiceError as error:
                # Another tab got there first: say so on the form, keep what was typed.
                form.form_errors.append(error.message)
                return render("merchants/apply.html", "merchants/_apply_form.html",
                              status=error.status, form=form, latest=latest,
                              notes=_notes_for(latest), shop=shop_of(current_user))
            flash(_("已提交实名认证资料，平台将尽快审核。") if submit else
                  _("草稿已保存（第 %(n)s 版）。", n=application.version), "success")
            return redirect_to(url_for("merchants.dashboard" if submit else "merchants.apply"))
        kept = _keep_photos(documents)
        latest = kept or latest
    status = 422 if any(form.errors.values()) else 200
    return render("merchants/apply.html", "merchants/_apply_form.html", status=status, form=form,
                  latest=latest, notes=_notes_for(latest), shop=shop_of(current_user),
                  kept=request.method == "POST" and kept is not None)


def _keep_photos(documents: dict) -> MerchantApplication | None:
    """After a refused post, the photos that passed their checks go on the draft (they cannot be
    given back to the browser's file inputs), which the form then shows as uploaded."""
    try:
        return services.keep_documents(current_user, documents)
    except ServiceError:
        return None


def _notes_for(latest) -> dict:
    """The reviewer's reasons, shown beside their fields while the merchant fixes them."""
    if latest is None:
        return {}
    if latest.status in (ApplicationStatus.NEEDS_INFO, ApplicationStatus.REJECTED):
        return latest.review_notes or {}
    if latest.status is ApplicationStatus.DRAFT:
        before = services.previous_version(latest)
        if before is not None and before.status in (ApplicationStatus.NEEDS_INFO,
                                                     ApplicationStatus.REJECTED):
            return before.review_notes or {}
    return {}


@bp.get("/applications/<int:application_id>/documents/<kind>")
@role_required(Role.MERCHANT, Role.ADMIN)
def document(application_id: int, kind: str):
    """An ID or licence photo, for the merchant who uploaded it and for admins only."""
    if kind not in DOCUMENTS:
        abort(404)
    if current_user.role is Role.ADMIN:
        application = db.session.get(MerchantApplication, application_id)
    else:
        application = db.session.scalar(select(MerchantApplication).where(
            MerchantApplication.id == application_id,
            MerchantApplication.user_id == current_user.id))
    if application is None or not getattr(application, kind):
        abort(404)
    return send_private(getattr(application, kind))


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


@bp.route("/shop", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
@limit_uploads
def shop_settings():
    """The owner's settings: name, description, logo and banner (hours: hours_routes.py)."""
    shop = own_shop_or_403(current_user)
    form = UpdateShopForm(obj=shop if request.method == "GET" else None)
    if form.validate_on_submit():
        images = cleaned_uploads(form, ("logo", "banner"))
        if not any(form.errors.values()):
            try:
                services.update_shop(shop, name=form.name.data,
                                     description=form.description.data or "", images=images)
            except ServiceError as error:  # a verified shop's rename cannot be sent for review now
                form.name.errors = [*form.name.errors, error.message]
            else:
                flash(_("店铺设置已保存。"), "success")
                if form.name.data.strip() != shop.name:
                    flash(_("店铺名称修改已提交审核，通过前仍显示原名称“%(name)s”。",
                            name=shop.name), "info")
                return redirect_to(url_for("merchants.shop_settings"))
    return render("merchants/shop_settings.html", "merchants/_shop_form.html",
                  status=422 if any(form.errors.values()) else 200, form=form, shop=shop,
                  delivery_form=_delivery_form(shop))


def _delivery_form(shop, formdata=None):
    if formdata is not None:
        return DeliverySettingsForm()
    return DeliverySettingsForm(formdata=None, data={
        "slots": [f"{a}-{b}" for a, b in parse_slots(shop.delivery_slots)],
        "delivery_days": shop.delivery_days, "delivery_lead_minutes": shop.delivery_lead_minutes,
        "delivery_fee": f"{shop.delivery_fee_fen / 100:.2f}"})


@bp.post("/shop/delivery")
@role_required(Role.MERCHANT)
def delivery_settings():
    """The delivery windows buyers choose from at checkout, and the delivery fee."""
    shop = own_shop_or_403(current_user)
    form = _delivery_form(shop, request.form)
    if form.validate_on_submit():
        services.update_delivery(shop, slots=form.slots.data, days=form.delivery_days.data,
                                 lead_minutes=form.delivery_lead_minutes.data,
                                 fee_fen=fee_fen(form.delivery_fee.data))
        if not wants_fragment():
            flash(_("配送设置已保存。"), "success")
            return redirect_to(url_for("merchants.shop_settings"))
        form, saved = _delivery_form(shop), True
    else:
        saved = False
    return render("merchants/shop_settings.html", "merchants/_delivery_form.html",
                  status=422 if form.errors else 200, delivery_form=form, shop=shop,
                  saved=saved, form=UpdateShopForm(obj=shop))
