"""Room names and emit-after-commit: a socket event never announces an uncommitted change."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import socketio


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def shop_room(shop_id: int) -> str:
    return f"shop:{shop_id}"


def order_room(order_id: int) -> str:
    return f"order:{order_id}"


def demand_room(district_code: str, category: str) -> str:
    """Merchants of one district who sell one category hear its new demands here."""
    return f"demands:{district_code}:{category}"


def emit_after_commit(session: Session, name: str, data: dict, *rooms: str) -> None:
    """Queue a socket event to go out once `session` commits; a rollback drops it."""
    session.info.setdefault("pending_emits", []).append((name, data, rooms))


@event.listens_for(Session, "after_commit")
def _flush_emits(session: Session) -> None:
    for name, data, rooms in session.info.pop("pending_emits", []):
        # One emit to all rooms: someone in two of them (a buyer in user:1 and order:7) gets it once.
        socketio.emit(name, data, to=list(rooms) if len(rooms) > 1 else rooms[0])


@event.listens_for(Session, "after_soft_rollback")
def _drop_emits(session: Session, previous_transaction) -> None:
    session.info.pop("pending_emits", None)
