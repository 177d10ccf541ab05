from datetime import datetime

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.delivery import actions, bp, door, lists
from webapp.delivery.arrival import NotAtTheDoor, check_arrival
from webapp.i18n import user_zone
from webapp.models import Role, utcnow
from webapp.orders.queries import order_for
from webapp.orders.reasons import ARRIVE_REASONS
from webapp.orders.state import actions_for
from webapp.upload_limits import limit_uploads
from webapp.uploads import UploadRejected, clean_image
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


def _panel(order, done: str | None = None, status: int = 200, **ctx):
    if done and not wants_fragment():
        flash(done, "success")
        return redirect_to(url_for("delivery.detail", order_id=order.id))
    steps = actions_for(order.status, Role.COURIER)
    if "arrive" in steps:
        ctx.setdefault("arrival", check_arrival(order, utcnow()))
        ctx["arrive_reasons"] = ARRIVE_REASONS
    return render("delivery/detail.html", "delivery/_panel.html", status=status, order=order,
                  actions=steps, door=door.code_for(order), **ctx)


@bp.get("/")
@role_required(Role.COURIER)
def index():
    """The courier's deliveries, a page at a time: the open ones under way first, then today's
    (and overdue) and later ones, with how many are open; below the last open page, the finished
    ones. htmx's ?open_after= and ?after= get the next page of each; without htmx a page starts
    there (a link to the finished ones keeps ?open_after=, so it stays below the last page)."""
    open_after = paging.cursor_of(lists.OPEN_CURSOR, "open_after")
    after = paging.cursor_of(lists.CURSOR)
    open_cursor = request.args.get("open_after") if open_after is not None else None
    if after is not None and wants_fragment():
        return render("delivery/index.html", "delivery/_done_page.html", open_cursor=open_cursor,
                      done=lists.finished_deliveries(current_user, after))
    zone = user_zone()  # the viewer's day, as local_time shows the windows
    appended = open_after is not None and wants_fragment()
    page = lists.open_deliveries(current_user, open_after, datetime.now(zone).date(), zone,
                                 appended)
    ctx = dict(open=page, open_cursor=open_cursor,
               done=None if page.next else lists.finished_deliveries(current_user, after))
    if appended:
        return render("delivery/index.html", "delivery/_open_page.html", **ctx)
    return render("delivery/index.html", "delivery/_deliveries.html",
                  open_count=lists.open_count(current_user), **ctx)


@bp.get("/<int:order_id>")
@role_required(Role.COURIER)
def detail(order_id: int):
    """The courier's page for one delivery: start, live position, arrival."""
    return _panel(order_for(current_user, order_id))


@bp.post("/<int:order_id>/start")
@role_required(Role.COURIER)
def start(order_id: int):
    """Pick up the goods and start sending positions."""
    return _panel(actions.start(order_id, current_user), _("已开始配送，正在共享位置。"))


@bp.post("/<int:order_id>/fail")
@role_required(Role.COURIER)
@limit_uploads
def fail(order_id: int):
    """Report that the delivery cannot be completed: a reason from the list, a note, a photo."""
    reason, note = request.form.get("reason", ""), request.form.get("note", "")
    upload = request.files.get("photo")
    photo = None
    if upload is not None and upload.filename:
        actions.may_fail(order_id, current_user, reason)  # the photo is decoded last
        try:
            photo = clean_image(upload, max_side=actions.PHOTO_MAX_SIDE)
        except UploadRejected as rejected:
            order_for(current_user, order_id)  # a stranger still gets 404 first
            raise ServiceError(_("照片无法使用：%(reason)s", reason=rejected.message), 422) from None
    return _panel(actions.fail(order_id, current_user, reason, note, photo),
                  _("已上报配送失败，商家会重新安排。"))


@bp.post("/<int:order_id>/arrive")
@role_required(Role.COURIER)
def arrive(order_id: int):
    """Tell the buyer the courier is at the door: near the pin, or with a stated reason (refused
    with the distance and the reason form open otherwise)."""
    try:
        order = actions.arrive(order_id, current_user, request.form.get("reason", ""),
                               request.form.get("reason_text", ""))
    except NotAtTheDoor as refused:
        return _panel(order_for(current_user, order_id), status=refused.status,
                      arrival=refused.arrival, arrival_refused=refused.message)
    return _panel(order, _("已送达，请买家验货签收。"))


@bp.post("/<int:order_id>/pay-code")
@role_required(Role.COURIER)
def pay_code(order_id: int):
    """Show the buyer the channel's QR code for the amount due (after inspection)."""
    return _panel(door.show_code(order_id, current_user))


@bp.post("/<int:order_id>/pay-code/check")
@role_required(Role.COURIER)
def check_pay_code(order_id: int):
    """Ask the gateway whether the code was paid (its notification is late)."""
    order, paid = door.check_code(order_id, current_user)
    if paid:
        return _panel(order, _("已收到付款。"))
    if not wants_fragment():
        flash(_("还没有收到这笔付款。买家付款后，本页会自动更新。"), "info")
        return redirect_to(url_for("delivery.detail", order_id=order.id))
    return _panel(order, not_yet=True)
