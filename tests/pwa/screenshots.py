"""Take the install sheet's screenshots (static/screenshots/install-*.png, listed in the manifest)
and the README's (static/screenshots/phone-*.png, tablet-*.png) from the real app on the demo
data: python -m tests.pwa.screenshots (needs requirements-dev.txt and /usr/bin/chromium).
Install-sheet pictures: narrow ones on a 390x844 phone at 2x, wide ones on a 1280x800 screen
(Chromium wants one aspect ratio per form factor). README pictures: a 390x844 phone at 2x and a
1024x768 tablet, the sizes the app is built for. The PNGs are committed."""
from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support import live
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.live import (
    csrf_token,
    demo_logins,
    htmx_post,
    place_and_dispatch,
    refuse_one_line,
    socket_for,
)
from tests.support.live import login as http_login

OUT = live.ROOT / "static" / "screenshots"
NARROW = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
          "is_mobile": True, "has_touch": True}
WIDE = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}
TABLET = {"viewport": {"width": 1024, "height": 768}, "device_scale_factor": 1, "has_touch": True}
SHOTS = [  # (file, size, who, path); {delivering}, {refused}, {cart} are ids made below
    ("install-narrow-home.png", NARROW, "买家", "/"),
    ("install-narrow-shop.png", NARROW, "买家", "/s/fresh-fruit"),
    ("install-wide-board.png", WIDE, "商家", "/orders/board"),
    ("install-wide-products.png", WIDE, "商家", "/catalog/"),
    ("phone-home.png", NARROW, "买家", "/"),
    ("phone-shop.png", NARROW, "买家", "/s/fresh-fruit"),
    ("phone-cart.png", NARROW, "买家", "/cart/"),
    ("phone-checkout.png", NARROW, "买家", "/orders/checkout/{cart}"),
    ("phone-live-map.png", NARROW, "买家", "/orders/{delivering}"),
    ("phone-refused.png", NARROW, "买家", "/orders/{refused}"),
    ("phone-courier.png", NARROW, "骑手", "/delivery/"),
    ("tablet-board.png", TABLET, "商家", "/orders/board"),
    ("tablet-products.png", TABLET, "商家", "/catalog/"),
    ("tablet-order.png", TABLET, "商家", "/orders/{refused}"),
]
# The courier's phone on its way from the shop towards the demo buyer's pin.
ROUTE = [(39.9219, 116.4436), (39.9231, 116.4452), (39.9247, 116.4469)]


def place(base: str, buyer, product: str, quantity: str) -> None:
    """The demo buyer orders from the demo shop and leaves it to the shop to accept."""
    token = csrf_token(buyer.get(f"{base}/s/fresh-fruit", timeout=10).text)
    added = buyer.post(f"{base}/cart/add", timeout=10, data={
        "csrf_token": token, "product_id": product, "quantity": quantity},
        headers={"HX-Request": "true", "X-CSRFToken": token})
    checkout = re.search(r'href="(/orders/checkout/\d+)"', added.text)[1]
    page = buyer.get(f"{base}{checkout}", timeout=10).text
    placed = buyer.post(f"{base}{checkout}", allow_redirects=False, timeout=10, data={
        "csrf_token": csrf_token(page),
        "address_id": re.search(r'name="address_id"[^>]*value="(\d+)"', page)[1],
        "window": re.search(r'<option[^>]*value="([0-9T:/-]+)"', page)[1],
        "payment_method": "wechat", "note": "放门口即可",
        "idempotency_key": re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]{32})"',
                                     page)[1],
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page)[1]})
    assert placed.status_code == 303, placed.text


def add_to_cart(base: str, buyer, product: str, quantity: str) -> str:
    """Put a product in the demo buyer's cart; the path of that cart's checkout."""
    token = csrf_token(buyer.get(f"{base}/s/fresh-fruit", timeout=10).text)
    added = buyer.post(f"{base}/cart/add", timeout=10, data={
        "csrf_token": token, "product_id": product, "quantity": quantity},
        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert added.status_code == 200, added.text
    return re.search(r'href="/orders/checkout/(\d+)"', added.text)[1]


def drive(base: str, courier, order_id: int) -> None:
    """A few fixes from the courier's phone, a second apart (the server takes one a second)."""
    client, _ = socket_for(courier, base)
    try:
        for lat, lng in ROUTE:
            ack = client.call("delivery:position", {"order_id": order_id, "lat": lat, "lng": lng,
                                                    "accuracy": 12}, timeout=10)
            assert ack["ok"], ack
            time.sleep(1.2)
    finally:
        client.disconnect()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="screenshots-"))
    env = live.base_env(f"sqlite:///{folder / 'demo.db'}")
    live.flask(env, "db", "upgrade")
    logins = demo_logins(live.flask(env, "seed-demo"))
    server = live.start(env, folder / "gunicorn.log")
    base = server.url
    try:
        buyer, _ = http_login(base, *logins["买家"])
        merchant, _ = http_login(base, *logins["商家"])
        courier, _ = http_login(base, *logins["骑手"])
        ids = {"refused": refuse_one_line(base, buyer, merchant, courier),
               "delivering": place_and_dispatch(base, buyer, merchant)}
        page = f"/delivery/{ids['delivering']}"
        assert htmx_post(courier, base, f"{page}/start", page).status_code == 200
        drive(base, courier, ids["delivering"])
        place_and_dispatch(base, buyer, merchant)
        place(base, buyer, "4", "2")
        ids["cart"] = add_to_cart(base, buyer, "3", "2")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, size, who, path in SHOTS:
                context = browser.new_context(**size, locale="zh-CN", timezone_id="Asia/Shanghai")
                tab = context.new_page()
                tab.goto(f"{base}/auth/login")
                tab.fill("#login", logins[who][0])
                tab.fill("#password", logins[who][1])
                tab.click("#login-form button[type=submit]")
                tab.wait_for_url(lambda url: "/auth/login" not in url)
                tab.goto(base + path.format(**ids))
                tab.wait_for_load_state("networkidle")
                # Every photo in view drawn before the picture is taken (the rest load lazily).
                for _ in range(100):
                    if tab.evaluate("[...document.images].every(i => i.complete || "
                                    "i.getBoundingClientRect().top > innerHeight)"):
                        break
                    tab.wait_for_timeout(100)
                tab.screenshot(path=str(OUT / name))
                print(OUT / name)
                context.close()
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
