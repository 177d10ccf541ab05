from flask_login import current_user
from flask_socketio import join_room

from webapp.demands.access import quoting_shop
from webapp.demands.quoting import watched_rooms
from webapp.extensions import socketio
from webapp.models import Role
from webapp.web import ServiceError


@socketio.on("demands:watch")
def watch(data=None):
    """Join the rooms where new demands of the shop's district and categories are announced
    (every category with {"scope": "all"}); approved merchants with an open shop only."""
    if not current_user.is_authenticated or current_user.role is not Role.MERCHANT:
        return {"ok": False, "error": "forbidden"}
    try:
        shop = quoting_shop(current_user)
    except ServiceError:
        return {"ok": False, "error": "forbidden"}
    everything = isinstance(data, dict) and data.get("scope") == "all"
    rooms = watched_rooms(shop, everything)
    for room in rooms:
        join_room(room)
    return {"ok": True, "district": shop.district_code, "rooms": len(rooms)}
