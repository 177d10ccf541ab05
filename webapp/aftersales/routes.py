"""The after-sales pages of the buyer and the shop: the request form after signing, the request
page with each party's next step, its photos, and the shop's list with its deadlines."""
from __future__ import annotations

import secrets
from types import SimpleNamespace

import click
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.aftersales import bp, door, moves, opening, policy, services
from webapp.aftersales.door_state import DoorAction, door_actions_for
from webapp.aftersales.forms import (
    DoorRefundForm,
    RequestForm,
    ShipForm,
    WordsForm,
    offer,
    posted_photos,
    quantities,
)
from webapp.aftersales.labels import (
    DOOR_METHOD_LABELS,
    DOOR_REFUND_LABELS,
    HISTORY_WORDS,
    KIND_LABELS,
    STATUS_LABELS,
    TIMEOUT_WORDS,
    WAITING_ON,
)
from webapp.aftersales.state import Action, actions_for
from webapp.models import Role
from webapp.shops.services import own_shop_or_403
from webapp.upload_limits import limit_uploads
from webapp.uploads import send_private
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

PARTIES = (Role.BUYER, Role.MERCHANT)


@bp.route("/orders/<int:order_id>/after-sales/new", methods=["GET", "POST"])
@role_required(Role.BUYER)
@limit_uploads
def new(order_id: int):
    """Ask for a refund only, or a return and refund, of chosen lines of a signed order."""
    order = opening.buyers_order(current_user, order_id)
    rooms = opening.rooms(order)
    form = RequestForm()
    offer(form, rooms)
    chosen, bad, status = {}, {}, 200
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_hex(16)
    else:
        chosen, bad = quantities(rooms, request.form)
        valid = form.validate_on_submit() and not bad
        photos = posted_photos(form.photos) if valid else []
        status = 422
        if valid and not form.photos.errors:
            try:
                made = opening.open_request(order.id, current_user, opening.Ask(
                    kind=form.kind.data, reason=form.reason.data, note=form.note.data or "",
                    quantities=chosen, photos=tuple(photos),
                    idempotency_key=form.idempotency_key.data))
            except ServiceError as error:
                if error.status in (403, 404):
                    raise
                form.form_errors.append(error.message)
                status = error.status
            else:
                flash(_("售后申请已提交，等待商家处理。"), "success")
                return redirect_to(url_for("aftersales.detail", request_id=made.id))
    return render("aftersales/new.html", "aftersales/_form.html", status=status, form=form,
                  order=order, rooms=rooms, chosen=chosen, bad=bad)


def _detail(after_sale, status: int = 200, **forms):
    ctx = {"after_sale": after_sale, "actions": actions_for(after_sale.status, current_user.role),
           "door_actions": door_actions_for(after_sale.door_refund, current_user.role),
           "words_form": forms.get("words_form") or WordsForm(formdata=None),
           "ship_form": forms.get("ship_form") or ShipForm(formdata=None),
           "door_form": forms.get("door_form") or DoorRefundForm(formdata=None)}
    return render("aftersales/detail.html", "aftersales/_panel.html", status=status, **ctx)


@bp.get("/after-sales/<int:request_id>")
@role_required(*PARTIES)
def detail(request_id: int):
    """The request for its buyer and its shop: where it stands, what was said, the next step."""
    return _detail(services.request_for(current_user, request_id))


def _act(request_id: int, action: Action, form=None, done: str = ""):
    if form is not None and not form.validate():
        after_sale = services.request_for(current_user, request_id)
        moves.check(after_sale, action, current_user)  # a stale tab: 409 first
        key = "ship_form" if isinstance(form, ShipForm) else "words_form"
        return _detail(after_sale, 422, **{key: form})
    after_sale = services.act(request_id, current_user, action,
                              form.note.data if form is not None else "")
    if not wants_fragment():
        flash(done, "success")
        return redirect_to(url_for("aftersales.detail", request_id=after_sale.id))
    return _detail(after_sale)


@bp.post("/after-sales/<int:request_id>/agree")
@role_required(Role.MERCHANT)
def agree(request_id: int):
    """Agree to the request as its shop (a refund only is refunded at once)."""
    return _act(request_id, Action.AGREE, done=_("已同意售后申请。"))


@bp.post("/after-sales/<int:request_id>/refuse")
@role_required(Role.MERCHANT)
def refuse(request_id: int):
    """Refuse the request, saying why (the buyer may then ask the platform)."""
    return _act(request_id, Action.REFUSE, WordsForm(), _("已拒绝售后申请。"))


@bp.post("/after-sales/<int:request_id>/receive")
@role_required(Role.MERCHANT)
def receive(request_id: int):
    """Confirm the returned goods arrived: the money goes back."""
    return _act(request_id, Action.RECEIVE, done=_("已确认收货，退款已发起。"))


@bp.post("/after-sales/<int:request_id>/withdraw")
@role_required(Role.BUYER)
def withdraw(request_id: int):
    """Withdraw the request (its quantities may be asked for again)."""
    return _act(request_id, Action.WITHDRAW, done=_("已撤回售后申请。"))


@bp.post("/after-sales/<int:request_id>/escalate")
@role_required(Role.BUYER)
def escalate(request_id: int):
    """Ask the platform to decide a request the shop refused, with the buyer's statement."""
    return _act(request_id, Action.ESCALATE, WordsForm(), _("已申请平台介入，请等待处理。"))


@bp.post("/after-sales/<int:request_id>/ship")
@role_required(Role.BUYER)
def ship(request_id: int):
    """Say how the goods were sent back (a courier's number, or handed over)."""
    return _act(request_id, Action.SHIP, ShipForm(), _("已提交寄回信息，等待商家收货。"))


@bp.post("/after-sales/<int:request_id>/door-refund")
@role_required(Role.MERCHANT)
def confirm_door_refund(request_id: int):
    """Say the refund owed at the door was paid back to the buyer (how, and a note), once."""
    form = DoorRefundForm()
    if not form.validate():
        after_sale = services.request_for(current_user, request_id)
        door.check(after_sale, DoorAction.CONFIRM, current_user)  # a stale tab: 409 first
        return _detail(after_sale, 422, door_form=form)
    after_sale = door.confirm(request_id, current_user, form.method.data, form.note.data or "")
    if not wants_fragment():
        flash(_("已确认退还，买家会在售后申请和订单记录中看到。"), "success")
        return redirect_to(url_for("aftersales.detail", request_id=after_sale.id))
    return _detail(after_sale)


@bp.get("/after-sales/<int:request_id>/photos/<int:index>")
@role_required(Role.BUYER, Role.MERCHANT, Role.ADMIN)
def photo(request_id: int, index: int):
    """One of the request's photos, for its buyer, its shop and the platform only."""
    after_sale = services.request_for(current_user, request_id)
    if index >= len(after_sale.photos or []):
        abort(404)
    return send_private(after_sale.photos[index])


@bp.get("/after-sales/shop")
@role_required(Role.MERCHANT)
def shop_list():
    """The shop's requests: those waiting for it, soonest deadline first; or all of them."""
    shop = own_shop_or_403(current_user)
    tab = request.args.get("tab", "waiting")
    if tab not in services.SHOP_TABS:
        tab = "waiting"
    keys = {"waiting": services.WAITING_KEY, "refund": door.OWED_KEY}.get(tab, services.NEWEST_KEY)
    after = paging.cursor_of(keys)
    page = door.shop_owed(shop, after) if tab == "refund" else services.shop_page(shop, tab, after)
    if after is not None and wants_fragment():
        return render("aftersales/shop.html", "aftersales/_shop_rows.html", tab=tab, listing=page)
    return render("aftersales/shop.html", "aftersales/_shop_list.html", tab=tab, listing=page,
                  now=policy.now())


@bp.cli.command("sweep")
def sweep_command() -> None:
    """Answer every passed after-sales deadline (cron, every minute): the shop's silence agrees."""
    click.echo(f"moved {services.sweep()} after-sales requests past their deadline")


@bp.app_template_global()
def after_sales_of(order) -> SimpleNamespace:
    """What an order's page shows of after-sales: its requests, and for its buyer until when a
    new one may be made (None: the period is over or nothing is left to ask for)."""
    until = opening.open_until(order) if current_user.role is Role.BUYER else None
    return SimpleNamespace(requests=services.requests_of_order(order), until=until)


@bp.app_template_filter()
def remaining(due_at) -> str:
    """Time left until `due_at`, as a reader counts it: 还剩 1 天 3 小时 / 还剩 45 分钟."""
    if due_at is None:
        return ""
    minutes = int((due_at - policy.now()).total_seconds() // 60)
    if minutes <= 0:
        return _("已到期")
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("还剩 %(d)s 天 %(h)s 小时", d=days, h=hours)
    if hours:
        return _("还剩 %(h)s 小时 %(m)s 分", h=hours, m=minutes)
    return _("还剩 %(m)s 分钟", m=minutes)


for _name, _value in (("AS_STATUS", STATUS_LABELS), ("AS_KINDS", KIND_LABELS),
                      ("AS_REASONS", policy.REASONS), ("AS_WAITING", WAITING_ON),
                      ("AS_HISTORY", HISTORY_WORDS), ("AS_TIMEOUT", TIMEOUT_WORDS),
                      ("AS_DOOR", DOOR_REFUND_LABELS), ("AS_DOOR_METHODS", DOOR_METHOD_LABELS)):
    bp.add_app_template_global(_value, _name)
