"""Web Push for real, without the internet: pywebpush sends each notification to a push service
on 127.0.0.1 (tests/support/push_receiver.py), which checks the VAPID header against the app's
key and its own origin and decrypts the body (aes128gcm) with the subscription's private key
made here, as a browser would; a subscription the service says is gone (410) is dropped."""
from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.support.helpers import url
from tests.support.push_receiver import Receiver
from webapp.extensions import db
from webapp.models import PushSubscription
from webapp.notifications import channels, hub
from webapp.notifications.kinds import Kind

KEY = "u7v7hUdHSunjoC6jbl8kXCyxBYuLOJ-SwPQDSf3g8v0"  # a VAPID key made for these tests only


@pytest.fixture
def receiver():
    service = Receiver()
    yield service
    service.close()


@pytest.fixture
def push_app(app):
    app.config.update(VAPID_PRIVATE_KEY=KEY, VAPID_SUBJECT="mailto:ops@example.com")
    return app


def subscribe(user, browser, lang="zh_CN") -> PushSubscription:
    row = PushSubscription(user_id=user.id, endpoint=browser.endpoint, p256dh=browser.p256dh,
                           auth=browser.auth_b64, lang=lang)
    db.session.add(row)
    db.session.commit()
    return row


def test_a_notification_is_pushed_encrypted_and_signed(push_app, world, receiver):
    phone, tablet = receiver.browser(), receiver.browser()
    subscribe(world.merchant, phone)
    subscribe(world.merchant, tablet, lang="en")
    with push_app.test_request_context():
        hub.notify(world.merchant, Kind.ORDER_PLACED, {"order": 9, "amount_fen": 6580},
                   "/orders/9")
        public = channels.public_key()
    db.session.commit()
    assert receiver.errors == []
    by_path = {r.path: r for r in receiver.received}
    zh, en = by_path["/push/1"], by_path["/push/2"]
    assert zh.payload["title"] == "新订单 #9" and zh.payload["body"] == "¥65.80，请尽快接单"
    assert en.payload["title"] == "New order #9" and zh.payload["url"] == "/orders/9"
    assert zh.vapid_key == public and zh.claims["aud"] == receiver.origin
    assert zh.claims["sub"] == "mailto:ops@example.com"


def test_in_the_background_the_commit_returns_before_the_push(push_app, world, receiver):
    push_app.config["NOTIFY_IN_BACKGROUND"] = True
    subscribe(world.merchant, receiver.browser())
    receiver.delay = 1.0  # a slow push service
    with push_app.test_request_context():
        hub.notify(world.merchant, Kind.ORDER_PLACED, {"order": 9, "amount_fen": 100}, "/o/9")
        started = time.monotonic()
        db.session.commit()
        assert time.monotonic() - started < 0.5 and receiver.received == []
    deadline = time.monotonic() + 10
    while not receiver.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r.payload["title"] for r in receiver.received] == ["新订单 #9"]


def test_nothing_is_pushed_for_a_rolled_back_change(push_app, world, receiver):
    subscribe(world.buyer, receiver.browser())
    with push_app.test_request_context():
        hub.notify(world.buyer, Kind.ORDER_ACCEPTED, {"order": 1}, "/orders/1")
    db.session.rollback()
    db.session.commit()
    assert receiver.received == []


def test_a_gone_subscription_is_dropped(push_app, world, receiver):
    kept, gone = receiver.browser(), receiver.browser()
    subscribe(world.buyer, kept)
    subscribe(world.buyer, gone)
    receiver.gone(gone)
    with push_app.test_request_context():
        hub.notify(world.buyer, Kind.ORDER_ARRIVING, {"order": 3}, "/orders/3")
    db.session.commit()
    assert [r.path for r in receiver.received] == ["/push/1"]
    db.session.expire_all()
    assert db.session.scalars(select(PushSubscription.endpoint)).all() == [kept.endpoint]


def test_the_settings_page_subscribes_only_to_known_push_services(push_app, client, login_as,
                                                                  world):
    login_as(world.buyer)
    page = client.get(url(push_app, "notifications.preferences")).get_data(as_text=True)
    with push_app.app_context():
        assert f'data-vapid-key="{channels.public_key()}"' in page
    target = url(push_app, "notifications.subscribe")
    good = {"endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "keys": {"p256dh": "BPk", "auth": "xyz"}}
    for endpoint in ("http://fcm.googleapis.com/x", "https://127.0.0.1/x",
                     "https://evil.example/x", "https://fcm.googleapis.com.evil.example/x"):
        assert client.post(target, json={**good, "endpoint": endpoint}).status_code == 400
    assert client.post(target, json=good).get_json() == {"ok": True}
    login_as(world.other_buyer)  # the same browser, now someone else's
    assert client.post(target, json=good).status_code == 200
    assert db.session.scalars(select(PushSubscription.user_id)).all() == [world.other_buyer.id]
    client.post(url(push_app, "notifications.unsubscribe"), json={"endpoint": good["endpoint"]})
    assert db.session.scalars(select(PushSubscription)).all() == []


def test_the_key_pair_command(push_app):
    result = CliRunner().invoke(push_app.cli, ["notifications", "vapid-keys"])
    assert result.exit_code == 0, result.output
    private = result.output.split("VAPID_PRIVATE_KEY=")[1].split()[0]
    push_app.config["VAPID_PRIVATE_KEY"] = private
    with push_app.app_context():
        assert channels.public_key() in result.output
