"""The whole journey over HTTP and Socket.IO test clients, with no browser."""
import io
import re

import pytest
from sqlalchemy import select

from tests.support.images import jpeg_bytes, signature_data_url
from webapp.extensions import db
from webapp.models import (
    ApplicationStatus,
    MerchantApplication,
    Order,
    OrderEvent,
    Product,
    ProofOfDelivery,
    Role,
    Shop,
    Status,
    User,
)
from webapp.orders.proof import proof_digest

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

VALID_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


def test_whole_journey(app, make_user, login_as, socket_client):
    admin = make_user(Role.ADMIN)
    merchant_client, admin_client, buyer_client, courier_client = (
        app.test_client() for _ in range(4))

    # Merchant registers through the real form and applies.
    r = merchant_client.post("/auth/register", data={
        "role": "merchant", "display_name": "王店长", "email": "wang@example.com",
        "password": "secret-pass-1", "confirm": "secret-pass-1", "consent": "y"})
    assert r.status_code == 303
    r = merchant_client.post("/merchant/apply", data={
        "legal_name": "王小明", "id_number": VALID_ID, "uscc": VALID_USCC,
        "mobile": "13900001111", "shop_name": "Green Grocer 绿色菜铺", "handle_wish": "",
        "province": "11", "city": "1101", "district": "110105", "street": "建国路 1 号",
        "id_front": (io.BytesIO(jpeg_bytes()), "front.jpg"),
        "id_back": (io.BytesIO(jpeg_bytes()), "back.jpg"),
        "licence_photo": (io.BytesIO(jpeg_bytes()), "licence.png"), "action": "submit"})
    assert r.status_code == 303, r.text
    application = db.session.scalar(select(MerchantApplication))
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.id_number_masked == "1101**********002X"
    assert application.shop_address == "北京市 朝阳区 建国路 1 号"
    assert VALID_ID.encode() not in application.id_number_encrypted

    # Admin approves from the review list; the shop exists at /s/<handle>.
    login_as(admin, admin_client)
    r = admin_client.get("/admin/applications")
    assert "绿色菜铺" in r.text and "1101**********002X" in r.text
    assert VALID_ID not in admin_client.get(f"/admin/applications/{application.id}").text
    r = admin_client.post(f"/admin/applications/{application.id}/approve",
                          headers={"HX-Request": "true"})
    assert r.status_code == 200 and "/s/green-grocer" in r.text, r.text
    shop = db.session.scalar(select(Shop))
    assert merchant_client.get("/s/green-grocer").status_code == 200

    # Merchant adds a product and a courier.
    r = merchant_client.post("/catalog/", data={"title": "有机西兰花", "price": "8.80",
                                                "stock": "3", "published": "y"})
    assert r.status_code == 303
    product = db.session.scalar(select(Product))
    assert (product.price_fen, product.stock) == (880, 3)
    r = merchant_client.post("/merchant/couriers", data={
        "display_name": "李骑手", "mobile": "13700001111", "password": "courier-pass"})
    assert r.status_code == 200 and "李骑手" in r.text
    courier = db.session.scalar(select(User).where(User.role == Role.COURIER))
    assert courier.shop_id == shop.id
    r = courier_client.post("/auth/login", data={"login": "13700001111",
                                                 "password": "courier-pass"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/delivery/")

    # The merchant's board is listening when the buyer orders.
    merchant_socket = socket_client(merchant_client)
    buyer = make_user(Role.BUYER)
    login_as(buyer, buyer_client)
    r = buyer_client.post("/cart/add", headers={"HX-Request": "true"},
                          data={"product_id": product.id, "quantity": "2"})
    checkout = f"/orders/checkout/{shop.id}"
    assert r.status_code == 200 and "已加入购物车" in r.text and checkout in r.text
    # No address yet: the checkout page links to adding one, which comes back to it.
    assert f"/addresses/new?next={checkout}" in buyer_client.get(checkout).text
    r = buyer_client.post(f"/addresses/new?next={checkout}", data={
        "contact_name": "张三", "mobile": "13912345678", "province": "11", "city": "1101",
        "district": "110105", "street": "建国路 1 号", "lat": "39.9087", "lng": "116.4605"})
    assert r.status_code == 303 and r.headers["Location"].startswith(f"{checkout}?address=")
    page = buyer_client.get(r.headers["Location"]).text
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    address_id = re.search(r'<input checked id="address_id-0" name="address_id"[^>]*value="(\d+)"',
                           page).group(1)
    window = re.search(r'<option value="([^"]+)"', page).group(1)
    form = {"address_id": address_id, "window": window, "payment_method": "wechat", "note": "",
            "idempotency_key": key,
            "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)}
    r = buyer_client.post(checkout, data=form)
    assert r.status_code == 303
    order = db.session.scalar(select(Order))
    assert (order.total_fen, order.status) == (1760, Status.PLACED)
    assert (order.address, order.dest_lat) == ("北京市 朝阳区 建国路 1 号", 39.9087)
    # A double submit of the same form gives the same order and takes no more stock.
    again = buyer_client.post(checkout, data=form)
    assert again.headers["Location"] == r.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 1
    received = merchant_socket.get_received()
    assert {"name": "order:placed", "args": [{"id": order.id, "status": "placed"}],
            "namespace": "/"} in received
    assert f"#{order.id}" in merchant_client.get("/orders/board",
                                                 headers={"HX-Request": "true"}).text

    # Accept and assign from the board.
    assert merchant_client.post(f"/orders/{order.id}/accept").status_code == 303
    r = merchant_client.post(f"/orders/{order.id}/assign", data={"courier_id": courier.id},
                             headers={"HX-Request": "true", "HX-Target": f"board-order-{order.id}"})
    assert r.status_code == 200 and 'id="board-order-' in r.text and "待取货" in r.text

    # Buyer watches; courier starts and sends positions.
    buyer_socket = socket_client(buyer_client)
    ack = buyer_socket.emit("order:watch", {"order_id": order.id}, callback=True)
    assert ack["ok"] and ack["status"] == "dispatched" and ack["position"] is None
    courier_socket = socket_client(courier_client)
    early = courier_socket.emit("delivery:position",
                                {"order_id": order.id, "lat": 39.9, "lng": 116.4}, callback=True)
    assert early == {"ok": False, "error": "not_tracking",
                     "message": "tracking is off for an order that is dispatched"}
    assert courier_client.post(f"/delivery/{order.id}/start").status_code == 303
    # Near the address pin (about 50 m): "arrived" needs no reason below.
    ack = courier_socket.emit("delivery:position", {"order_id": order.id, "lat": 39.9091,
                                                    "lng": 116.4600, "accuracy": 8}, callback=True)
    assert ack == {"ok": True}
    positions = [m["args"][0] for m in buyer_socket.get_received()
                 if m["name"] == "delivery:position"]
    assert [(p["lat"], p["lng"]) for p in positions] == [(39.9091, 116.46)]
    too_fast = courier_socket.emit("delivery:position",
                                   {"order_id": order.id, "lat": 39.92, "lng": 116.42},
                                   callback=True)
    assert too_fast["error"] == "too_fast"

    # Arrival, then the buyer signs; the proof is shown to all three and tracking stops.
    assert courier_client.post(f"/delivery/{order.id}/arrive").status_code == 303
    r = buyer_client.post(f"/orders/{order.id}/sign", headers={"HX-Request": "true"},
                          data={"signer_name": "张三", "signature": signature_data_url()})
    assert r.status_code == 200 and "签收凭证" in r.text
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status is Status.COMPLETED
    proof = db.session.scalar(select(ProofOfDelivery))
    assert proof.digest == proof_digest(proof) and (proof.lat, proof.lng) == (39.9091, 116.46)
    for c in (buyer_client, merchant_client, courier_client):
        assert proof.digest in c.get(f"/orders/{order.id}").text
        png = c.get(f"/orders/{order.id}/signature.png")
        assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    import time
    time.sleep(1.1)
    late = courier_socket.emit("delivery:position",
                               {"order_id": order.id, "lat": 39.93, "lng": 116.43}, callback=True)
    assert late["ok"] is False and late["error"] == "not_tracking"
    events = db.session.scalars(select(OrderEvent.to_status).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.id)).all()
    assert events == [Status.PLACED, Status.ACCEPTED, Status.DISPATCHED, Status.DELIVERING,
                      Status.ARRIVED, Status.COMPLETED]
