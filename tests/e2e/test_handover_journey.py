"""Handing over in Chromium (issue 19), one world, on phones in Chinese: the demo buyer orders;
the shop accepts and assigns; the courier sets off and reports 收件人不在; the buyer picks a new
window on the order page; the shop assigns again; the courier, whose phone shares a position
some 210 m from the pin, arrives; at the door a family member tells the buyer's receipt code
(read from the buyer's page), inspects and signs on the courier's phone (代收签收). The buyer's
page shows it signed and the proof says where and that the code matched (scheme 4). The
buyer's shared tracking link, opened without a login while the delivery is under way, shows
the status and the courier on the map and nothing private, follows the arrival, and after the
signature shows the outcome and no position. axe on the handover form and the link's page.
Then, in the same world, the distance line on the courier's page follows the phone."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, axe_violations, htmx_ready, login, shot, wait_socket

pytestmark = pytest.mark.e2e
LAYOUT = "handover"
NEAR_PIN = (39.9085, 116.4580)  # some 210 m west of the demo buyer's pin (39.9087, 116.4605)
FAR_FROM_PIN = (39.9177, 116.4605)  # some 1,000 m north of it
# What the shared link must never show of the demo buyer's order.
PRIVATE = ("张买家", "13900000002", "139****0002", "建国路 100 号", "赣南脐橙", "¥", "李骑手")
SIGNER = "张妈妈（家人）"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("handover")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-handover.log") as (base, logins):
        yield base, logins


def serious(page: Page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe_violations(page)]


def order_one(base: str, buyer: Page) -> int:
    buyer.goto(f"{base}/s/fresh-fruit")
    buyer.locator("article.product", has_text="赣南脐橙").locator("a").first.click()
    htmx_ready(buyer, "#add-to-cart")  # a click before htmx is ready posts the page
    buyer.click("#add-to-cart button[type=submit]")
    expect(buyer.locator("#add-to-cart .notice")).to_contain_text("已加入购物车")
    buyer.click("#cart-link")
    buyer.click("text=去结算")
    buyer.click("#checkout-form button[type=submit]")
    expect(buyer).to_have_url(re.compile(r"/orders/\d+$"))
    return int(buyer.url.rsplit("/", 1)[1])


def assign(base: str, merchant: Page, order_id: int) -> None:
    """On the shop's order page: accept if it is still to accept, then send 李骑手."""
    merchant.goto(f"{base}/orders/{order_id}")
    status = merchant.locator(f"#order-{order_id}-status")
    accept = merchant.locator("button", has_text="接单")
    if accept.count():
        accept.click()
        expect(status).to_have_text("已接单")
    merchant.locator(f"#courier-{order_id}").select_option(label="李骑手")
    merchant.locator("button", has_text="派单").click()
    expect(status).to_have_text("待取货")


def set_off(base: str, courier: Page, order_id: int) -> None:
    """The courier's phone: picked up, and its position (near the pin) shared with the server."""
    courier.goto(f"{base}/delivery/{order_id}")
    courier.click("text=已取货，开始配送")
    expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("配送中")
    expect(courier.locator("#gps-state")).to_contain_text("位置已共享")


def sign(page: Page) -> None:
    pad = page.locator("#signature-pad")
    expect(pad).to_have_attribute("data-ready", "1")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(box["x"] + 20 + i * (box["width"] - 40) / 24,
                        box["y"] + box["height"] * (0.7 - 0.4 * ((i % 6) / 6)), steps=2)
    page.mouse.up()
    page.click("#sign-form button[type=submit]")


def assert_nothing_private(page: Page, code: str) -> None:
    text = page.locator("body").inner_text()
    for private in (*PRIVATE, code):
        assert private not in text, private


def test_failed_rescheduled_and_signed_by_a_family_member_on_the_couriers_phone(browser, site):
    base, logins = site
    contexts = [browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**PHONE, locale="zh-CN", permissions=["geolocation"],
                                    geolocation={"latitude": NEAR_PIN[0],
                                                 "longitude": NEAR_PIN[1], "accuracy": 8}),
                browser.new_context(**PHONE, locale="zh-CN")]  # whoever the link is sent to
    try:
        buyer, merchant, courier, receiver = (context.new_page() for context in contexts)
        for page, role in ((buyer, "买家"), (merchant, "商家"), (courier, "骑手")):
            login(page, base, *logins[role])
        order_id = order_one(base, buyer)
        assign(base, merchant, order_id)

        # The first try fails: nobody at home.
        set_off(base, courier, order_id)
        courier.locator("details.fail summary").click()
        courier.locator("input[name=reason][value=absent]").check()
        courier.click("text=上报配送失败")
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("配送失败")

        # The buyer picks a new window; the shop sends the courier again.
        buyer.goto(f"{base}/orders/{order_id}")
        status = buyer.locator(f"#order-{order_id}-status")
        expect(status).to_have_text("配送失败")
        picker = buyer.locator(f"#reschedule-{order_id}")
        picker.select_option(index=1)
        buyer.locator("button", has_text="改约送达时间").click()
        expect(status).to_have_text("已接单")
        assign(base, merchant, order_id)

        # The buyer shares the tracking link; it is opened without a login while under way.
        buyer.goto(f"{base}/orders/{order_id}")
        code = buyer.locator(f"#order-{order_id}-receipt-code .receipt-code").inner_text().strip()
        assert re.fullmatch(r"\d{6}", code), code
        buyer.locator("a", has_text="分享配送跟踪").click()
        link = buyer.locator(f"#share-url-{order_id}").input_value()
        assert re.search(r"/t/[\w.-]+$", link), link
        receiver.goto(re.sub(r"^https?://[^/]+", base, link))  # PUBLIC_URL is not this server
        set_off(base, courier, order_id)
        pill = receiver.locator("#track-link-status .pill")
        expect(pill).to_have_text("配送中")
        expect(receiver.locator("#track-map")).to_have_attribute("data-lat", str(NEAR_PIN[0]))
        expect(receiver.locator("#track-map .courier-marker")).to_have_count(1)
        assert_nothing_private(receiver, code)
        assert serious(receiver) == [], serious(receiver)
        shot(receiver, LAYOUT, "01-link-under-way")

        # Arrived near the pin: the buyer's page brings the signing to the top; the link follows.
        wait_socket(buyer)
        courier.click("text=已送达")
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("待签收")
        expect(buyer.locator(f"#order-{order_id}-sign-first")).to_be_visible()
        expect(pill).to_have_text("待签收")
        assert_nothing_private(receiver, code)

        # 代收签收: the family member tells the code and signs on the courier's phone.
        handover = courier.locator(f"#delivery-{order_id}-handover")
        handover.locator("summary").click()
        handover.locator(f"#handover-code-{order_id}").fill(code)
        handover.locator(f"#handover-signer_name-{order_id}").fill(SIGNER)
        assert serious(courier) == [], serious(courier)
        shot(courier, LAYOUT, "02-courier-handover-form")
        handover.locator("button", has_text="核对收货码").click()
        form = courier.locator("#sign-form")
        expect(form.locator("h3")).to_have_text("代收签收：请收货人逐项验货后签名")
        expect(form.locator("input[name=signer_name]")).to_have_value(SIGNER)
        expect(form.locator(".inspect-line", has_text="赣南脐橙")).to_have_count(1)
        sign(courier)
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("已完成")
        shot(courier, LAYOUT, "03-courier-signed")

        # The buyer's page shows it signed; the proof says where and that the code matched.
        expect(status).to_have_text("已完成")
        expect(buyer.locator(f"#order-{order_id}-receipt-code")).to_have_count(0)
        buyer.goto(f"{base}/orders/{order_id}/proof")
        proof = buyer.locator("#proof-page")
        expect(proof.locator(".signer")).to_have_text(SIGNER)
        expect(proof.locator(".signed-on")).to_have_text("在骑手手机上代收签收，收货码已核对一致")
        expect(proof.locator(".integrity")).to_have_class(re.compile(r"\bok\b"))
        shot(buyer, LAYOUT, "04-proof")

        # The link now tells the outcome only: no map, no position.
        expect(receiver.locator("#track-link-status .notice")).to_have_text("已送达签收，配送跟踪已结束。")
        expect(receiver.locator("#track-map")).to_have_count(0)
        state = receiver.request.get(f"{receiver.url}/live").json()
        assert state["status"] == "completed" and state["position"] is None, state
        assert not state["trail"] and state["eta"] is None, state
        assert_nothing_private(receiver, code)
        assert serious(receiver) == [], serious(receiver)
        shot(receiver, LAYOUT, "05-link-signed")
    finally:
        for context in contexts:
            context.close()


def test_the_couriers_distance_line_follows_the_phone(browser, site):
    """The line above 已送达 follows the positions the phone shares, without a reload: some
    1,000 m away it says how far and the radius; moved to some 210 m it says 已送达 may be
    tapped, and the server, which still decides, takes the tap."""
    base, logins = site
    contexts = [browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**PHONE, locale="zh-CN", permissions=["geolocation"],
                                    geolocation={"latitude": FAR_FROM_PIN[0],
                                                 "longitude": FAR_FROM_PIN[1], "accuracy": 8})]
    try:
        buyer, merchant, courier = (context.new_page() for context in contexts)
        for page, role in ((buyer, "买家"), (merchant, "商家"), (courier, "骑手")):
            login(page, base, *logins[role])
        order_id = order_one(base, buyer)
        assign(base, merchant, order_id)
        set_off(base, courier, order_id)
        line = courier.locator(f"#arrive-check-{order_id}")
        expect(line).to_have_text(re.compile(r"^距收货位置约 1\d{3} 米（需在 300 米内）。$"))
        contexts[2].set_geolocation({"latitude": NEAR_PIN[0], "longitude": NEAR_PIN[1],
                                     "accuracy": 8})
        expect(line).to_have_text(re.compile(r"^距收货位置约 2\d\d 米，可确认送达。$"))
        expect(line).to_have_class(re.compile(r"\bcheck-near\b"))
        shot(courier, LAYOUT, "06-courier-distance-live")
        courier.click("text=已送达")
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("待签收")
    finally:
        for context in contexts:
            context.close()
