"""The shop's licences for regulated categories (issue 21): uploaded here with kind, number,
expiry and a photo, each reviewed by an admin field by field (webapp/licences)."""
import click
from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.extensions import db
from webapp.licences import reminders
from webapp.licences import services as licences
from webapp.licences.forms import UploadLicenceForm
from webapp.licences.rules import KIND_LABELS, REGULATED
from webapp.merchants import (
    bp,
    rename,  # noqa: F401  (its pending_shop_name for the templates)
)
from webapp.models import Role, ShopLicence
from webapp.shops.services import own_shop_or_403, shop_of
from webapp.upload_limits import limit_uploads
from webapp.uploads import posted_image, send_private
from webapp.web import ServiceError, redirect_to, render, role_required


@bp.app_context_processor
def _licence_helpers() -> dict:
    """For any template: `expiring_licences()`, the signed-in merchant's licences lapsing soon
    (their pages' banner), and `held_licences(shop)`, the kinds a shop holds valid now (the
    持证经营 badge)."""
    def expiring_licences():
        if not current_user.is_authenticated or current_user.role is not Role.MERCHANT:
            return []
        shop = shop_of(current_user)
        return licences.expiring(shop.id) if shop is not None else []

    def held_licences(shop):
        held = licences.licensed_kinds(shop.id)  # one statement
        return [KIND_LABELS[kind] for kind in KIND_LABELS if kind in held]

    return {"expiring_licences": expiring_licences, "held_licences": held_licences,
            "LICENCE_KINDS": KIND_LABELS, "licence_days_left": licences.days_left}


def _page(shop, form, status: int = 200):
    return render("merchants/licences.html", "merchants/_licence_form.html", status=status,
                  shop=shop, form=form, licences=licences.licences_of(shop.id),
                  current=licences.current(shop.id), regulated=REGULATED, kinds=KIND_LABELS,
                  is_valid=licences.is_valid, field_labels=licences.FIELD_LABELS)


@bp.route("/licences", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
@limit_uploads
def licences_page():
    """The shop's licences and their review, and the form to upload one (or its renewal)."""
    shop = own_shop_or_403(current_user)
    form = UploadLicenceForm()
    if not form.is_submitted():
        return _page(shop, form)
    if form.validate():
        photo = posted_image(form.photo, licences.PHOTO_MAX_SIDE)
        if photo is None and not form.photo.errors:
            form.photo.errors = [_("请上传许可证照片")]
        if not any(form.errors.values()):
            try:
                licence = licences.submit(shop, current_user, kind=form.kind.data,
                                          number=form.number.data,
                                          expires_on=form.expires_on.data, photo=photo)
            except ServiceError as error:
                form.form_errors.append(error.message)
                return _page(shop, form, error.status)
            flash(_("已提交%(licence)s，平台审核通过后即可在相关类目上架。",
                    licence=_(KIND_LABELS[licence.kind])), "success")
            return redirect_to(url_for("merchants.licences_page"))
    return _page(shop, form, 422)


@bp.get("/licences/<int:licence_id>/photo")
@role_required(Role.MERCHANT, Role.ADMIN)
def licence_photo(licence_id: int):
    """A licence's photo, for the shop's own merchant and for admins only."""
    if not 0 < licence_id < 2**31:
        abort(404)
    query = select(ShopLicence).where(ShopLicence.id == licence_id)
    if current_user.role is not Role.ADMIN:
        shop = own_shop_or_403(current_user)
        query = query.where(ShopLicence.shop_id == shop.id)
    licence = db.session.scalar(query)
    if licence is None:
        abort(404)
    return send_private(licence.photo)


@bp.cli.command("licence-reminders")
def licence_reminders():
    """Tell merchants whose licence lapses within 30, then 7 days (cron, daily)."""
    click.echo(f"licence reminders sent: {reminders.remind()}")
