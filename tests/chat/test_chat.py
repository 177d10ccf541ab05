"""Chat: who reads and writes a conversation over HTTP and over the socket, catch-up after a
reconnect, unread counts and read marks, the per-user limit, photos, quick replies."""
import html
import io
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.support.aftersales import ask
from tests.support.demands import HERE, demand_input, quote_input
from tests.support.helpers import url
from tests.support.images import jpeg_bytes
from tests.support.orders import take_steps
from webapp import paging
from webapp.aftersales.opening import open_request
from webapp.chat import access, services
from webapp.demands import posting, quoting
from webapp.extensions import db
from webapp.models import ChatMessage, Role, Status, Topic, utcnow
from webapp.models.notification import Notification
from webapp.notifications.kinds import worded

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def count() -> int:
    return db.session.scalar(select(func.count(ChatMessage.id)))


def send_http(app, client, conversation, **form):
    return client.post(url(app, "chat.send", conversation_id=conversation.id), data=form,
                       content_type="multipart/form-data")


# Who is outside a buyer-shop conversation: another buyer, another shop, the shop's own courier
# (not a party to it), another courier; and the admin, whose role the pages are not for.
OUTSIDERS = {"other_buyer": 404, "other_merchant": 404, "courier": 404, "other_courier": 404,
             "admin": 403}


@pytest.mark.parametrize("who,status", OUTSIDERS.items())
def test_no_one_outside_reads_or_writes_it_over_http(app, world, advance, talk, as_party, who,
                                                     status):
    conversation = talk(advance(Status.DISPATCHED))
    owner = as_party(world.buyer)
    assert send_http(app, owner, conversation, body="秘密消息").status_code == 303
    intruder = as_party(getattr(world, who))
    page = intruder.get(url(app, "chat.detail", conversation_id=conversation.id))
    assert page.status_code == status and "秘密消息" not in page.text
    assert send_http(app, intruder, conversation, body="闯入").status_code == status
    assert count() == 1


@pytest.mark.parametrize("who", ["other_buyer", "other_merchant", "courier", "admin"])
def test_no_one_outside_joins_sends_or_reads_it_over_the_socket(world, advance, talk, connect,
                                                                who):
    conversation = talk(advance(Status.DISPATCHED))
    owner, shop = connect(world.buyer), connect(world.merchant)
    assert shop.emit("chat:join", {"conversation_id": conversation.id}, callback=True)["ok"]
    intruder = connect(getattr(world, who))
    for event, data in (("chat:join", {"after": 0}), ("chat:send", {"body": "闯入"}),
                        ("chat:read", {"upto": 1})):
        ack = intruder.emit(event, {"conversation_id": conversation.id, **data}, callback=True)
        assert ack == {"ok": False, "error": "forbidden"}
    assert owner.emit("chat:send", {"conversation_id": conversation.id, "body": "秘密"},
                      callback=True)["ok"]
    assert [e["name"] for e in intruder.get_received()] == []
    heard = [e["name"] for e in shop.get_received()]
    assert heard[:2] == ["chat:message", "chat:unread"]  # then the notification centre's
    assert count() == 1


def test_the_courier_talks_with_the_buyer_only_while_the_delivery_is_under_way(
        app, world, advance, talk, as_party, connect):
    order = advance(Status.DELIVERING)
    conversation = talk(order, Topic.ORDER_COURIER)
    courier = as_party(world.courier)
    page = courier.get(url(app, "chat.detail", conversation_id=conversation.id))
    assert page.status_code == 200 and "13912345678" in page.text  # the buyer's number
    assert send_http(app, courier, conversation, reply="已到楼下").status_code == 303
    # Another courier of the same shop is no party to it; the shop neither.
    assert as_party(world.merchant).get(
        url(app, "chat.detail", conversation_id=conversation.id)).status_code == 404
    take_steps(order.id, world, ["arrive", "sign"])
    db.session.expire_all()
    assert courier.get(url(app, "chat.detail", conversation_id=conversation.id)).status_code == 404
    assert connect(world.courier).emit("chat:join", {"conversation_id": conversation.id},
                                       callback=True) == {"ok": False, "error": "forbidden"}
    buyer = as_party(world.buyer)
    record = buyer.get(url(app, "chat.detail", conversation_id=conversation.id))
    assert record.status_code == 200 and "已到楼下" in record.text and "不能再发送" in record.text
    assert send_http(app, buyer, conversation, body="还在吗").status_code == 409
    assert count() == 1


def test_catch_up_after_a_reconnect_sends_only_what_is_newer(world, advance, talk, connect):
    conversation = talk(advance(Status.ACCEPTED))
    ids = {"conversation_id": conversation.id}
    buyer = connect(world.buyer)
    first = buyer.emit("chat:send", {**ids, "body": "第一条"}, callback=True)["id"]
    joined = buyer.emit("chat:join", {**ids, "after": 0}, callback=True)
    assert joined["last_id"] == first and "第一条" in joined["html"]
    buyer.disconnect()
    shop = connect(world.merchant)
    later = [shop.emit("chat:send", {**ids, "body": f"第{n}条"}, callback=True)["id"]
             for n in "二三"]
    again = connect(world.buyer)
    caught = again.emit("chat:join", {**ids, "after": first}, callback=True)
    assert caught["last_id"] == later[-1]
    assert "第一条" not in caught["html"] and "第二条" in caught["html"] and "第三条" in caught["html"]
    assert caught["html"].index("第二条") < caught["html"].index("第三条")
    # Joined again, the page hears the next one live.
    again.get_received()
    shop.emit("chat:send", {**ids, "reply": "好的，马上处理"}, callback=True)
    live = [e for e in again.get_received() if e["name"] == "chat:message"]
    assert [e["args"][0]["conversation_id"] for e in live] == [conversation.id]


def test_unread_counts_and_read_marks(app, world, advance, talk, connect, as_party):
    conversation = talk(advance(Status.ACCEPTED))
    ids = {"conversation_id": conversation.id}
    shop, buyer = connect(world.merchant), connect(world.buyer)
    for body in ("有货", "今天送"):
        assert shop.emit("chat:send", {**ids, "body": body}, callback=True)["ok"]
    assert buyer.emit("chat:unread", {}, callback=True) == {"ok": True, "unread": 2}
    assert shop.emit("chat:unread", {}, callback=True) == {"ok": True, "unread": 0}
    listing = as_party(world.buyer).get(url(app, "chat.index"))
    assert 'aria-label="2 条未读"' in listing.text
    page = shop.http.get(url(app, "chat.detail", conversation_id=conversation.id))
    assert "未读" in page.text and "已读" not in page.text
    shop.emit("chat:join", {**ids, "after": 0}, callback=True)
    shop.get_received()
    last = services.messages_after(conversation, 0)[-1].id
    assert buyer.emit("chat:read", {**ids, "upto": last}, callback=True) == {
        "ok": True, "stored": True, "unread": 0}
    marks = [e["args"][0] for e in shop.get_received() if e["name"] == "chat:read"]
    assert marks == [{"conversation_id": conversation.id, "upto": last, "user_id": world.buyer.id}]
    page = shop.http.get(url(app, "chat.detail", conversation_id=conversation.id))
    assert page.text.count('data-read="1"') == 2


def test_a_user_past_the_limit_is_refused_with_a_clear_answer(app, world, advance, talk, connect):
    app.config["CHAT_MESSAGES_PER_MINUTE"] = 3
    conversation = talk(advance(Status.ACCEPTED))
    buyer = connect(world.buyer)
    for n in range(2):
        assert buyer.emit("chat:send", {"conversation_id": conversation.id, "body": str(n)},
                          callback=True)["ok"]
    assert send_http(app, buyer.http, conversation, body="三").status_code == 303
    refused = send_http(app, buyer.http, conversation, body="四")
    assert refused.status_code == 429 and "消息发得太快了" in refused.text and "四" in refused.text
    ack = buyer.emit("chat:send", {"conversation_id": conversation.id, "body": "五"}, callback=True)
    assert ack["ok"] is False and ack["error"] == "too_fast" and 1 <= ack["retry_after"] <= 61
    # The shop has its own allowance.
    shop = connect(world.merchant)
    assert shop.emit("chat:send", {"conversation_id": conversation.id, "body": "好"},
                     callback=True)["ok"]
    assert count() == 4


def test_a_photo_is_for_the_conversation_only(app, world, advance, talk, as_party):
    conversation = talk(advance(Status.ACCEPTED))
    buyer = as_party(world.buyer)
    sent = send_http(app, buyer, conversation, photo=(io.BytesIO(jpeg_bytes()), "a.jpg"))
    assert sent.status_code == 303
    message = services.messages_after(conversation, 0)[0]
    path = url(app, "chat.photo", conversation_id=conversation.id, message_id=message.id)
    for who, status in (("buyer", 200), ("merchant", 200), ("other_buyer", 404),
                        ("other_merchant", 404), ("courier", 404), ("admin", 404)):
        answer = as_party(getattr(world, who)).get(path)
        answer.close()
        assert answer.status_code == status, who
        if status == 200:
            assert answer.mimetype == "image/jpeg" and "no-store" in answer.headers["Cache-Control"]
    bad = send_http(app, buyer, conversation, photo=(io.BytesIO(b"not an image"), "a.jpg"))
    assert bad.status_code == 422 and count() == 1


@pytest.mark.parametrize("typed,stored", [
    ("  你好\x00\x07\u202e世界  ", "你好世界"),
    ("一\r\n\r\n\r\n\r\n二", "一\n\n二"),
    ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
])
def test_words_are_stored_without_control_characters(typed, stored):
    assert services.clean_text(typed) == stored


@pytest.mark.parametrize("form,status", [
    ({"body": "字" * 501}, 422),
    ({"body": " \x07\u200b "}, 422),
    ({"reply": "已到楼下"}, 422),  # the courier's, not the buyer's
    ({"reply": "好的，谢谢"}, 303),
    ({"body": "字" * 500}, 303),
])
def test_what_a_buyer_may_send(app, world, advance, talk, as_party, form, status):
    conversation = talk(advance(Status.ACCEPTED))
    assert send_http(app, as_party(world.buyer), conversation, **form).status_code == status


def test_a_quick_reply_reads_in_the_readers_language(app, world, advance, talk, as_party):
    conversation = talk(advance(Status.ACCEPTED))
    send_http(app, as_party(world.buyer), conversation, reply="还有货吗？")
    shop = as_party(world.merchant)
    shop.set_cookie("lang", "en")
    page = shop.get(url(app, "chat.detail", conversation_id=conversation.id))
    assert "Is it in stock?" in page.text and "还有货吗" not in page.text


def test_entry_points_open_one_conversation_per_order(app, world, advance, as_party):
    order = advance(Status.DELIVERING)
    buyer, shop, courier = (as_party(getattr(world, w)) for w in ("buyer", "merchant", "courier"))
    page = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    assert "联系商家" in page and "联系骑手" in page
    assert "联系买家" in shop.get(url(app, "orders.detail", order_id=order.id)).text
    assert "联系买家" in courier.get(url(app, "delivery.detail", order_id=order.id)).text
    opened = {buyer.post(url(app, "chat.open_order_shop", order_id=order.id)).location,
              shop.post(url(app, "chat.open_order_shop", order_id=order.id)).location}
    assert len(opened) == 1
    assert (courier.post(url(app, "chat.open_order_courier", order_id=order.id)).location
            == buyer.post(url(app, "chat.open_order_courier", order_id=order.id)).location)
    assert as_party(world.other_buyer).post(
        url(app, "chat.open_order_shop", order_id=order.id)).status_code == 404


def test_the_first_unread_message_notifies_the_others_and_the_next_ones_wait(world, advance, talk,
                                                                             connect):
    conversation = talk(advance(Status.ACCEPTED))
    ids = {"conversation_id": conversation.id}
    buyer, shop = connect(world.buyer), connect(world.merchant)
    for body in ("在吗", "还有一个问题"):
        assert buyer.emit("chat:send", {**ids, "body": body}, callback=True)["ok"]

    def told():
        db.session.expire_all()
        return [(n.user_id, n.kind, n.params) for n in db.session.scalars(
            select(Notification).where(Notification.kind == "chat_message"))]

    assert told() == [(world.merchant.id, "chat_message",
                       {"name": "买家", "text": "在吗", "worded": ["name"]})]
    last = services.messages_after(conversation, 0)[-1].id
    shop.emit("chat:read", {**ids, "upto": last}, callback=True)
    buyer.emit("chat:send", {**ids, "reply": "好的，谢谢"}, callback=True)
    quick = {"name": "买家", "text": "好的，谢谢", "worded": ["name", "text"]}
    assert told()[1:] == [(world.merchant.id, "chat_message", quick)]
    # The app's own words read in the reader's language; what someone typed, as typed.
    with force_locale("en"):
        assert worded("chat_message", quick) == ("New message from Buyer", "OK, thank you")
        assert worded("chat_message", told()[0][2])[1] == "在吗"


def test_the_after_sales_case_shows_the_orders_conversations_and_their_photos(app, world,
                                                                              advance, talk,
                                                                              as_party):
    order = advance(Status.COMPLETED)
    conversation = talk(order)
    buyer = as_party(world.buyer)
    send_http(app, buyer, conversation, body="箱子是湿的", photo=(io.BytesIO(jpeg_bytes()), "a.jpg"))
    photo = url(app, "chat.photo", conversation_id=conversation.id,
                message_id=services.messages_after(conversation, 0)[0].id)
    admin = as_party(world.admin)
    refused = admin.get(photo)
    refused.close()
    assert refused.status_code == 404  # no case on this order yet
    with app.test_request_context():
        request = open_request(order.id, world.buyer, ask(order))
    case = admin.get(url(app, "aftersales.admin_case", request_id=request.id)).text
    assert "聊天记录" in case and "箱子是湿的" in case and photo in case
    shown = admin.get(photo)
    shown.close()
    assert shown.status_code == 200


def test_a_shops_questions_on_a_demand_are_seen_by_that_buyer_and_that_shop_only(
        app, make_user, make_shop, as_party):
    now = utcnow()
    buyer, other_buyer = make_user(Role.BUYER), make_user(Role.BUYER)
    asking, quoting_, other = (make_user(Role.MERCHANT) for _ in range(3))
    shop_id = [make_shop(merchant, district_code=HERE, verified_at=now)
               for merchant in (asking, quoting_, other)][0].id
    demand = posting.post_demand(buyer, demand_input())
    quote = quoting.submit_quote(quoting_, demand.id, quote_input())
    path = url(app, "chat.open_demand", demand_id=demand.id, shop_id=shop_id)
    # The buyer cannot open one with a shop that neither quoted nor asked; the shop may ask.
    assert as_party(buyer).post(path).status_code == 404
    opened = as_party(asking).post(path)
    assert opened.status_code == 303
    page = opened.location
    assert send_http(app, as_party(asking), services.conversation_by_id(
        int(page.rsplit("/", 1)[1])), body="要带枝叶的吗？").status_code == 303
    assert "要带枝叶的吗" in as_party(buyer).get(page).text
    assert as_party(buyer).post(path).location == page  # now the buyer may: it exists
    for outsider in (other_buyer, other, quoting_):
        assert as_party(outsider).get(page).status_code == 404
    # Another shop cannot open the asking shop's conversation; the quoting shop has its own.
    assert as_party(other).post(path).status_code == 404
    quoted = url(app, "chat.open_demand", demand_id=demand.id, shop_id=quote.shop_id)
    assert as_party(buyer).post(quoted).location not in (None, page)


def test_the_list_pages_through_every_conversation_latest_first(app, world, advance, talk,
                                                                 as_party):
    """A shop with more conversations than a page: each listed once, latest message first (one
    with no message yet last), the next page's rows alone for htmx; a made-up cursor is a 400."""
    world.product.stock = 1000
    db.session.commit()
    conversations = [talk(advance(Status.PLACED)) for _ in range(services.LIST_PAGE + 5)]
    talked = conversations[3:6]  # then written to, oldest of them first
    for conversation in talked:
        seat = access.seat(world.merchant, conversation.id)
        services.send(seat, world.merchant, body="你好")
    shop = as_party(world.merchant)
    first = shop.get(url(app, "chat.index"))
    assert first.status_code == 200
    ids = [int(i) for i in re.findall(r'href="/chat/(\d+)"', first.text)]
    assert len(ids) == services.LIST_PAGE
    more = re.search(r'hx-get="(/chat/\?after=[^"]+)"', first.text)
    assert more and "更多对话" in first.text
    rest = shop.get(html.unescape(more[1]), headers={"HX-Request": "true"})
    assert rest.status_code == 200 and "<h1>" not in rest.text and "更多对话" not in rest.text
    ids += [int(i) for i in re.findall(r'href="/chat/(\d+)"', rest.text)]
    silent = sorted((c.id for c in conversations if c not in talked), reverse=True)
    assert ids == [c.id for c in reversed(talked)] + silent
    for cursor in ("nonsense", paging.encode(["x", 1]), paging.encode([1])):
        answer = shop.get(url(app, "chat.index", after=cursor))
        assert answer.status_code == 400 and "页码参数无效" in answer.text
