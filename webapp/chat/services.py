"""Sending, reading and counting messages. A message is stored, the conversation's latest id and
the sender's read mark move with it in one commit, and only then is it announced: to the
conversation's rooms of its current parties (the page shown) and to their user rooms (the badge),
as numbers only; each page asks for the messages worded in its own language."""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp import paging
from webapp.chat import quick
from webapp.chat.access import Seat, mine_clause, parties
from webapp.database import utcnow
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import ChatMessage, ChatRead, Conversation, User
from webapp.notifications import events as notifications
from webapp.paging import Key, Page
from webapp.realtime import chat_room, emit_after_commit, user_room
from webapp.uploads import CleanImage, discard, store
from webapp.web import ServiceError

MAX_LENGTH = 500
PAGE = 50  # messages shown at once; earlier ones a page at a time
LIST_PAGE = 30  # conversations listed at once; older ones a page at a time
# The list's order: the latest message first (a conversation opened without one has 0), along
# the indexes on (buyer_id, last_message_id) and (shop_id, last_message_id).
LIST_KEY = (Key(Conversation.last_message_id, descending=True), Key(Conversation.id, descending=True))
CATCH_UP = 100  # at most this many newer messages per catch-up (the page asks again for more)
# Control and format characters (bidirectional overrides, zero-width spaces, NUL…), but not the
# newline nor the zero-width joiner that holds emoji sequences together.
_KEPT = {"\n", "\u200d"}
_BLANK_LINES = re.compile(r"\n{3,}")
# How a notification names who wrote (a shop by its name) and a photo without words.
BUYER, COURIER, PHOTO = N_("买家"), N_("骑手"), N_("[照片]")


class Limited(ServiceError):
    """Too many messages in the last minute; `retry_after` in seconds."""

    status = 429

    def __init__(self, retry_after: int):
        super().__init__(_("消息发得太快了，请 %(n)s 秒后再试。", n=retry_after))
        self.retry_after = retry_after


def clean_text(text) -> str:
    """The words as stored: no control or format characters, at most two blank lines, trimmed."""
    if not isinstance(text, str):
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in _KEPT or unicodedata.category(c)[0] != "C")
    return _BLANK_LINES.sub("\n\n", text).strip()


def check_rate(user: User) -> None:
    """Refuse a message past CHAT_MESSAGES_PER_MINUTE from this user, on any process."""
    limit = current_app.config["CHAT_MESSAGES_PER_MINUTE"]
    if limit <= 0:
        return
    now = utcnow()
    recent = db.session.execute(
        select(func.count(), func.min(ChatMessage.created_at)).where(
            ChatMessage.sender_id == user.id,
            ChatMessage.created_at > now - timedelta(minutes=1))).one()
    if recent[0] >= limit:
        wait = (recent[1] + timedelta(minutes=1) - now).total_seconds()
        raise Limited(max(1, int(wait) + 1))


def send(seat: Seat, user: User, *, body: str = "", reply: str | None = None,
         photo: CleanImage | None = None) -> ChatMessage:
    """Store one message from `user` (words, a quick reply or a photo) and announce it."""
    conversation = seat.conversation
    if not seat.may_write:
        raise ServiceError(_("这段对话已结束，不能再发送消息。"), 409)
    body = clean_text(body)
    if len(body) > MAX_LENGTH:
        raise ServiceError(_("消息不能超过 %(n)s 个字。", n=MAX_LENGTH), 422)
    if reply is not None and reply not in quick.replies(seat.party, conversation.topic):
        raise ServiceError(_("请选择列出的快捷回复。"), 422)
    if not body and reply is None and photo is None:
        raise ServiceError(_("请输入消息内容或选择一张照片。"), 422)
    check_rate(user)
    name = store(photo, "chat") if photo is not None else None
    try:
        message = ChatMessage(conversation_id=conversation.id, sender_id=user.id,
                              body=body if reply is None else "", quick=reply, photo=name)
        db.session.add(message)
        db.session.flush()
        # Never back: a message sent a moment earlier may commit a moment later.
        db.session.execute(update(Conversation).where(
            Conversation.id == conversation.id, Conversation.last_message_id < message.id)
            .values(last_message_id=message.id))
        _announce(conversation, message)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if name:
            discard(name)
        raise
    mark_read(user, conversation, message.id, announce=False)  # one's own message is read
    return message


def _announce(conversation: Conversation, message: ChatMessage) -> None:
    now = parties(conversation)
    data = {"conversation_id": conversation.id, "id": message.id}
    rooms = [chat_room(conversation.id, party, user_id) for party, user_id in now.items()]
    emit_after_commit(db.session, "chat:message", data, *rooms)
    others = [user_id for user_id in now.values() if user_id != message.sender_id]
    if others:
        emit_after_commit(db.session, "chat:unread", data, *map(user_room, others))
    for user_id in others:
        _tell(conversation, message, user_id)


def _tell(conversation: Conversation, message: ChatMessage, user_id: int) -> None:
    """A notification (webapp/notifications) for the first message `user_id` has not read:
    the ones after it, until they read, only add to the conversation's unread count."""
    waiting = select(ChatMessage.id).where(
        ChatMessage.conversation_id == conversation.id, ChatMessage.id != message.id,
        ChatMessage.sender_id != user_id,
        ChatMessage.id > func.coalesce(select(ChatRead.last_read_id).where(
            ChatRead.conversation_id == conversation.id, ChatRead.user_id == user_id)
            .scalar_subquery(), 0))
    if db.session.scalar(waiting.limit(1)) is not None:
        return
    if message.sender_id == conversation.buyer_id:
        name = BUYER
    elif message.sender_id == conversation.shop.owner_id:
        name = conversation.shop.name
    else:
        name = COURIER
    text = message.quick or message.body or PHOTO
    worded = (("name",) if name in (BUYER, COURIER) else ()) + (
        ("text",) if message.quick or not message.body else ())
    notifications.chat_message(user_id, name, text, notifications.path(
        "chat.detail", conversation_id=conversation.id), worded=worded)


def messages_after(conversation: Conversation, after: int, limit: int = CATCH_UP) -> list:
    """The messages newer than `after`, oldest first (catch-up after a reconnect)."""
    return list(db.session.scalars(
        select(ChatMessage).where(ChatMessage.conversation_id == conversation.id,
                                  ChatMessage.id > after)
        .order_by(ChatMessage.id).limit(limit)))


def messages_before(conversation: Conversation, before: int | None) -> list:
    """A page of messages older than `before` (the newest page without it), oldest first."""
    query = select(ChatMessage).where(ChatMessage.conversation_id == conversation.id)
    if before is not None:
        query = query.where(ChatMessage.id < before)
    return list(reversed(db.session.scalars(query.order_by(ChatMessage.id.desc()).limit(PAGE)).all()))


def mark_read(user: User, conversation: Conversation, upto: int, announce: bool = True) -> bool:
    """Move the user's read mark up to `upto` (never back, never past the latest message), and
    tell the other participants' pages (their messages then read 已读). True if it moved."""
    upto = min(upto, conversation.last_message_id or upto)
    if upto <= 0:
        return False
    moved = db.session.execute(
        update(ChatRead).where(ChatRead.conversation_id == conversation.id,
                               ChatRead.user_id == user.id, ChatRead.last_read_id < upto)
        .values(last_read_id=upto, read_at=utcnow())).rowcount
    if not moved:
        if db.session.get(ChatRead, (conversation.id, user.id)) is not None:
            db.session.commit()
            return False
        db.session.add(ChatRead(conversation_id=conversation.id, user_id=user.id,
                                last_read_id=upto))
    rooms = [chat_room(conversation.id, party, user_id)
             for party, user_id in parties(conversation).items() if user_id != user.id]
    if rooms and announce:
        emit_after_commit(db.session, "chat:read", {"conversation_id": conversation.id,
                                                    "upto": upto, "user_id": user.id}, *rooms)
    try:
        db.session.commit()
    except IntegrityError:  # marked from another tab at the same moment: move that one
        db.session.rollback()
        return mark_read(user, conversation, upto, announce)
    return True


def read_mark(user_id: int, conversation: Conversation) -> int:
    """How far `user_id` has read the conversation (the other party's mark shows 已读)."""
    return db.session.scalar(select(ChatRead.last_read_id).where(
        ChatRead.conversation_id == conversation.id, ChatRead.user_id == user_id)) or 0


def _unread_query(user: User):
    return (select(ChatMessage.conversation_id, func.count())
            .outerjoin(ChatRead, (ChatRead.conversation_id == ChatMessage.conversation_id)
                       & (ChatRead.user_id == user.id))
            .where(ChatMessage.sender_id != user.id,
                   ChatMessage.id > func.coalesce(ChatRead.last_read_id, 0))
            .group_by(ChatMessage.conversation_id))


def unread_counts(user: User, conversation_ids) -> dict[int, int]:
    """Unread messages per conversation, for these conversations."""
    if not conversation_ids:
        return {}
    return dict(db.session.execute(_unread_query(user).where(
        ChatMessage.conversation_id.in_(list(conversation_ids)))).all())


def total_unread(user: User) -> int:
    """Unread messages in all the conversations the user reads (the nav's badge)."""
    mine = select(Conversation.id).where(mine_clause(user))
    return sum(n for _, n in db.session.execute(
        _unread_query(user).where(ChatMessage.conversation_id.in_(mine))).all())


def conversations_of(user: User, after: tuple | None = None, size: int = LIST_PAGE) -> Page:
    """A page of the user's conversations, latest message first, after the cursor `after`
    (paging.cursor_of(LIST_KEY))."""
    return paging.keyset(select(Conversation).where(mine_clause(user)), LIST_KEY, after, size)


def last_messages(conversations) -> dict[int, ChatMessage]:
    """Each conversation's latest message, for the list's preview line."""
    ids = [c.last_message_id for c in conversations if c.last_message_id]
    if not ids:
        return {}
    return {m.conversation_id: m for m in db.session.scalars(
        select(ChatMessage).where(ChatMessage.id.in_(ids)))}


def conversation_by_id(conversation_id: int) -> Conversation | None:
    return db.session.get(Conversation, conversation_id)


def message_in(conversation: Conversation, message_id: int) -> ChatMessage | None:
    return db.session.scalar(select(ChatMessage).where(
        ChatMessage.id == message_id, ChatMessage.conversation_id == conversation.id))


def record(order_id: int) -> list[tuple[Conversation, list[ChatMessage]]]:
    """An order's conversations with all their messages, for the after-sales case page."""
    conversations = db.session.scalars(select(Conversation).where(
        Conversation.order_id == order_id).order_by(Conversation.id)).all()
    return [(c, list(db.session.scalars(select(ChatMessage).where(
        ChatMessage.conversation_id == c.id).order_by(ChatMessage.id).limit(500))))
        for c in conversations]
