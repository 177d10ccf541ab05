"""Positions and signing against the real server (gunicorn + gevent on 127.0.0.1) with real
python-socketio clients: every refused case, one accepted position reaching the watching
buyer, and a socket that stays usable after all the refusals."""
from __future__ import annotations

import base64
import io
import sqlite3
import time

import pytest
from PIL import Image

from tests.support import live
from tests.support.images import signature_data_url
from tests.support.live import (
    csrf_token,
    demo_logins,
    htmx_post,
    login,
    place_and_dispatch,
    sign,
    socket_for,
    wait_for,
)

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own


def count(db_path, table: str, where: str = "1=1") -> int:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("live-positions") / "live.db"
    env = live.base_env(f"sqlite:///{path}")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    running = live.start(env, live.ROOT / "test-artifacts" / "gunicorn-positions.log")
    yield running.url, path, logins
    running.stop()


def test_positions_and_signing_on_the_real_server(server):
    base, db_path, logins = server
    buyer, _ = login(base, *logins["买家"])
    merchant, _ = login(base, *logins["商家"])
    courier, _ = login(base, *logins["骑手"])
    page = merchant.get(f"{base}/merchant/couriers", timeout=10).text
    made = merchant.post(f"{base}/merchant/couriers", timeout=10, data={
        "csrf_token": csrf_token(page), "display_name": "王骑手", "mobile": "13700009999",
        "password": "other-courier-pass"})
    assert made.status_code == 200 and "13700009999" in made.text
    other_courier, _ = login(base, "13700009999", "other-courier-pass")
    order_id = place_and_dispatch(base, buyer, merchant)
    clients = []
    try:
        buyer_socket, heard = socket_for(buyer, base)
        courier_socket, _ = socket_for(courier, base)
        other_socket, _ = socket_for(other_courier, base)
        clients += [buyer_socket, courier_socket, other_socket]
        assert buyer_socket.call("order:watch", {"order_id": order_id}, timeout=10)["ok"]
        here = {"order_id": order_id, "lat": 39.9042, "lng": 116.4074, "accuracy": 10}

        def position(socket, **changes):
            return socket.call("delivery:position", {**here, **changes}, timeout=10)

        # Before the pickup nothing is tracked.
        assert position(courier_socket)["error"] == "not_tracking"
        assert htmx_post(courier, base, f"/delivery/{order_id}/start",
                         f"/delivery/{order_id}").status_code == 200
        assert wait_for(heard, "order:updated")["status"] == "delivering"

        # Refused: the buyer, another courier, latitude 123, accuracy -5, nonsense.
        assert position(buyer_socket) == {"ok": False, "error": "forbidden"}
        assert position(other_socket)["error"] == "forbidden"
        assert position(courier_socket, lat=123)["error"] == "bad_request"
        assert position(courier_socket, accuracy=-5)["error"] == "bad_request"
        assert courier_socket.call("delivery:position", "39.9,116.4", timeout=10)[
            "error"] == "bad_request"
        assert count(db_path, "track_point") == 0

        # Accepted: it reaches the watching buyer, with the ETA to the address pin.
        assert position(courier_socket) == {"ok": True}
        got = wait_for(heard, "delivery:position")
        assert (got["order_id"], got["lat"], got["lng"], got["late"]) == (
            order_id, 39.9042, 116.4074, False)
        assert got["eta"]["distance_m"] > 1000 and got["eta"]["seconds"] > 0

        # A flood of 100 in well under two seconds: at most two stored, the rest too fast.
        started = time.monotonic()
        acks = [position(courier_socket, lat=39.905 + i / 100_000) for i in range(100)]
        elapsed = time.monotonic() - started
        accepted = sum(1 for ack in acks if ack.get("ok"))
        assert {ack["error"] for ack in acks if not ack.get("ok")} == {"too_fast"}
        assert accepted <= int(elapsed) + 1
        assert count(db_path, "track_point") == 1 + accepted

        # Late fixes from an offline spell: stored as late, never the buyer's marker.
        late = courier_socket.call("delivery:positions", {"order_id": order_id, "fixes": [
            {"lat": 39.9045, "lng": 116.408, "accuracy": 15, "age": 0.1}]}, timeout=10)
        assert late == {"ok": True, "stored": 1, "skipped": 0}
        assert count(db_path, "track_point", "late = 1") == 1
        assert wait_for(heard, "delivery:late")["points"][0]["lat"] == 39.9045

        # The socket is still usable after all that.
        time.sleep(1.1)
        assert position(courier_socket, lat=39.9100) == {"ok": True}
        assert wait_for(heard, "delivery:position", lambda d: d["lat"] == 39.91)["order_id"] == (
            order_id)
        snapshot = buyer_socket.call("order:watch", {"order_id": order_id}, timeout=10)
        assert snapshot["position"]["lat"] == 39.91

        # Signing before arrival, with an empty canvas, with a forged payload: refused.
        assert sign(buyer, base, order_id, signature_data_url()).status_code == 409
        # Far from the pin (4.5 km): "arrived" only with a stated reason.
        far = htmx_post(courier, base, f"/delivery/{order_id}/arrive", f"/delivery/{order_id}")
        assert far.status_code == 422 and "需在 300 米内才能确认送达" in far.text
        assert htmx_post(courier, base, f"/delivery/{order_id}/arrive", f"/delivery/{order_id}",
                         reason="pin_off").status_code == 200
        blank = io.BytesIO()
        Image.new("RGBA", (300, 150), (0, 0, 0, 0)).save(blank, format="PNG")
        empty = "data:image/png;base64," + base64.b64encode(blank.getvalue()).decode()
        assert sign(buyer, base, order_id, empty).status_code == 422
        forged = "data:image/png;base64," + base64.b64encode(b"MZ\x90\x00 not a png").decode()
        assert sign(buyer, base, order_id, forged).status_code == 422
        assert sign(buyer, base, order_id, "").status_code == 422
        assert count(db_path, "proof_of_delivery") == 0

        # Signed once; a second signature and any position after it are refused.
        assert sign(buyer, base, order_id, signature_data_url()).status_code == 303
        assert sign(buyer, base, order_id, signature_data_url()).status_code == 409
        assert count(db_path, "proof_of_delivery") == 1
        points = count(db_path, "track_point")
        time.sleep(1.1)
        assert position(courier_socket)["error"] == "not_tracking"
        assert courier_socket.call("delivery:positions", {"order_id": order_id, "fixes": [
            {"lat": 39.9, "lng": 116.4, "age": 0.5}]}, timeout=10)["error"] == "not_tracking"
        assert count(db_path, "track_point") == points
        proof = buyer.get(f"{base}/orders/{order_id}/proof", timeout=10).text
        assert "数字指纹一致" in proof and "39.91000" in proof
    finally:
        for client in clients:
            client.disconnect()
