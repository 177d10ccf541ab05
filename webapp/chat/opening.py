"""Opening a conversation from 联系商家 / 联系买家: the one of its order (or demand and shop),
made the first time someone asks for it. Only a party may open it, and the courier's only while
the delivery is under way."""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.chat.access import courier_of
from webapp.demands import access as demand_access
from webapp.extensions import db
from webapp.models import Conversation, Quote, Role, Topic, User
from webapp.orders.queries import find_order_for
from webapp.web import ServiceError

# Who may open which topic of an order's conversations.
OPENERS = {Topic.ORDER_SHOP: (Role.BUYER, Role.MERCHANT),
           Topic.ORDER_COURIER: (Role.BUYER, Role.COURIER)}


def for_order(user: User, order_id: int, topic: Topic) -> Conversation:
    """The order's conversation of `topic`, for one of its parties (404 for anyone else)."""
    order = find_order_for(user, order_id) if user.role in OPENERS[topic] else None
    if order is None:
        abort(404)
    if topic is Topic.ORDER_COURIER:
        courier = courier_of(order)
        if courier is None or (user.role is Role.COURIER and courier != user.id):
            raise ServiceError(_("配送进行中才能和骑手联系。"), 409)
    return _get_or_make(Conversation.order_id == order.id, Conversation.topic == topic,
                        topic=topic, order_id=order.id, buyer_id=order.buyer_id,
                        shop_id=order.shop_id)


def for_demand(user: User, demand_id: int, shop_id: int) -> Conversation:
    """The conversation of a demand and a shop: its buyer with a shop that quoted on it (or
    already asked), or a shop that may quote on it with the buyer."""
    if user.role is Role.BUYER:
        demand = demand_access.demand_for_buyer(user, demand_id)
        quoted = select(Quote.id).where(Quote.demand_id == demand.id, Quote.shop_id == shop_id)
        asked = select(Conversation.id).where(Conversation.demand_id == demand.id,
                                              Conversation.shop_id == shop_id)
        if db.session.scalar(quoted.limit(1)) is None and db.session.scalar(asked) is None:
            abort(404)
    elif user.role is Role.MERCHANT:
        demand, shop = demand_access.demand_for_merchant(user, demand_id)
        if shop.id != shop_id:
            abort(404)
    else:
        abort(403)
    return _get_or_make(Conversation.demand_id == demand.id, Conversation.shop_id == shop_id,
                        topic=Topic.DEMAND, demand_id=demand.id, buyer_id=demand.buyer_id,
                        shop_id=shop_id)


def _get_or_make(*where, **fields) -> Conversation:
    found = db.session.scalar(select(Conversation).where(*where))
    if found is not None:
        return found
    try:
        conversation = Conversation(**fields)
        db.session.add(conversation)
        db.session.commit()
        return conversation
    except IntegrityError:  # opened from another tab a moment ago: that one
        db.session.rollback()
        return db.session.scalars(select(Conversation).where(*where)).one()
