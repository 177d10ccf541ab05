"""Chat over Socket.IO. A page joins its conversation's room only after the access check (as
the participant it is), and gets the messages newer than the last one it has: the same call
catches a page up after a reconnect. Messages are sent, read marks moved and the unread total
asked here; a broadcast carries only numbers, and each page gets the messages worded in its
own language from chat:join."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user
from flask_socketio import join_room

from webapp.chat import access, services
from webapp.extensions import socketio
from webapp.realtime import chat_room
from webapp.web import MAX_ID, ServiceError

ERRORS = {409: "closed", 422: "invalid", 429: "too_fast"}


def _number(data, key: str, default: int | None = None) -> int | None:
    value = data.get(key, default) if isinstance(data, dict) else default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        return None
    return value


def _seat(data) -> access.Seat | None:
    if not current_user.is_authenticated:
        return None
    return access.seat(current_user, _number(data, "conversation_id"))


@socketio.on("chat:join")
def join(data):
    """Show a conversation live, with the messages newer than `after` (0: the latest page)."""
    seat, after = _seat(data), _number(data, "after", 0)
    if seat is None or after is None:
        return {"ok": False, "error": "forbidden" if seat is None else "bad_request"}
    conversation = seat.conversation
    join_room(chat_room(conversation.id, seat.party, current_user.id))
    messages = services.messages_after(conversation, after)
    others = [uid for party, uid in access.parties(conversation).items() if party != seat.party]
    return {"ok": True, "last_id": messages[-1].id if messages else after,
            "more": len(messages) == services.CATCH_UP,
            "read_by_other": services.read_mark(others[0], conversation) if others else 0,
            "html": render_template("chat/_messages.html", entries=messages, seat=seat,
                                    conversation=conversation)}


@socketio.on("chat:send")
def send(data):
    """Send words or a quick reply (a photo goes through the page's form)."""
    seat = _seat(data)
    if seat is None:
        return {"ok": False, "error": "forbidden"}
    body, reply = data.get("body", ""), data.get("reply")
    if not isinstance(body, str) or not (reply is None or isinstance(reply, str)):
        return {"ok": False, "error": "bad_request"}
    try:
        message = services.send(seat, current_user, body=body, reply=reply or None)
    except services.Limited as limited:
        return {"ok": False, "error": "too_fast", "retry_after": limited.retry_after,
                "message": limited.message}
    except ServiceError as refused:
        return {"ok": False, "error": ERRORS.get(refused.status, "refused"),
                "message": refused.message}
    return {"ok": True, "id": message.id}


@socketio.on("chat:read")
def read(data):
    """Mark the conversation read up to `upto`; answer the user's unread total."""
    seat, upto = _seat(data), _number(data, "upto")
    if seat is None or upto is None:
        return {"ok": False, "error": "forbidden" if seat is None else "bad_request"}
    moved = services.mark_read(current_user, seat.conversation, upto)
    return {"ok": True, "stored": moved, "unread": services.total_unread(current_user)}


@socketio.on("chat:unread")
def unread(data):
    """The user's unread messages in all their conversations (the nav's badge)."""
    if not current_user.is_authenticated:
        return {"ok": False, "error": "unauthorized"}
    return {"ok": True, "unread": services.total_unread(current_user)}
