"""The shop's hours and busy mode (issue 21): the settings form on the shop's settings page, and
the board's busy switch."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.merchants import bp
from webapp.merchants.forms import UpdateShopForm
from webapp.merchants.hours_forms import HoursSettingsForm, hours_form_of
from webapp.merchants.routes import _delivery_form
from webapp.models import Role
from webapp.shops.promise import outlook
from webapp.shops.services import own_shop_or_403
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


@bp.context_processor
def hours_form_helper():
    """The settings page draws the hours form from the shop unless a post brought its own."""
    return {"hours_form_of": hours_form_of}


@bp.post("/shop/hours")
@role_required(Role.MERCHANT)
def hours_settings():
    """Save the opening hours, closed days, location and busy-mode settings."""
    shop = own_shop_or_403(current_user)
    form = HoursSettingsForm()
    saved = False
    if form.validate_on_submit():
        shop.weekly_hours, shop.closed_days = form.weekly_hours(), form.closed_text()
        shop.prep_minutes = form.prep_minutes.data
        shop.busy_extra_minutes = form.busy_extra_minutes.data
        shop.busy_auto_orders = form.busy_auto_orders.data
        shop.auto_accept = bool(form.auto_accept.data)
        shop.lat, shop.lng = form.lat.data, form.lng.data
        db.session.commit()
        if not wants_fragment():
            flash(_("营业时间已保存。"), "success")
            return redirect_to(url_for("merchants.shop_settings"))
        form, saved = hours_form_of(shop), True
    return render("merchants/shop_settings.html", "merchants/_hours_form.html",
                  status=422 if form.errors else 200, hours_saved=saved, hours_form=form,
                  shop=shop, form=UpdateShopForm(obj=shop), delivery_form=_delivery_form(shop))


@bp.post("/busy")
@role_required(Role.MERCHANT)
def busy():
    """Turn busy mode on or off from the board (every promise then takes longer)."""
    shop = own_shop_or_403(current_user)
    value = request.form.get("busy")
    if value not in ("on", "off"):
        raise ServiceError(_("请选择开启或关闭繁忙模式。"), 422)
    shop.busy = value == "on"
    db.session.commit()
    if not wants_fragment():
        flash(_("已开启繁忙模式。") if shop.busy else _("已关闭繁忙模式。"), "success")
        return redirect_to(url_for("orders.board"))
    return render("orders/board.html", "orders/_busy.html", shop=shop, seen=outlook(shop))
