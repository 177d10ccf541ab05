"""The real server in separate processes: `make run`'s steps, and scale-out over Redis."""
from __future__ import annotations

import html
import os
import re
import secrets

import pytest
import requests

from tests.support import live
from tests.support.live import csrf_token, demo_logins, htmx_post, login, socket_for, wait_for

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own

ARTIFACTS = live.ROOT / "test-artifacts"


def test_make_run_steps_serve_home_and_demo_logins_work(tmp_path):
    env = live.base_env(f"sqlite:///{tmp_path / 'run.db'}")
    live.flask(env, "db", "upgrade")
    empty = live.subprocess.run([live.sys.executable, "-m", "flask", "db-empty"], cwd=live.ROOT,
                                env=env, timeout=60)
    assert empty.returncode == 0
    printed = live.flask(env, "seed-demo")
    assert "demo data already present" in live.flask(env, "seed-demo")
    logins = demo_logins(printed)
    assert set(logins) == {"管理员", "商家", "骑手", "买家"}
    server = live.start(env, ARTIFACTS / "gunicorn-run.log")
    try:
        home = requests.get(server.url + "/", timeout=10)
        assert home.status_code == 200 and "Fresh Fruit 鲜果小铺" in home.text
        shop = requests.get(server.url + "/s/fresh-fruit", timeout=10)
        assert shop.text.count('class="card product"') == 12
        # Every demo product has a photo, served as a real image.
        photos = re.findall(r'src="(/p/\d+/photo[^"]*)"', shop.text)
        assert len(set(photos)) == 12
        photo = requests.get(server.url + html.unescape(photos[0]), timeout=10)
        assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
        landing = {"管理员": "/admin/applications", "商家": "/merchant/", "骑手": "/delivery/",
                   "买家": "/"}
        for role, (who, password) in logins.items():
            session, location = login(server.url, who, password)
            assert location == landing[role]
            assert session.get(server.url + location, timeout=10).status_code == 200
            if role == "买家":  # ready to check out: a default address with a pin
                book = session.get(server.url + "/addresses/", timeout=10).text
                assert "建国路 100 号 2 单元 301" in book and "默认" in book and "已标记地图" in book
    finally:
        server.stop()


@pytest.mark.postgres
@pytest.mark.redis
def test_two_processes_share_live_updates_over_redis(fresh_postgres):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set (.ci/run sets it)")
    env = live.base_env(fresh_postgres, SOCKETIO_MESSAGE_QUEUE=redis_url,
                        SOCKETIO_CHANNEL=f"test-{secrets.token_hex(4)}")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    a = live.start(env, ARTIFACTS / "gunicorn-a.log")
    b = live.start(env, ARTIFACTS / "gunicorn-b.log")
    clients = []
    try:
        buyer, _ = login(a.url, *logins["买家"])
        merchant, _ = login(b.url, *logins["商家"])
        courier, _ = login(b.url, *logins["骑手"])
        merchant_socket, merchant_events = socket_for(merchant, b.url)
        clients.append(merchant_socket)

        # The buyer fills the cart and adds an address on process A, then checks out the
        # shop; the merchant's socket on process B hears of it.
        token = csrf_token(buyer.get(f"{a.url}/s/fresh-fruit", timeout=10).text)
        added = buyer.post(f"{a.url}/cart/add", timeout=10, data={
            "csrf_token": token, "product_id": "1", "quantity": "2"},
            headers={"HX-Request": "true", "X-CSRFToken": token})
        assert added.status_code == 200 and "已加入购物车" in added.text, added.text
        checkout = re.search(r'href="(/orders/checkout/\d+)"', added.text)[1]
        page = buyer.get(f"{a.url}{checkout}", timeout=10).text
        assert "建国路 100 号" in page  # the demo buyer's default address is chosen
        new_address = f"/addresses/new?next={checkout}"
        saved = buyer.post(f"{a.url}{new_address}", allow_redirects=False, timeout=10, data={
            "csrf_token": csrf_token(buyer.get(f"{a.url}{new_address}", timeout=10).text),
            "contact_name": "张买家", "mobile": "13912345678", "province": "11", "city": "1101",
            "district": "110101", "street": "东华门街道 1 号", "lat": "39.915", "lng": "116.404"})
        assert saved.status_code == 303, saved.text
        assert saved.headers["Location"].startswith(f"{checkout}?address=")
        page = buyer.get(f"{a.url}{saved.headers['Location']}", timeout=10).text
        key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', page)[1]
        address_id = re.search(r'<input checked id="address_id-\d+" name="address_id"[^>]*'
                               r'value="(\d+)"', page)[1]
        window = re.search(r'<option[^>]*value="([0-9T:/-]+)"', page)[1]
        placed = buyer.post(f"{a.url}{checkout}", allow_redirects=False, timeout=10, data={
            "csrf_token": csrf_token(page), "address_id": address_id, "window": window,
            "payment_method": "cod", "note": "", "idempotency_key": key,
            "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page)[1]})
        assert placed.status_code == 303, placed.text
        order_id = int(placed.headers["Location"].rsplit("/", 1)[1])
        assert wait_for(merchant_events, "order:placed")["id"] == order_id

        # The buyer watches on A; the merchant's actions on B reach the buyer.
        buyer_socket, buyer_events = socket_for(buyer, a.url)
        clients.append(buyer_socket)
        ack = buyer_socket.call("order:watch", {"order_id": order_id}, timeout=10)
        assert ack["ok"] and ack["status"] == "placed"
        page = f"/orders/{order_id}"
        assert htmx_post(merchant, b.url, f"/orders/{order_id}/accept", page).status_code == 200
        accepted = wait_for(buyer_events, "order:updated")
        assert accepted == {"id": order_id, "status": "accepted", "label": "已接单",
                            "payment": "unpaid"}
        courier_id = re.search(r'<option value="(\d+)">李骑手</option>',
                               merchant.get(f"{b.url}{page}", timeout=10).text)[1]
        assert htmx_post(merchant, b.url, f"/orders/{order_id}/assign", page,
                         courier_id=courier_id).status_code == 200
        assert wait_for(buyer_events, "order:updated")["status"] == "dispatched"
        assert buyer_events.empty()  # each change arrives once, though the buyer is in two rooms

        # The courier, on B, starts and streams a position; the buyer's map on A gets it.
        assert htmx_post(courier, b.url, f"/delivery/{order_id}/start",
                         f"/delivery/{order_id}").status_code == 200
        courier_socket, _ = socket_for(courier, b.url)
        clients.append(courier_socket)
        ack = courier_socket.call("delivery:position",
                                  {"order_id": order_id, "lat": 39.91, "lng": 116.41}, timeout=10)
        assert ack == {"ok": True}
        position = wait_for(buyer_events, "delivery:position")
        assert (position["order_id"], position["lat"], position["lng"]) == (order_id, 39.91, 116.41)
    finally:
        for client in clients:
            client.disconnect()
        a.stop()
        b.stop()
