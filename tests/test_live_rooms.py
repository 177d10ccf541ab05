"""Live rooms follow the order across processes: two servers sharing events over Redis, real
Socket.IO clients. A courier taken off a delivery and the merchant of a suspended shop hear
nothing more of the order, while the buyer, the new courier and (before the suspension) the shop
hear everything. "Nothing more" is shown without waiting on a clock: a later event that does
reach the socket, sent by the same process, arrives after anything sent before it."""
from __future__ import annotations

import os
import queue
import re
import secrets

import pytest

from tests.support import live
from tests.support.live import csrf_token, demo_logins, htmx_post, login, place_and_dispatch

ARTIFACTS = live.ROOT / "test-artifacts"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.servers]


def until(events: queue.Queue, name: str, match, timeout: float = 10) -> list[tuple[str, dict]]:
    """Everything the socket heard up to and including the first `name` event `match`es."""
    heard = []
    while True:
        event, data = events.get(timeout=timeout)
        heard.append((event, data))
        if event == name and match(data):
            return heard


def of_order(heard, order_id: int) -> list[tuple[str, object]]:
    """Status changes (by status) and positions (by latitude) of one order, in order."""
    return [(event, data.get("status", data.get("lat"))) for event, data in heard
            if event.split(":")[0] in ("order", "delivery") and isinstance(data, dict)
            and order_id in (data.get("id"), data.get("order_id"))]


def status(order_id: int, value: str):
    return lambda data: data.get("id") == order_id and data.get("status") == value


class Party:
    """A logged-in person with a socket on one process."""

    def __init__(self, base: str, who: str, password: str, clients: list):
        self.base = base
        self.session, _ = login(base, who, password)
        self.socket, self.events = live.socket_for(self.session, base)
        clients.append(self.socket)

    def watch(self, order_id: int) -> dict:
        return self.socket.call("order:watch", {"order_id": order_id}, timeout=10)

    def send(self, order_id: int, lat: float) -> dict:
        return self.socket.call("delivery:position",
                                {"order_id": order_id, "lat": lat, "lng": 116.41}, timeout=10)

    def post(self, path: str, page: str, **data) -> None:
        answer = htmx_post(self.session, self.base, path, page, **data)
        assert answer.status_code in (200, 204), answer.text


def add_courier(merchant: Party) -> tuple[str, str, str]:
    """A second courier of the demo shop, through the merchant's form: (id, mobile, password)."""
    page = merchant.session.get(f"{merchant.base}/merchant/couriers", timeout=10).text
    mobile, password = f"139{secrets.randbelow(10**8):08d}", f"Rider-{secrets.token_hex(6)}"
    answer = merchant.session.post(f"{merchant.base}/merchant/couriers", timeout=10, data={
        "csrf_token": csrf_token(page), "display_name": "王骑手", "mobile": mobile,
        "password": password})
    assert answer.status_code == 200 and "王骑手" in answer.text, answer.text
    return mobile, password


def test_the_old_courier_and_a_suspended_shop_hear_nothing_more_across_processes(fresh_postgres):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it)")
    env = live.base_env(fresh_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url,
                        SOCKETIO_CHANNEL=f"test-{secrets.token_hex(4)}", POSITION_MIN_INTERVAL="0")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    a = live.start(env, ARTIFACTS / "gunicorn-rooms-a.log")
    b = live.start(env, ARTIFACTS / "gunicorn-rooms-b.log")
    clients: list = []
    try:
        # Everything is done on A; the old courier and the merchant listen on B.
        merchant = Party(b.url, *logins["商家"], clients)
        mobile, password = add_courier(merchant)
        buyer = Party(a.url, *logins["买家"], clients)
        order = place_and_dispatch(a.url, buyer.session, merchant.session)
        page = f"/delivery/{order}"
        old = Party(b.url, *logins["骑手"], clients)
        for party in (buyer, merchant, old):
            assert party.watch(order)["status"] == "dispatched"
        old.base = a.url
        old.post(f"{page}/start", page)
        assert old.send(order, 39.91) == {"ok": True}
        old.post(f"{page}/fail", page, reason="absent")
        assert of_order(until(old.events, "order:updated", status(order, "delivery_failed")),
                        order) == [("order:updated", "delivering"), ("delivery:position", 39.91),
                                   ("order:updated", "delivery_failed")]

        detail = f"/orders/{order}"
        new_id = re.search(r'<option value="(\d+)">王骑手</option>',
                           merchant.session.get(f"{a.url}{detail}", timeout=10).text)[1]
        htmx_post(merchant.session, a.url, f"{detail}/assign", detail, courier_id=new_id)
        new = Party(a.url, mobile, password, clients)
        assert new.watch(order)["status"] == "dispatched"
        new.post(f"{page}/start", page)
        assert new.send(order, 39.92) == {"ok": True}
        assert old.watch(order) == {"ok": False, "error": "forbidden"}
        # The old courier's next order, assigned on A after all that: heard on B, and before it
        # nothing more of the first one.
        second = place_and_dispatch(a.url, buyer.session, merchant.session)
        assert of_order(until(old.events, "order:updated", status(second, "dispatched")),
                        order) == []

        shop_before = until(merchant.events, "order:updated", status(second, "dispatched"))
        assert of_order(shop_before, order) == [
            ("order:placed", "placed"), ("order:updated", "accepted"),
            ("order:updated", "dispatched"), ("order:updated", "delivering"), ("delivery:position", 39.91),
            ("order:updated", "delivery_failed"), ("order:updated", "dispatched"),
            ("order:updated", "delivering"), ("delivery:position", 39.92)]
        admin = Party(a.url, *logins["管理员"], clients)
        shop_id = "1"  # the demo shop
        admin.post(f"/admin/shops/{shop_id}/suspend", "/admin/applications", reason="投诉核实中")
        assert new.send(order, 39.93) == {"ok": True}
        new.post(f"{page}/arrive", page, **live.reason_for("arrive"))
        assert merchant.watch(order) == {"ok": False, "error": "forbidden"}
        admin.post(f"/admin/shops/{shop_id}/reinstate", "/admin/applications")
        suspended = until(merchant.events, "shop:updated", lambda data: data["status"] == "active")
        assert [event for event, _ in suspended] == ["shop:updated", "shop:updated"]

        assert of_order(until(buyer.events, "order:updated", status(order, "arrived")), order) == [
            ("order:updated", "accepted"), ("order:updated", "dispatched"),
            ("order:updated", "delivering"), ("delivery:position", 39.91),
            ("order:updated", "delivery_failed"), ("order:updated", "dispatched"),
            ("order:updated", "delivering"), ("delivery:position", 39.92),
            ("delivery:position", 39.93), ("order:updated", "arrived")]
        assert of_order(until(new.events, "order:updated", status(order, "arrived")), order) == [
            ("order:updated", "delivering"), ("delivery:position", 39.92),
            ("delivery:position", 39.93), ("order:updated", "arrived")]
    finally:
        for client in clients:
            client.disconnect()
        a.stop()
        b.stop()
