"""The shop's public phone number, part of its settings (webapp/merchants/phone.py)."""
from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.auth.mobile import national
from webapp.merchants import bp, phone
from webapp.merchants.forms import UpdateShopForm
from webapp.merchants.routes import _delivery_form
from webapp.models import Role, Shop
from webapp.shops.services import own_shop_or_403
from webapp.web import redirect_to, render, role_required, wants_fragment


@bp.app_template_global()
def shop_phone_form(shop: Shop) -> phone.UpdateShopPhoneForm:
    """The settings page's phone form as the shop's number stands."""
    return phone.form_for(shop)


@bp.app_template_filter("phone")
def phone_filter(e164: str) -> str:
    """+861012345678 -> 010 1234 5678: a stored number as people read it."""
    return national(e164) if e164 else ""


@bp.post("/shop/phone")
@role_required(Role.MERCHANT)
def shop_phone():
    """Save the shop's public phone number and whether buyers may see it."""
    shop = own_shop_or_403(current_user)
    form = phone.UpdateShopPhoneForm()
    saved = False
    if form.validate_on_submit():
        phone.update_phone(shop, current_user._get_current_object(),
                           number=form.public_phone.e164, shown=form.phone_shown.data)
        if not wants_fragment():
            flash(_("店铺电话已保存。"), "success")
            return redirect_to(url_for("merchants.shop_settings"))
        form, saved = phone.form_for(shop), True
    return render("merchants/shop_settings.html", "merchants/_phone_form.html",
                  status=422 if form.errors else 200, phone_form=form, phone_saved=saved,
                  shop=shop, form=UpdateShopForm(obj=shop), delivery_form=_delivery_form(shop))
