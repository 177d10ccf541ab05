"""Paying at the door by scan in Chromium, through the development gateway the server serves
itself (as `make run` does without payment credentials): the demo buyer orders with 微信扫码付,
refuses one line at the door and signs; the courier's phone shows the WeChat Pay code for the
amount due, axe-clean in Chinese and English; the buyer pays it on the gateway's page and the
payment shows, without a reload, on the courier's page, the buyer's order page and the
merchant's board and order page."""
from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    PHONE,
    TABLET,
    arrive_stating_why,
    axe_violations,
    login,
    shot,
    wait_socket,
)
from tests.support.dev_gateway import demo_site_paying_online

pytestmark = pytest.mark.e2e
LAYOUT = "pay-at-door"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pay-at-door")
    server, logins = demo_site_paying_online(folder, folder / "gunicorn-pay-at-door.log")
    yield server.url, logins, folder / "demo.db"
    server.stop()


def sign(buyer: Page) -> None:
    pad = buyer.locator("#signature-pad")
    expect(pad).to_have_attribute("data-ready", "1")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    buyer.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    buyer.mouse.down()
    for i in range(1, 25):
        buyer.mouse.move(box["x"] + 20 + i * (box["width"] - 40) / 24,
                         box["y"] + box["height"] * (0.7 - 0.4 * ((i % 6) / 6)), steps=2)
    buyer.mouse.up()
    buyer.click("#sign-form button[type=submit]")


def out_trade_no(database, order_id: int) -> str:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT out_trade_no FROM payment WHERE order_id = ? AND status = 'pending'",
            (order_id,)).fetchone()[0]


def deliver_with_one_line_refused(base: str, buyer: Page, merchant: Page, courier: Page) -> int:
    for title in ("赣南脐橙", "海南香蕉"):
        buyer.goto(f"{base}/s/fresh-fruit")
        buyer.locator("article.product", has_text=title).locator("a").first.click()
        buyer.click("#add-to-cart button[type=submit]")
        expect(buyer.locator("#add-to-cart .notice")).to_contain_text("已加入购物车")
    buyer.click("#cart-link")
    buyer.click("text=去结算")
    buyer.check("input[name=payment_method][value=wechat]")
    buyer.click("#checkout-form button[type=submit]")
    expect(buyer).to_have_url(re.compile(r"/orders/\d+$"))
    order_id = int(buyer.url.rsplit("/", 1)[1])
    merchant.goto(f"{base}/orders/board")
    card = merchant.locator(f"#board-order-{order_id}")
    card.locator("button", has_text="接单").click()
    expect(card.locator(".pill")).to_have_text("已接单")
    card.locator("a", has_text="派单").click()
    merchant.locator("#assign-dialog select[name=courier_id]").select_option(label="李骑手")
    merchant.locator("#assign-dialog button", has_text="派单").click()
    expect(card.locator(".pill")).to_have_text("待取货")
    courier.goto(f"{base}/delivery/{order_id}")
    courier.click("text=已取货，开始配送")
    arrive_stating_why(courier, order_id)
    expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("待签收")
    expect(courier.locator(f"#delivery-{order_id}-code")).to_have_count(0)  # not before signing
    wait_socket(courier)
    buyer.goto(f"{base}/orders/{order_id}")
    bananas = buyer.locator(".inspect-line", has_text="海南香蕉")
    bananas.locator("input[value=rejected]").check()
    bananas.locator("select").select_option("商品破损")
    sign(buyer)
    expect(buyer.locator(f"#order-{order_id}-status")).to_have_text("部分拒收")
    return order_id


def test_the_courier_shows_the_code_and_the_payment_shows_live_for_all_three(browser, site):
    base, logins, database = site
    contexts = [browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**TABLET, locale="zh-CN"),
                browser.new_context(**PHONE, locale="zh-CN"),
                browser.new_context(**PHONE, locale="en-US")]
    try:
        buyer, merchant, courier, courier_en = (context.new_page() for context in contexts)
        for page, role in ((buyer, "买家"), (merchant, "商家"), (courier, "骑手"),
                           (courier_en, "骑手")):
            login(page, base, *logins[role])
        order_id = deliver_with_one_line_refused(base, buyer, merchant, courier)

        # The courier's page, redrawn when the buyer signed, offers the code for what is due.
        code = courier.locator(f"#delivery-{order_id}-code")
        due = re.search(r"应付 (¥[\d.]+)", buyer.locator(f"#order-{order_id}-panel").inner_text())
        assert due is not None
        show = code.locator("button", has_text="出示微信支付收款码")
        expect(show).to_contain_text(due[1])
        show.click()
        expect(code.locator(".pay-qr svg")).to_be_visible()
        expect(code.locator("figcaption")).to_contain_text(f"请买家用微信支付扫码付款 {due[1]}")
        assert axe_violations(courier) == []
        shot(courier, LAYOUT, "01-courier-code-zh")
        courier_en.goto(f"{base}/delivery/{order_id}")
        expect(courier_en.locator(f"#delivery-{order_id}-code .pay-qr svg")).to_be_visible()
        expect(courier_en.locator(f"#delivery-{order_id}-code")).to_contain_text("Check payment")
        assert axe_violations(courier_en) == []
        shot(courier_en, LAYOUT, "02-courier-code-en")

        # Every party is watching; the buyer pays on the gateway's page (scanning, in effect).
        merchant_order = contexts[1].new_page()
        merchant_order.goto(f"{base}/orders/{order_id}")
        merchant.goto(f"{base}/orders/board")
        buyer.goto(f"{base}/orders/{order_id}")
        for page in (buyer, merchant, merchant_order, courier):
            wait_socket(page)
        gateway = contexts[0].new_page()
        gateway.goto(f"{base}/dev-gateway/wechatpay/dev/h5/{out_trade_no(database, order_id)}")
        expect(gateway.locator("body")).to_contain_text(due[1].lstrip("¥"))
        gateway.locator("button", has_text="Pay").click()
        expect(gateway.locator("body")).to_contain_text("paid")

        paid = f"已收款 {due[1]}"
        expect(courier.locator(f"#delivery-{order_id}-panel .payment")).to_contain_text(paid)
        expect(courier.locator(f"#delivery-{order_id}-code")).to_have_count(0)
        expect(courier.locator(f"#order-{order_id}-online")).to_contain_text("已扫码付款：微信支付")
        expect(buyer.locator(f"#order-{order_id}-payment")).to_contain_text(paid)
        expect(merchant_order.locator(f"#order-{order_id}-payment")).to_contain_text(paid)
        expect(merchant.locator(f"#board-order-{order_id}")).to_contain_text("已收款")
        shot(courier, LAYOUT, "03-courier-paid")
        shot(buyer, LAYOUT, "04-buyer-paid")
    finally:
        for context in contexts:
            context.close()
