"""Chat (issue 20): a conversation per order between its buyer and its shop, one between the
buyer and the courier while the delivery is under way, and one per demand and shop (a shop's
questions before quoting). Messages are never edited or deleted: the conversation is the record
an after-sales case can show. Who may read and write is decided in webapp/chat/access.py."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import db, utcnow
from webapp.models.demand import Demand
from webapp.models.order import Order
from webapp.models.shop import Shop
from webapp.models.user import User, str_enum


class Topic(StrEnum):
    ORDER_SHOP = "order_shop"  # an order's buyer and its shop
    ORDER_COURIER = "order_courier"  # an order's buyer and its courier, while under way
    DEMAND = "demand"  # a demand's buyer and one shop, before (or beside) its quote


class Conversation(db.Model):
    __tablename__ = "conversation"
    __table_args__ = (
        # One conversation of each topic per order, one per demand and shop: two taps on
        # 联系商家 at once open the same one (NULLs never collide, so each pair covers its topic).
        UniqueConstraint("order_id", "topic"),
        UniqueConstraint("demand_id", "shop_id"),
        # The lists: a buyer's and a shop's conversations, latest message first.
        Index("ix_conversation_buyer_last", "buyer_id", "last_message_id"),
        Index("ix_conversation_shop_last", "shop_id", "last_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[Topic] = mapped_column(str_enum(Topic))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shop.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demand.id"))
    last_message_id: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    buyer: Mapped[User] = relationship()
    shop: Mapped[Shop] = relationship()
    order: Mapped[Order | None] = relationship()
    demand: Mapped[Demand | None] = relationship()


class ChatMessage(db.Model):
    __tablename__ = "chat_message"
    __table_args__ = (
        # A conversation read from an id on (catch-up, pages); a sender's last minute (the limit).
        Index("ix_chat_message_conversation_id", "conversation_id", "id"),
        Index("ix_chat_message_sender_at", "sender_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The sender's words (control characters stripped), or "" for a photo or a quick reply.
    body: Mapped[str] = mapped_column(String(500), default="")
    # A quick reply is stored as its message id and worded in the reader's language.
    quick: Mapped[str | None] = mapped_column(String(40))
    photo: Mapped[str | None] = mapped_column(String(120))  # a webapp/uploads name
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    sender: Mapped[User] = relationship()


class ChatRead(db.Model):
    """How far one participant has read one conversation."""

    __tablename__ = "chat_read"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
