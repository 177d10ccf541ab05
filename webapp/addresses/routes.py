from urllib.parse import urlencode

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.addresses import bp, services
from webapp.addresses.forms import BuyerAddressForm
from webapp.models import Role
from webapp.web import redirect_to, render, role_required, safe_next, wants_fragment


@bp.get("/")
@role_required(Role.BUYER)
def index():
    """The buyer's address book."""
    return render("addresses/index.html", addresses=services.addresses_of(current_user))


def _after_save(address, message: str):
    flash(message, "success")
    target = safe_next(request.args.get("next"))
    if target:
        joiner = "&" if "?" in target else "?"
        return redirect_to(f"{target}{joiner}{urlencode({'address': address.id})}")
    return redirect_to(url_for("addresses.index"))


def _edit(address=None):
    form = BuyerAddressForm(obj=None)
    if request.method == "GET" and address is not None:
        form = BuyerAddressForm(data={
            "contact_name": address.contact_name, "mobile": address.mobile,
            "province": address.province_code, "city": address.city_code,
            "district": address.district_code, "street": address.detail,
            "lat": address.lat, "lng": address.lng, "is_default": address.is_default})
    elif request.method == "GET":
        form.contact_name.data = current_user.display_name
        form.mobile.data = current_user.mobile or ""
    refreshing = "region_refresh" in request.form
    if not refreshing and form.validate_on_submit():
        saved = services.save(
            current_user, address, contact_name=form.contact_name.data, mobile=form.mobile.data,
            province_code=form.province.data, city_code=form.city.data,
            district_code=form.district.data, detail=form.street.data,
            lat=form.lat.data, lng=form.lng.data, is_default=form.is_default.data)
        return _after_save(saved, _("地址已保存。"))
    return render("addresses/edit.html", "addresses/_form.html",
                  status=422 if form.errors and not refreshing else 200, form=form,
                  address=address, next=safe_next(request.args.get("next")))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUYER)
def new():
    """Add an address: contact, mobile, province / city / district, detail, optional map pin."""
    return _edit()


@bp.route("/<int:address_id>/edit", methods=["GET", "POST"])
@role_required(Role.BUYER)
def edit(address_id: int):
    """Change one of the buyer's addresses."""
    return _edit(services.own_address(current_user, address_id))


@bp.post("/<int:address_id>/default")
@role_required(Role.BUYER)
def make_default(address_id: int):
    """Use this address by default at checkout and for nearby shops."""
    services.make_default(current_user, address_id)
    if wants_fragment():
        return render("addresses/index.html", "addresses/_list.html",
                      addresses=services.addresses_of(current_user))
    flash(_("已设为默认地址。"), "success")
    return redirect_to(url_for("addresses.index"))


@bp.post("/<int:address_id>/delete")
@role_required(Role.BUYER)
def delete(address_id: int):
    """Remove an address (orders already placed keep their copy)."""
    services.delete(current_user, address_id)
    if wants_fragment():
        return render("addresses/index.html", "addresses/_list.html",
                      addresses=services.addresses_of(current_user))
    flash(_("地址已删除。"), "success")
    return redirect_to(url_for("addresses.index"))
