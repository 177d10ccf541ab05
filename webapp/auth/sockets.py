from flask_login import current_user
from flask_socketio import join_room

from webapp.extensions import socketio
from webapp.handover import links
from webapp.models import ShopStatus
from webapp.realtime import shop_room, user_room
from webapp.roles import Role
from webapp.shops.services import shop_of


@socketio.on("connect")
def connect(auth=None):
    """Refuse anonymous sockets, but for the page of a shared tracking link (its token in
    `auth`: it may watch that order's map only); put the user in their own room and, for
    merchants, their shop's while it is open (suspension empties it: webapp/admin/services.py)."""
    if not current_user.is_authenticated:
        if links.admit(auth):
            return True
        raise ConnectionRefusedError("unauthorized")
    join_room(user_room(current_user.id))
    if current_user.role is Role.MERCHANT:
        shop = shop_of(current_user)
        if shop is not None and shop.status is ShopStatus.ACTIVE:
            join_room(shop_room(shop.id))
    return True

