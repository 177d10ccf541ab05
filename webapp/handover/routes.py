"""Handing over: the courier's phone signing for whoever receives the goods (with the receipt
code), the buyer's shared tracking link, and the page that link opens without a login."""
from __future__ import annotations

from flask import abort, current_app, flash, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.delivery import door
from webapp.errors import error_response
from webapp.extensions import limiter
from webapp.handover import bp, links
from webapp.handover.forms import HandoverForm
from webapp.i18n import N_
from webapp.models import Order, Role
from webapp.orders import handover, signing
from webapp.orders.forms import SignForm, inspection_from
from webapp.orders.queries import order_for
from webapp.orders.state import actions_for
from webapp.upload_limits import limit_uploads
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

LIMIT_MESSAGE = N_("输入收货码太频繁了，请稍后再试。")
SIGNED = {"completed": N_("已代收签收，订单已完成。"),
          "partially_refused": N_("已代收签收，拒收的商品不收费。"),
          "refused": N_("已拒收全部商品，本单无需付款。")}


def handover_limit() -> str:
    return current_app.config["HANDOVER_LIMIT"]


def _per_user() -> str:
    return f"user:{current_user.id}"


@bp.errorhandler(429)
def too_many(error):
    """Say which limit was hit (the upload limit answers for itself)."""
    if error.response is not None:
        return error.response
    return error_response(_(LIMIT_MESSAGE), 429)


def _courier_panel(order: Order, status: int = 200, **ctx):
    return render("delivery/detail.html", "delivery/_panel.html", status=status, order=order,
                  actions=actions_for(order.status, Role.COURIER), door=door.code_for(order),
                  **ctx)


@bp.post("/delivery/<int:order_id>/handover")
@role_required(Role.COURIER)
@limit_uploads
@limiter.limit(handover_limit, key_func=_per_user, error_message=LIMIT_MESSAGE)
def sign_here(order_id: int):
    """Sign on the courier's phone for whoever receives the goods: the receipt code and their
    name open the buyer's inspection and signature form here, and that form signs."""
    if "signature" in request.form:
        return _sign(order_id)
    order = order_for(current_user, order_id)
    form = HandoverForm()
    if not form.validate():
        return _courier_panel(order, 422, handover_form=form)
    try:
        order = handover.open_handover(order_id, current_user, form.code.data)
    except handover.Locked as locked:
        return _courier_panel(order, locked.status, handover_locked=locked.message)
    except ServiceError as refused:
        if refused.status not in (422,):
            raise
        form.code.errors = [refused.message]
        return _courier_panel(order, refused.status, handover_form=form)
    sign_form = SignForm(formdata=None, data={"signer_name": form.signer_name.data.strip()})
    return _courier_panel(order, sign_form=sign_form,
                          handover_code=handover.typed_code(form.code.data))


def _sign(order_id: int):
    """The inspection and signature, posted from the courier's phone with the code again."""
    order = order_for(current_user, order_id)
    code = handover.typed_code(request.form.get("code"))
    form = SignForm()
    checks, chosen = inspection_from(request.form, {}, order.lines)
    valid = form.validate_on_submit() and not any("error" in e for e in chosen.values())
    if valid:
        checks, chosen = inspection_from(request.form, request.files, order.lines)
    if not (valid and not any("error" in entry for entry in chosen.values())):
        return _courier_panel(order, 422, sign_form=form, inspection=chosen, handover_code=code)
    order = signing.sign(order_id, current_user, form.signer_name.data, form.signature.data,
                         checks, code=code)
    if not wants_fragment():
        flash(_(SIGNED[order.status]), "success")
        return redirect_to(url_for("delivery.detail", order_id=order.id))
    return _courier_panel(order)


@bp.get("/orders/<int:order_id>/share")
@role_required(Role.BUYER)
def share(order_id: int):
    """A tracking link for whoever receives the goods: the map, ETA and status, no login."""
    order = order_for(current_user, order_id)
    if not links.is_live(order):
        return render("error.html", status=409, message=_("订单已结束，不能再分享配送跟踪。"))
    token, expires = links.make_token(order)
    response = render("handover/share.html", "handover/_share.html", order=order, expires=expires,
                      link=url_for("handover.track", token=token, _external=True))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _linked_order(token: str) -> Order:
    """The order a valid link names, or the page that says the link is not (or no longer) good."""
    link = links.read_token(token)
    order = links.find_order(link.order_id) if link is not None else None
    if order is None:
        abort(404, description=_("跟踪链接无效或已过期，请向买家索取新的链接。"))
    return order


def _private(response):
    # The token is a capability: not kept or indexed (nor sent on to the map tiles: the app's
    # Referrer-Policy, same-origin, already keeps it from other sites).
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/t/<token>")
def track(token: str):
    """The shared tracking page: map, ETA and status only; delivered, then nothing live."""
    order = _linked_order(token)
    return _private(render("handover/track.html", order=order, token=token,
                           track=links.public_state(order), live=links.is_live(order)))


@bp.get("/t/<token>/live")
def track_live(token: str):
    """The shared page's state, for a page whose socket cannot connect."""
    return _private(jsonify(links.public_state(_linked_order(token))))
