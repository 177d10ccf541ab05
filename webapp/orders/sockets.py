from flask import request
from flask_login import current_user
from flask_socketio import join_room

from webapp.delivery.services import snapshot
from webapp.extensions import socketio
from webapp.orders.queries import order_to_watch
from webapp.realtime import watch_room
from webapp.roles import Role
from webapp.web import MAX_ID

# The orders this connection already watches, kept in its environ (which lives exactly as long
# as the connection): watching one of them again needs only to check it is still the user's and
# say where it stands, not the trail (a reconnect is a new connection, and gets everything).
WATCHING = "marketplace.watching"
MAX_WATCHED = 64
PARTY = {Role.BUYER: lambda user: "buyer", Role.MERCHANT: lambda user: "shop",
         Role.COURIER: lambda user: f"courier:{user.id}"}


def _order_id(data) -> int | None:
    order_id = data.get("order_id") if isinstance(data, dict) else None
    if isinstance(order_id, str) and order_id.isdecimal() and len(order_id) < 20:
        order_id = int(order_id)
    if not isinstance(order_id, int) or isinstance(order_id, bool) or not 0 < order_id <= MAX_ID:
        return None
    return order_id


@socketio.on("order:watch")
def watch(data):
    """Watch an order as one of its current parties and get its state (the trail only the
    first time on a connection); live positions then reach this page while it stays theirs."""
    if not current_user.is_authenticated:
        return {"ok": False, "error": "unauthorized"}
    order_id = _order_id(data)
    if order_id is None:
        return {"ok": False, "error": "bad_request"}
    watching = request.environ.setdefault(WATCHING, set())
    order = order_to_watch(current_user, order_id)
    if order is None:
        watching.discard(order_id)
        return {"ok": False, "error": "forbidden"}
    again = order.id in watching
    if not again:
        if len(watching) >= MAX_WATCHED:
            watching.clear()
        join_room(watch_room(order.id, PARTY[current_user.role](current_user)))
        watching.add(order.id)
    return snapshot(order, light=again)
