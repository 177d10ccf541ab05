"""Who may read and write which conversation; every conversation a view, a socket handler or a
service acts on is loaded here, through the user asking.

A conversation's buyer always reads it. Its shop's owner reads the order and demand ones. The
courier reads and writes the buyer's conversation with the courier only while the delivery is
under way, and only as the courier assigned now: once it ends, it is closed to the courier (the
buyer still reads it, as the record). Anyone else gets None, which views turn into a 404 that
never says the conversation exists."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import (
    AfterSale,
    Conversation,
    Delivery,
    Order,
    Role,
    Shop,
    ShopStatus,
    Status,
    Topic,
    User,
)
from webapp.web import MAX_ID

# The delivery is under way: assigned, picked up, at the door. The courier's conversation with
# the buyer is open (and the buyer's number shown to the courier) only then.
UNDER_WAY = frozenset({Status.DISPATCHED, Status.DELIVERING, Status.ARRIVED})


@dataclass(frozen=True)
class Seat:
    """One user's place in one conversation: as which party, and whether they may write."""

    conversation: Conversation
    party: str  # "buyer", "shop" or "courier"
    may_write: bool


def valid_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def courier_of(order: Order | None) -> int | None:
    """The courier the order's delivery is assigned to while it is under way; else None."""
    if order is None or order.status not in UNDER_WAY or order.delivery is None:
        return None
    return order.delivery.courier_id


def seat(user: User, conversation_id) -> Seat | None:
    """The user's seat in the conversation, or None if it is not theirs to read."""
    if not valid_id(conversation_id) or not user.is_authenticated:
        return None
    conversation = db.session.scalar(
        select(Conversation).where(Conversation.id == conversation_id)
        .options(joinedload(Conversation.shop), joinedload(Conversation.order)
                 .joinedload(Order.delivery)))
    if conversation is None:
        return None
    return seat_in(user, conversation)


def seat_in(user: User, conversation: Conversation) -> Seat | None:
    """The user's seat in a loaded conversation, or None."""
    courier_topic = conversation.topic is Topic.ORDER_COURIER
    if user.role is Role.BUYER and conversation.buyer_id == user.id:
        open_ = not courier_topic or courier_of(conversation.order) is not None
        return Seat(conversation, "buyer", open_)
    if user.role is Role.MERCHANT and not courier_topic and conversation.shop.owner_id == user.id:
        return Seat(conversation, "shop", conversation.shop.status is ShopStatus.ACTIVE)
    if user.role is Role.COURIER and courier_topic and courier_of(conversation.order) == user.id:
        return Seat(conversation, "courier", True)
    return None


def parties(conversation: Conversation) -> dict[str, int]:
    """Who takes part now, by party: the users a new message goes to."""
    found = {"buyer": conversation.buyer_id}
    if conversation.topic is Topic.ORDER_COURIER:
        courier = courier_of(conversation.order)
        if courier is not None:
            found["courier"] = courier
    elif conversation.shop.status is ShopStatus.ACTIVE:
        found["shop"] = conversation.shop.owner_id
    return found


def admin_may_read(conversation: Conversation) -> bool:
    """The platform reads an order's conversations as part of an after-sales case on it."""
    return conversation.order_id is not None and db.session.scalar(
        select(AfterSale.id).where(AfterSale.order_id == conversation.order_id).limit(1)) is not None


def mine_clause(user: User):
    """The condition for the conversations `user` reads (the list page, unread counts)."""
    if user.role is Role.BUYER:
        return Conversation.buyer_id == user.id
    if user.role is Role.MERCHANT:
        own = select(Shop.id).where(Shop.owner_id == user.id).scalar_subquery()
        return (Conversation.shop_id == own) & (Conversation.topic != Topic.ORDER_COURIER)
    if user.role is Role.COURIER:
        mine = (select(Order.id).join(Delivery, Delivery.order_id == Order.id)
                .where(Delivery.courier_id == user.id, Order.status.in_(UNDER_WAY)))
        return (Conversation.topic == Topic.ORDER_COURIER) & Conversation.order_id.in_(mine)
    return Conversation.id.is_(None)
