"""The notification hub: every event worth telling is stored for its reader (worded in the
reader's language when shown), sent live to their sockets only once it commits, and on the
channels their settings allow; nothing goes out for a rolled-back change."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.demands import ELSEWHERE, HERE, demand_input
from tests.support.helpers import url
from tests.support.orders import STEPS, take_steps
from webapp.demands import posting
from webapp.extensions import db
from webapp.models import Notification, NotificationSetting, PushSubscription, Status
from webapp.notifications import channels, events, hub, settings
from webapp.notifications.kinds import KINDS, Kind, worded


def notices(user) -> list[tuple[str, dict]]:
    db.session.expire_all()
    return [(n.kind, n.params) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def heard(socket) -> list[dict]:
    return [e["args"][0] for e in socket.get_received() if e["name"] == "notification:new"]


# status reached -> what the buyer has been told by then (the shop is told of the new order).
BUYER_TOLD = {
    Status.ACCEPTED: ["order_accepted"],
    Status.DELIVERING: ["order_accepted", "order_dispatched"],
    Status.COMPLETED: ["order_accepted", "order_dispatched", "order_arrived", "order_signed"],
}


@pytest.mark.parametrize("status", BUYER_TOLD)
def test_an_orders_events_reach_the_other_party(app, world, place, status):
    order = place(world.buyer, world.product)
    take_steps(order.id, world, STEPS[status])
    assert [kind for kind, _ in notices(world.buyer)] == BUYER_TOLD[status]
    told_shop = notices(world.merchant)
    assert told_shop[0] == ("order_placed", {"order": order.id, "amount_fen": order.total_fen})
    assert [kind for kind, _ in told_shop] == ["order_placed"]  # never told what it did itself


def test_live_after_commit_only(app, client, world, login_as, socket_client):
    login_as(world.merchant)
    socket = socket_client(client)
    socket.get_received()
    hub.notify(world.merchant.id, Kind.DEMAND_POSTED, {"demand": 1, "title": "草莓"}, "/demands/1")
    assert heard(socket) == []  # not yet committed
    db.session.rollback()
    assert heard(socket) == [] and notices(world.merchant) == []
    row = hub.notify(world.merchant, Kind.DEMAND_POSTED, {"demand": 2, "title": "蓝莓"}, "/d/2")
    db.session.commit()
    assert heard(socket) == [{"id": row, "kind": "demand_posted", "unread": 1, "url": "/d/2"}]
    other = socket_client(client.application.test_client())  # anonymous: refused
    assert not other.is_connected()


def test_settings_choose_the_channels(app, world, monkeypatch):
    """Push and SMS as the defaults say, then as the person set them; in-app always. SMS goes
    through the development provider (webapp/sms), which keeps what it would have sent."""
    pushed = []
    monkeypatch.setattr(channels, "push", lambda s, o: pushed.append(o.kind) or "sent")
    texts = app.extensions["sms"].sent
    world.merchant.mobile = "+8613800000001"
    db.session.add(PushSubscription(user_id=world.merchant.id, p256dh="k", auth="a",
                                    endpoint="https://fcm.googleapis.com/x"))
    db.session.commit()
    assert settings.channels_for(world.merchant.id, Kind.ORDER_PLACED) == {"push", "sms"}
    assert settings.channels_for(world.merchant.id, Kind.DEMAND_POSTED) == {"push"}
    hub.notify(world.merchant.id, Kind.ORDER_PLACED, {"order": 1, "amount_fen": 100}, "/o/1")
    db.session.commit()
    assert pushed == [Kind.ORDER_PLACED]
    assert [(m.mobile, m.purpose, m.params) for m in texts] == [
        ("+8613800000001", "order_placed", ["1"])]
    settings.save(world.merchant.id, {("order_arriving", "sms")})  # push and SMS off
    pushed.clear()
    texts.clear()
    hub.notify(world.merchant.id, Kind.ORDER_PLACED, {"order": 2, "amount_fen": 100}, "/o/2")
    hub.notify(world.merchant.id, Kind.DEMAND_POSTED, {"demand": 1, "title": "t"}, "/d/1")
    db.session.commit()
    assert pushed == [] and list(texts) == []
    assert len(notices(world.merchant)) == 3  # in-app always
    # Only what may be set is stored: no SMS setting for a kind SMS never carries.
    assert db.session.scalar(select(NotificationSetting.enabled).where(
        NotificationSetting.kind == "demand_posted", NotificationSetting.channel == "sms")) is None


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_kind_is_worded_in_both_languages(app, kind, lang):
    params = {"order": 7, "quote": 3, "amount_fen": 1250, "title": "草莓", "request": 4,
              "step": "after_sale_opened", "name": "张三", "text": "到了吗"}
    with app.test_request_context(headers={"Accept-Language": lang}):
        title, body = worded(kind.value, params)
    assert title and "%(" not in title + body
    if lang == "en":
        words = title + body
        for value in params.values():
            words = words.replace(str(value), "")
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in words), words


def test_a_new_demand_tells_the_shops_of_its_district(app, world):
    """world.shop (朝阳区, sells the category) hears of it; the other shop elsewhere does not."""
    world.shop.district_code, world.other_shop.district_code = HERE, ELSEWHERE
    db.session.commit()
    demand = posting.post_demand(world.buyer, demand_input(category=world.product.category))
    assert notices(world.merchant) == [("demand_posted", {"demand": demand.id,
                                                          "title": demand.title})]
    assert notices(world.other_merchant) == []


def test_arriving_is_told_once_per_order(app, world, advance):
    order = advance(Status.DELIVERING)
    events.arriving(order.id)
    events.arriving(order.id)
    db.session.commit()
    assert [kind for kind, _ in notices(world.buyer)].count("order_arriving") == 1


def test_the_list_words_each_for_its_reader(app, client, world, login_as):
    hub.notify(world.buyer.id, Kind.ORDER_ACCEPTED, {"order": 42}, "/orders/42")
    db.session.commit()
    login_as(world.buyer)
    page = client.get(url(app, "notifications.index")).get_data(as_text=True)
    assert "商家已接单" in page and "订单 #42 正在备货" in page
    client.set_cookie("lang", "en")
    page = client.get(url(app, "notifications.index")).get_data(as_text=True)
    assert "商家已接单" not in page
