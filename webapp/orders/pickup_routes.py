"""Issue 21 on the board: the counter's two steps for an order the buyer collects at the shop
(webapp/orders/pickup.py), from the board's card or the order's page; busy mode and the
acceptance countdown the board draws."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, request
from flask_login import current_user

from webapp.models import Role, utcnow
from webapp.orders import bp, pickup
from webapp.orders.routes import _after_merchant_action
from webapp.shops.promise import outlook
from webapp.web import role_required


@bp.post("/<int:order_id>/hand-over")
@role_required(Role.MERCHANT)
def hand_over(order_id: int):
    """Hand a pickup order over at the counter; the buyer inspects and signs on their phone."""
    return _after_merchant_action(pickup.hand_over(order_id, current_user))


@bp.post("/<int:order_id>/pick-up")
@role_required(Role.MERCHANT)
def pick_up(order_id: int):
    """Mark a pickup order collected, with the pickup code the buyer shows."""
    return _after_merchant_action(pickup.pick_up(order_id, current_user,
                                                 request.form.get("code", "")))


@bp.record_once
def board_extras(state):
    """What the board draws besides its cards: the shop's busy mode (orders/_busy.html), and
    each placed order's acceptance deadline for the card's countdown. Globals, since the board
    imports its card macros without the page's context."""
    state.app.jinja_env.globals.update(shop_outlook=outlook, accept_left=accept_left)


def accept_left(order) -> int:
    """Seconds until a placed order is cancelled for want of acceptance (webapp/orders/expiry.py
    counts ORDER_ACCEPT_MINUTES from when it reached the board); 0 once past."""
    deadline = (order.placed_at or order.created_at) + timedelta(
        minutes=current_app.config["ORDER_ACCEPT_MINUTES"])
    return max(0, int((deadline - utcnow()).total_seconds()))
