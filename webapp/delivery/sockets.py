from flask_login import current_user

from webapp.delivery.services import PositionRefused, record_late, record_position
from webapp.extensions import socketio
from webapp.roles import Role


def _from_courier(handler, data) -> dict:
    if not current_user.is_authenticated or current_user.role is not Role.COURIER:
        return {"ok": False, "error": "forbidden"}
    try:
        return handler(current_user, data)
    except PositionRefused as refused:
        return {"ok": False, "error": refused.code, "message": refused.message}


@socketio.on("delivery:position")
def position(data):
    """Take a position from the courier's phone; the ack says whether it was accepted."""
    ack = _from_courier(record_position, data)
    return ack if ack.get("ok") is False else {"ok": True}


@socketio.on("delivery:positions")
def late_positions(data):
    """Take the fixes the phone queued while offline; they become trail, never the marker."""
    return _from_courier(record_late, data)
