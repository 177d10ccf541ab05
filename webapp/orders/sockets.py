from flask_login import current_user
from flask_socketio import join_room

from webapp.delivery.services import snapshot
from webapp.extensions import socketio
from webapp.orders.queries import find_order_for
from webapp.realtime import order_room
from webapp.web import MAX_ID


@socketio.on("order:watch")
def watch(data):
    """Join an order's room (its buyer, shop or courier only) and get its current state."""
    if not current_user.is_authenticated:
        return {"ok": False, "error": "unauthorized"}
    order_id = data.get("order_id") if isinstance(data, dict) else None
    if isinstance(order_id, str) and order_id.isdecimal() and len(order_id) < 20:
        order_id = int(order_id)
    if not isinstance(order_id, int) or isinstance(order_id, bool) or not 0 < order_id <= MAX_ID:
        return {"ok": False, "error": "bad_request"}
    order = find_order_for(current_user, order_id)
    if order is None:
        return {"ok": False, "error": "forbidden"}
    join_room(order_room(order.id))
    return snapshot(order)
