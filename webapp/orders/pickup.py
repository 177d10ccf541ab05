"""Self-pickup (到店自取, issue 21): the buyer collects the order at the shop's counter. No
courier: the shop either hands the goods over for the buyer to inspect and sign on their own
phone (accepted -> arrived, then the buyer's usual signature), or marks them picked up once the
buyer shows the order's pickup code, which is its receipt code (accepted -> completed; wrong
codes count and lock as at the door, webapp/orders/handover.py). Both moves are the pickup
table's (webapp/orders/state.py PICKUP_TRANSITIONS)."""
from __future__ import annotations

from webapp.models import EventKind, Order, Status, User
from webapp.orders.handover import match_code
from webapp.orders.queries import order_for
from webapp.orders.state import Action
from webapp.orders.transitions import apply, check, finish


def hand_over(order_id: int, actor: User) -> Order:
    """The shop hands a pickup order over at the counter: the buyer inspects and signs."""
    order = order_for(actor, order_id)
    apply(order, Action.HAND_OVER, actor, EventKind.HANDED_OVER)
    return finish(order)


def pick_up(order_id: int, actor: User, code: str | None) -> Order:
    """The shop marks a pickup order collected, with the pickup code the buyer shows."""
    order = order_for(actor, order_id)
    check(order, Action.PICK_UP, actor, Status.COMPLETED)  # before a code is counted
    match_code(order, code, actor)
    apply(order, Action.PICK_UP, actor, EventKind.PICKED_UP)
    return finish(order)
