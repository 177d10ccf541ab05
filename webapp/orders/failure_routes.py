"""What follows a failed delivery, on the order's page and the shop's board (issue 19): a new
window (the buyer or the shop), the shop taking the goods back, and the shop confirming that
returned goods have arrived. Calling it off is the order's cancel route."""
from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.models import Role
from webapp.orders import bp, failures
from webapp.orders.return_state import ReturnAction
from webapp.orders.routes import _after_merchant_action, _detail_context
from webapp.web import redirect_to, render, role_required, wants_fragment


def _answer(order, done: str):
    """The shop's board card or panel; the buyer's panel, or the page with `done` flashed."""
    if current_user.role is Role.MERCHANT:
        return _after_merchant_action(order)
    if not wants_fragment():
        flash(done, "success")
        return redirect_to(url_for("orders.detail", order_id=order.id))
    return render("orders/detail.html", "orders/_panel.html", **_detail_context(order))


@bp.post("/<int:order_id>/reschedule")
@role_required(Role.BUYER, Role.MERCHANT)
def reschedule(order_id: int):
    """Pick a new delivery window for a failed delivery; the shop dispatches it again."""
    order = failures.reschedule(order_id, current_user, request.form.get("window"))
    return _answer(order, _("已改约送达时间，商家会重新安排配送。"))


@bp.post("/<int:order_id>/take-back")
@role_required(Role.MERCHANT)
def take_back(order_id: int):
    """End a failed delivery and take its goods back."""
    return _answer(failures.take_back(order_id, current_user), "")


@bp.post("/<int:order_id>/return/<any(restock, write_off):how>")
@role_required(Role.MERCHANT)
def receive_return(order_id: int, how: str):
    """Confirm the returned goods have arrived: back on sale (restock), or not fit to sell."""
    return _answer(failures.receive_return(order_id, current_user, ReturnAction(how)), "")
