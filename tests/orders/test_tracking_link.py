"""The tracking link a buyer shares (issue 19): a signed, expiring token for one order; its page
needs no login and shows the map, the ETA and the status only; it follows the courier live over
a read-only socket watch until the order is final, then says how it ended and shows no
position; a forged, altered or expired link is a 404 with a page that says so."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeSerializer

from tests.support.delivery import events, here
from tests.support.factories import one_world_per_module
from tests.support.helpers import HX, url
from tests.support.orders import take_steps, two_line_order, words
from webapp.delivery.services import record_position
from webapp.extensions import db
from webapp.handover import links
from webapp.models import Status, utcnow

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


# One app and database for the module; each case takes its own order in its one world.
app, world = one_world_per_module()


@pytest.fixture
def under_way(app, world, make_product):
    """The two-line order on its way, the courier's position sent once, its pin set."""
    order = two_line_order(app, world, make_product, Status.DISPATCHED)
    order.dest_lat, order.dest_lng = 39.92, 116.42
    db.session.commit()
    take_steps(order.id, world, ["start"])
    app.config["POSITION_MIN_INTERVAL"] = 0
    record_position(world.courier, here(order))
    return order


def shared_link(app, world, order) -> str:
    """The link the buyer's share page gives, as a path."""
    page = app.test_client()
    with page.session_transaction() as session:
        session["_user_id"] = world.buyer.get_id()
    text = page.get(url(app, "handover.share", order_id=order.id)).text
    link = re.search(r'data-copy-url="([^"]+)"', text).group(1)
    assert link.startswith("http://localhost/t/")
    return link.removeprefix("http://localhost")


# What the order's parties see of it and a link's reader may not.
def private_facts(order, world) -> list[str]:
    return [order.recipient_name, order.recipient_mobile, "建国路", order.receipt_code,
            world.buyer.display_name, world.courier.display_name, world.shop.name, "草莓",
            "¥33.50", "¥12.50", "¥16.00", f"courier:{world.courier.id}"]


def test_the_buyer_shares_a_link_whose_page_shows_only_map_eta_and_status(app, world, under_way,
                                                                         as_party):
    buyer = as_party(world.buyer)
    panel = buyer.get(url(app, "orders.detail", order_id=under_way.id)).text
    assert "分享配送跟踪" in panel
    fragment = buyer.get(url(app, "handover.share", order_id=under_way.id), headers=HX)
    assert f'id="order-{under_way.id}-share"' in fragment.text and "<html" not in fragment.text
    assert fragment.headers["Cache-Control"] == "private, no-store"
    link = shared_link(app, world, under_way)
    for viewer in (app.test_client(), as_party(world.other_buyer)):  # nobody needs a login
        response = viewer.get(link)
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "same-origin"  # tiles never see it
        text = response.text
        assert 'id="track-map"' in text and 'id="track-eta"' in text and "配送中" in text
        assert 'data-distance-m="' in text  # the ETA from the start
        shown = [fact for fact in private_facts(under_way, world) if fact in text]
        assert shown == []
    state = app.test_client().get(link + "/live").json
    assert set(state) == set(links.PUBLIC) and state["position"]["lat"] == 39.91
    assert not [fact for fact in private_facts(under_way, world) if fact in str(state)]
    english = app.test_client().get(link, headers={"Accept-Language": "en"}).text
    assert "Delivery tracking" in english and "Shared by the buyer" in english


def forged(app, order, world) -> dict[str, str]:
    """Links nobody shared: altered, another order's id under another key, expired ones."""
    token, _ = links.make_token(order)
    other_key = URLSafeSerializer("not-the-key", salt=links.SALT).dumps(
        [order.id, 4_102_444_800])
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="x").dumps(
        [order.id, 4_102_444_800])
    old, _ = links.make_token(order, now=utcnow() - timedelta(hours=25))
    return {"altered": token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),
            "another key": other_key, "another purpose": other_salt, "expired": old,
            "nonsense": "not-a-token", "long": "a" * 300}


def test_a_forged_or_expired_link_is_a_clear_404(app, world, under_way):
    for name, token in forged(app, under_way, world).items():
        for headers in ({}, HX):
            response = app.test_client().get(url(app, "handover.track", token=token),
                                             headers=headers)
            assert response.status_code == 404, name
            assert "跟踪链接无效或已过期" in response.text, name
        assert app.test_client().get(url(app, "handover.track_live",
                                         token=token)).status_code == 404


def test_a_link_expires_after_its_hours(app, world, under_way, monkeypatch):
    token, expires = links.make_token(under_way)
    assert expires - utcnow() <= timedelta(hours=24)
    page = url(app, "handover.track", token=token)
    assert app.test_client().get(page).status_code == 200
    monkeypatch.setattr(links, "utcnow", lambda: expires + timedelta(seconds=1))
    assert app.test_client().get(page).status_code == 404


def test_after_the_signature_the_link_shows_the_outcome_and_nothing_live(app, world, under_way,
                                                                         socket_client):
    link = shared_link(app, world, under_way)
    take_steps(under_way.id, world, ["arrive", "sign"])
    response = app.test_client().get(link)
    text = words(response.text)
    assert response.status_code == 200 and "已送达签收，配送跟踪已结束。" in text
    assert 'id="track-map"' not in response.text and "track-link.js" not in response.text
    state = app.test_client().get(link + "/live").json
    assert (state["status"], state["position"], state["trail"], state["eta"]) == (
        "completed", None, [], None)
    token = link.removeprefix("/t/")
    socket = socket_client(app.test_client(), auth={"track": token})
    assert socket.emit("track:watch", {"token": token}, callback=True) == {
        "ok": False, "error": "final"}


def test_the_links_socket_follows_the_courier_until_the_signature(app, world, under_way,
                                                                  socket_client):
    token = shared_link(app, world, under_way).removeprefix("/t/")
    assert not socket_client(app.test_client()).is_connected()  # no link, no socket
    socket = socket_client(app.test_client(), auth={"track": token})
    state = socket.emit("track:watch", {"token": token}, callback=True)
    assert state["ok"] is True and state["tracking"] is True and len(state["trail"]) == 1
    assert set(state) <= set(links.PUBLIC)
    socket.get_received()
    record_position(world.courier, here(under_way, lat=39.915))
    (position,) = events(socket, "delivery:position")
    assert position["lat"] == 39.915
    take_steps(under_way.id, world, ["arrive"])
    received = socket.get_received()
    assert [m["name"] for m in received] == ["track:updated"]  # no order:updated, no payment
    assert received[0]["args"][0] == {"id": under_way.id, "status": "arrived"}
    take_steps(under_way.id, world, ["sign"])
    assert [m["args"][0]["status"] for m in socket.get_received()] == ["completed"]
    # The room is closed at the signature: nothing more reaches the link's page.
    app.config["POSITION_MIN_INTERVAL"] = 0
    assert socket.emit("track:watch", {"token": token}, callback=True)["error"] == "final"
    assert not socket.get_received()


def test_a_buyer_cannot_share_a_finished_order(app, world, under_way, as_party):
    take_steps(under_way.id, world, ["arrive", "sign"])
    response = as_party(world.buyer).get(url(app, "handover.share", order_id=under_way.id))
    assert response.status_code == 409 and "订单已结束" in response.text
