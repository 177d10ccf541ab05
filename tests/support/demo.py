"""The demo site (make run's seed) with an order under way, one at the door, a cart, a quoted
demand, an application waiting for review, a signed order to review or ask after-sales of, and
an after-sales request the shop refused and the buyer escalated: what the a11y and Lighthouse
tests measure."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from tests.support import live
from tests.support.browser import ARTIFACTS
from tests.support.chat import demo_conversation
from tests.support.images import jpeg_bytes, signature_data_url
from tests.support.live import csrf_token, htmx_post, place_and_dispatch, socket_for
from tests.support.live import login as http_login

REVIEWED = ("a11y-merchant@example.com", "a11y-merchant-pass")

# Near the demo shop, ~2.6 km from the demo buyer's pin: far enough for a minutes-and-km ETA.
FIX = {"lat": 39.9042, "lng": 116.4300, "accuracy": 8}


@dataclass
class World:
    url: str
    logins: dict
    ids: dict = field(default_factory=dict)


def seed_reviews_and_demands(env: dict) -> dict:
    """A second merchant whose application waits for review; a demand of the demo buyer that
    the demo shop has quoted on. Written through the app's own services."""
    from webapp import create_app
    from webapp.auth.services import find_by_login, register
    from webapp.cli import demo_document, demo_id_number, demo_uscc
    from webapp.config import TestConfig
    from webapp.demands.posting import DemandInput, post_demand
    from webapp.demands.quoting import QuoteInput, submit_quote
    from webapp.extensions import db
    from webapp.merchants.services import submit_application
    from webapp.models import Role, utcnow
    from webapp.uploads import clean_image

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = env["DATABASE_URL"]
        UPLOAD_DIR = env["UPLOAD_DIR"]
        KYC_ENCRYPTION_KEY = env["KYC_ENCRYPTION_KEY"]

    app = create_app(Config)
    with app.app_context():
        merchant = register(*REVIEWED, "赵店长", Role.MERCHANT)
        documents = {kind: clean_image(demo_document(kind, colour)) for kind, colour in (
            ("id_front", (15, 118, 110)), ("id_back", (29, 78, 216)),
            ("licence_photo", (185, 28, 28)))}
        application = submit_application(
            merchant, legal_name="赵小红", id_number=demo_id_number(), uscc=demo_uscc(),
            mobile="13900003333", shop_name="A11y 蔬菜铺", handle_wish="a11y-veg",
            province_code="11", city_code="1101", district_code="110105", street="光华路 9 号",
            shop_address="北京市 市辖区 朝阳区 光华路 9 号", documents=documents)
        now = utcnow()
        demand = post_demand(find_by_login("buyer@example.com"), DemandInput(
            title="阳光玫瑰葡萄 2 斤", description="周末聚会用，要新鲜的", category="produce",
            quantity=2, budget_fen=8000, district_code="110105",
            needed_by=now + timedelta(days=2), idempotency_key="a11y-demand-0001"))
        submit_quote(find_by_login("merchant@example.com"), demand.id, QuoteInput(
            product_id=None, title="阳光玫瑰葡萄 精选 1 斤", unit_price_fen=3500, quantity=2,
            delivery_fee_fen=500, earliest_delivery=now + timedelta(hours=3),
            valid_until=now + timedelta(days=1), note="今早到货"))
        ids = {"application": application.id, "demand": demand.id}
        db.session.remove()
        db.engine.dispose()
    return ids


def signed_for(base: str, buyer, merchant, courier) -> int:
    """The demo buyer's order delivered and signed for, every line accepted; the courier sends
    one position on the way (FIX: a track for the admin's case page) and arrives saying why
    away from the pin."""
    order_id = place_and_dispatch(base, buyer, merchant)
    page = f"/delivery/{order_id}"
    assert htmx_post(courier, base, f"{page}/start", page).status_code == 200
    socket, _ = socket_for(courier, base)
    try:
        ack = socket.call("delivery:position", {"order_id": order_id, **FIX}, timeout=10)
        assert ack == {"ok": True}, ack
    finally:
        socket.disconnect()
    arrived = htmx_post(courier, base, f"{page}/arrive", page, **live.reason_for("arrive"))
    assert arrived.status_code == 200, arrived.text
    signed = live.sign(buyer, base, order_id, signature_data_url())
    assert signed.status_code in (200, 303), signed.text
    return order_id


def escalated(base: str, buyer, merchant, order_id: int) -> int:
    """A refund of one unit of the order's first line, with a photo, refused by the shop and
    escalated by the buyer: a case in the admin's after-sales queue. Returns its id."""
    form = buyer.get(f"{base}/orders/{order_id}/after-sales/new", timeout=10).text
    line = re.search(r'name="qty-(\d+)"', form)[1]
    asked = buyer.post(f"{base}/orders/{order_id}/after-sales/new", allow_redirects=False,
                       timeout=10, data={
                           "csrf_token": csrf_token(form), "kind": "refund_only",
                           "reason": "spoiled", "note": "打开就是坏的", f"qty-{line}": "1",
                           "idempotency_key": re.search(
                               r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"',
                               form)[1]},
                       files={"photos": ("spoiled.jpg", jpeg_bytes(), "image/jpeg")})
    assert asked.status_code == 303, asked.text
    page = asked.headers["Location"].removeprefix(base)
    request_id = int(page.rsplit("/", 1)[1])
    for session, step, note in ((merchant, "refuse", "商品出库时完好"),
                                (buyer, "escalate", "照片可见霉斑，请平台判定")):
        done = htmx_post(session, base, f"/after-sales/{request_id}/{step}", page, note=note)
        assert done.status_code == 200, done.text
    return request_id


def build_world(tmp: Path, log_name: str):
    """Demo data, plus: an order under way with one position (the tracking page), one at the
    door (signing), a cart with a product (cart, checkout), a quoted demand, an application
    waiting for review, a signed order (the review and after-sales forms), an escalated
    after-sales request (the admin's case page). Returns the running server and the world."""
    env = live.base_env(f"sqlite:///{tmp / 'a11y.db'}")
    logins = live.prepare(env)
    ids = seed_reviews_and_demands(env)
    server = live.start(env, ARTIFACTS.parent / log_name)
    try:
        base = server.url
        buyer, _ = http_login(base, *logins["买家"])
        merchant, _ = http_login(base, *logins["商家"])
        courier, _ = http_login(base, *logins["骑手"])
        ids["arrived"] = place_and_dispatch(base, buyer, merchant)
        ids["tracking"] = place_and_dispatch(base, buyer, merchant)
        for order_id, steps in ((ids["arrived"], ("start", "arrive")),
                                (ids["tracking"], ("start",))):
            for step in steps:
                # The courier has sent no position: "arrived" with a stated reason.
                done = htmx_post(courier, base, f"/delivery/{order_id}/{step}",
                                 f"/delivery/{order_id}", **live.reason_for(step))
                assert done.status_code == 200, done.text
        socket, _ = socket_for(courier, base)
        try:
            ack = socket.call("delivery:position", {"order_id": ids["tracking"], **FIX},
                              timeout=10)
            assert ack == {"ok": True}, ack
        finally:
            socket.disconnect()
        # Before the cart below: each order checks out the cart it fills.
        ids["signed"] = signed_for(base, buyer, merchant, courier)
        case_order = signed_for(base, buyer, merchant, courier)
        ids["case"] = escalated(base, buyer, merchant, case_order)
        # The case's order was talked about (the case page shows it; tests/support/chat.py).
        ids["chat"] = demo_conversation(base, buyer, merchant, case_order)
        token = csrf_token(buyer.get(f"{base}/s/fresh-fruit", timeout=10).text)
        added = buyer.post(f"{base}/cart/add", timeout=10, data={
            "csrf_token": token, "product_id": "3", "quantity": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": token})
        assert added.status_code == 200, added.text
        ids["checkout"] = re.search(r'href="(/orders/checkout/\d+)"', added.text)[1]
        ids["product"] = re.search(r'href="(/p/\d+)"',
                                   buyer.get(f"{base}/s/fresh-fruit", timeout=10).text)[1]
    except BaseException:
        server.stop()
        raise
    return server, World(base, logins, ids)
