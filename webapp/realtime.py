"""Room names and emit-after-commit: a socket event never announces an uncommitted change.

An order's events go only to its current parties, worked out when each event is sent: its
buyer, its shop while the shop is open, and the courier it is assigned to now. Nobody has to
be taken out of a room when their part ends (a courier taken off the delivery, a shop
suspended), on this process or another: the next event simply does not name their room."""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.extensions import socketio


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def shop_room(shop_id: int) -> str:
    return f"shop:{shop_id}"


def watch_room(order_id: int, party: str) -> str:
    """Sockets of one party that watch one order's page: `party` is "buyer", "shop" or
    "courier:<id>". Positions go only here, so a page that does not show the order never
    receives them."""
    return f"order:{order_id}:{party}"


def order_rooms(order_id: int, *, shop_open: bool, courier_id: int | None) -> list[str]:
    """The watch rooms of an order's current parties."""
    rooms = [watch_room(order_id, "buyer")]
    if shop_open:
        rooms.append(watch_room(order_id, "shop"))
    if courier_id is not None:
        rooms.append(watch_room(order_id, f"courier:{courier_id}"))
    return rooms


def link_room(order_id: int) -> str:
    """Pages opened from a tracking link the buyer shared (webapp/handover): they hear the
    courier's positions and a bare status, nothing else, until the order is final."""
    return watch_room(order_id, "link")


def map_rooms(order_id: int, *, shop_open: bool, courier_id: int | None) -> list[str]:
    """Where the courier's positions go: the parties' watching pages and the shared links'."""
    return [*order_rooms(order_id, shop_open=shop_open, courier_id=courier_id),
            link_room(order_id)]


def demand_room(district_code: str, category: str) -> str:
    """Merchants of one district who sell one category hear its new demands here."""
    return f"demands:{district_code}:{category}"


def chat_room(conversation_id: int, party: str, user_id: int) -> str:
    """Sockets of one participant that show one conversation (webapp/chat): a new message is
    announced only to its current participants' rooms, so a courier whose delivery ended hears
    nothing more, though their socket may still be in the room."""
    return f"chat:{conversation_id}:{party}:{user_id}"


def emit_after_commit(session: Session, name: str, data: dict, *rooms: str) -> None:
    """Queue a socket event to go out once `session` commits; a rollback drops it."""
    session.info.setdefault("pending_emits", []).append((name, data, rooms))


def close_after_commit(session: Session, room: str) -> None:
    """Empty `room` on every process once `session` commits (through the message queue, in
    order with the events queued before and after it)."""
    session.info.setdefault("pending_emits", []).append((None, None, (room,)))


@event.listens_for(Session, "after_commit")
def _flush_emits(session: Session) -> None:
    for name, data, rooms in session.info.pop("pending_emits", []):
        if name is None:
            socketio.close_room(rooms[0])
            continue
        # One emit to all rooms: someone in two of them (a buyer in user:1 and order:7:buyer)
        # gets it once.
        socketio.emit(name, data, to=list(rooms) if len(rooms) > 1 else rooms[0])


@event.listens_for(Session, "after_soft_rollback")
def _drop_emits(session: Session, previous_transaction) -> None:
    session.info.pop("pending_emits", None)
