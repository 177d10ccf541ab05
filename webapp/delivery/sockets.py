from flask_login import current_user

from webapp.delivery.services import PositionRefused, record_position
from webapp.extensions import socketio
from webapp.orders.state import Role


@socketio.on("delivery:position")
def position(data):
    """Take a position from the courier's phone; the ack says whether it was accepted."""
    if not current_user.is_authenticated or current_user.role is not Role.COURIER:
        return {"ok": False, "error": "forbidden"}
    try:
        record_position(current_user, data)
    except PositionRefused as refused:
        return {"ok": False, "error": refused.code, "message": refused.message}
    return {"ok": True}
