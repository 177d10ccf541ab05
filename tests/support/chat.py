"""Chat for the security suite (tests/security): buyer A's conversation with shop A about an
accepted order, with words only its parties may read and a photo, and the checks that no one
else joins, sends to or reads it over the socket."""
from __future__ import annotations

import re

from hypothesis import strategies as st

from tests.support.images import jpeg_bytes
from tests.support.live import csrf_token
from webapp.chat import access, services
from webapp.chat.opening import _get_or_make
from webapp.extensions import db
from webapp.models import ChatMessage, Conversation, Topic
from webapp.uploads import clean_image

SECRET = "聊天秘密内容"


def victim_conversations(v) -> None:
    """Buyer A and shop A's conversation about `v.accepted`: a message and a photo."""
    order = v.accepted
    v.chat = _get_or_make(Conversation.order_id == order.id,
                          Conversation.topic == Topic.ORDER_SHOP, topic=Topic.ORDER_SHOP,
                          order_id=order.id, buyer_id=order.buyer_id, shop_id=order.shop_id)
    seat = access.seat_in(v.buyer_a, v.chat)
    services.send(seat, v.buyer_a, body=SECRET)
    services.send(seat, v.buyer_a, photo=clean_image(jpeg_bytes()))
    v.chat_photo = db.session.query(ChatMessage).filter(ChatMessage.photo.isnot(None)).one()


def _others_refused(event: str, data: dict):
    def check(app, v, connect):
        before = db.session.query(ChatMessage).count()
        for name in ("buyer", "merchant", "unapproved", "courier", "admin"):
            socket = connect(getattr(v, name))
            ack = socket.emit(event, {"conversation_id": v.chat.id, **data}, callback=True)
            assert ack == {"ok": False, "error": "forbidden"}, (name, ack)
            assert not any(SECRET in str(m) for m in socket.get_received())
        owner = connect(v.buyer_a)
        assert owner.emit(event, {"conversation_id": v.chat.id, **data}, callback=True)["ok"]
        db.session.rollback()
        assert db.session.query(ChatMessage).count() == before + (event == "chat:send")

    return check


def _unread_is_ones_own(app, v, connect):
    """Anyone signed in may ask; each hears their own count (buyer B has no conversation)."""
    for name in ("buyer", "merchant", "courier", "admin"):
        assert connect(getattr(v, name)).emit("chat:unread", {}, callback=True) == {
            "ok": True, "unread": 0}, name


SOCKET_CHECKS = {
    "chat:join": _others_refused("chat:join", {"after": 0}),
    "chat:send": _others_refused("chat:send", {"body": "闯入者的消息"}),
    "chat:read": _others_refused("chat:read", {"upto": 10**6}),
    "chat:unread": _unread_is_ones_own,
}


def chat_payloads(event: str, conversation_id: int, leaf):
    """Payloads shaped like each chat event's own: mostly buyer A's conversation and numbers
    and words a page would send, else anything."""
    target = st.one_of(st.just(conversation_id), st.just(conversation_id), leaf)
    number = st.one_of(st.integers(0, 20), st.integers(0, 20), leaf)
    words = st.one_of(st.text(min_size=1, max_size=30), st.sampled_from(["你好", "\x00"]), leaf)
    shapes = {"chat:join": {"after": number}, "chat:read": {"upto": number},
              "chat:send": {"body": words}, "chat:unread": {}}
    return st.fixed_dictionaries({"conversation_id": target, **shapes[event]}, optional={
        "reply": st.one_of(st.sampled_from(["好的，谢谢", "已到楼下"]), leaf)})


def demo_conversation(base: str, buyer, merchant, order_id: int) -> int:
    """Over HTTP (tests/support/demo.py): the buyer opens the order's conversation with the shop
    (联系商家), asks with a quick reply and words, the shop answers with a photo. Returns its id."""
    order_page = buyer.get(f"{base}/orders/{order_id}", timeout=10).text
    opened = buyer.post(f"{base}/chat/orders/{order_id}/shop", allow_redirects=False, timeout=10,
                        data={"csrf_token": csrf_token(order_page)})
    assert opened.status_code == 303, opened.text
    conversation_id = int(re.search(r"/chat/(\d+)", opened.headers["Location"])[1])
    page = f"{base}/chat/{conversation_id}"
    for session, data, files in (
            (buyer, {"reply": "请问今天能送到吗？"}, None),
            (buyer, {"body": "橙子有几个压坏了，能看看吗？"}, None),
            (merchant, {"body": "收到，这是出库时拍的照片。"},
             {"photo": ("packed.jpg", jpeg_bytes(), "image/jpeg")})):
        token = csrf_token(session.get(page, timeout=10).text)
        sent = session.post(f"{page}/messages", allow_redirects=False, timeout=10,
                            data={"csrf_token": token, **data}, files=files)
        assert sent.status_code == 303, sent.text
    return conversation_id
