from flask import request
from flask_login import current_user
from flask_socketio import join_room

from webapp.extensions import socketio
from webapp.handover import links
from webapp.realtime import link_room


@socketio.on("track:watch")
def track_watch(data):
    """Watch an order read-only through its shared tracking link: its map, ETA and status,
    while it is under way; refused once it is final, expired, or for another order."""
    token = data.get("token") if isinstance(data, dict) else None
    link = links.read_token(token)
    if link is None:
        return {"ok": False, "error": "not_found"}
    if not current_user.is_authenticated and request.environ.get(links.LINK_ORDER) != link.order_id:
        return {"ok": False, "error": "forbidden"}
    order = links.find_order(link.order_id)
    if order is None:
        return {"ok": False, "error": "not_found"}
    if not links.is_live(order):
        return {"ok": False, "error": "final"}
    join_room(link_room(order.id))
    return links.public_state(order)
