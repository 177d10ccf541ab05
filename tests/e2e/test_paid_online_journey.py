"""Paying online in Chromium, through the development gateway the server serves itself (as
`make run` does without payment credentials): on a phone the demo buyer checks out with Alipay,
pays on the gateway's page and comes back; the order rings on the merchant's tablet; the
courier delivers, the buyer refuses one line at the door and signs, the refund shows for buyer,
merchant and courier, and the proof verifies with the payment in it."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import (
    ARTIFACTS,
    PHONE,
    TABLET,
    arrive_stating_why,
    htmx_ready,
    login,
    shot,
    wait_socket,
)
from tests.support.dev_gateway import demo_site_paying_online

pytestmark = pytest.mark.e2e
LAYOUT = "paid-online"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    server, logins = demo_site_paying_online(tmp_path_factory.mktemp("paid-online"),
                                             ARTIFACTS.parent / "gunicorn-paid-online.log")
    yield server.url, logins
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


def test_a_buyer_pays_online_and_a_refused_line_is_refunded(browser, site):
    base, logins = site
    contexts = [browser.new_context(**PHONE, locale="zh-CN"), browser.new_context(**TABLET, locale="zh-CN"),
                browser.new_context(**PHONE, locale="zh-CN")]
    try:
        buyer, merchant, courier = (context.new_page() for context in contexts)
        for page, role in ((buyer, "买家"), (merchant, "商家"), (courier, "骑手")):
            login(page, base, *logins[role])
        merchant.goto(f"{base}/orders/board")
        wait_socket(merchant)

        # The buyer puts two products in the cart and checks out with Alipay, online.
        for title in ("赣南脐橙", "海南香蕉"):
            buyer.goto(f"{base}/s/fresh-fruit")
            buyer.locator("article.product", has_text=title).locator("a").first.click()
            htmx_ready(buyer, "#add-to-cart")  # a click before htmx is ready posts the page
            buyer.click("#add-to-cart button[type=submit]")
            expect(buyer.locator("#add-to-cart .notice")).to_contain_text("已加入购物车")
        buyer.click("#cart-link")
        buyer.click("text=去结算")
        buyer.check("input[name=payment_method][value=alipay_online]")
        buyer.click("#checkout-form button[type=submit]")
        expect(buyer).to_have_url(re.compile(r"/orders/\d+/pay$"))
        order_id = int(buyer.url.split("/")[-2])
        assert merchant.locator(f"#board-order-{order_id}").count() == 0  # not paid: not on the board

        # Sent to the development gateway's page, the buyer pays and comes back.
        buyer.click("text=在本机打开支付宝")
        expect(buyer).to_have_url(re.compile(rf"^{base}/dev-gateway/alipay/gateway\.do\?"))
        expect(buyer.locator("body")).to_contain_text("Development gateway.")
        shot(buyer, LAYOUT, "01-buyer-dev-gateway")
        buyer.locator("button", has_text="Pay").click()
        expect(buyer).to_have_url(f"{base}/orders/{order_id}/pay")
        expect(buyer.locator(".pay-card")).to_contain_text("订单当前为「待接单」，无需再付款")

        # The order rings on the merchant's board; accepted and assigned there.
        card = merchant.locator(f"#col-new #board-order-{order_id}")
        expect(card).to_be_visible()
        assert merchant.evaluate("document.body.dataset.rings") == "1"
        shot(merchant, LAYOUT, "02-merchant-board-rings")
        card.locator("button", has_text="接单").click()
        card = merchant.locator(f"#board-order-{order_id}")
        expect(card.locator(".pill")).to_have_text("已接单")
        card.locator("a", has_text="派单").click()
        merchant.locator("#assign-dialog select[name=courier_id]").select_option(label="李骑手")
        merchant.locator("#assign-dialog button", has_text="派单").click()
        expect(card.locator(".pill")).to_have_text("待取货")

        # The courier delivers; the buyer refuses the bananas at the door and signs.
        courier.goto(f"{base}/delivery/{order_id}")
        courier.click("text=已取货，开始配送")
        arrive_stating_why(courier, order_id)
        expect(courier.locator(f"#delivery-{order_id}-status")).to_have_text("待签收")
        buyer.goto(f"{base}/orders/{order_id}")
        bananas = buyer.locator(".inspect-line", has_text="海南香蕉")
        bananas.locator("input[value=rejected]").check()
        bananas.locator("select").select_option("商品破损")
        sign(buyer)
        expect(buyer.locator(f"#order-{order_id}-status")).to_have_text("部分拒收")

        # The refund, sent through the gateway, shows for all three.
        refund = re.compile(r"退款 ¥12\.90：签收时拒收的商品\s*已退款")
        expect(buyer.locator(f"#order-{order_id}-online .refunds")).to_have_text(refund)
        proof = buyer.locator(f"#order-{order_id}-proof")  # the payment in it, the digest sound
        expect(proof).to_contain_text("数字指纹一致")
        expect(proof).to_contain_text("已在线付款：支付宝 ¥52.80")
        shot(buyer, LAYOUT, "03-buyer-refunded")
        for page, path in ((merchant, "orders"), (courier, "delivery")):
            page.goto(f"{base}/{path}/{order_id}")
            expect(page.locator(f"#order-{order_id}-online .refunds")).to_have_text(refund)
        shot(merchant, LAYOUT, "04-merchant-refunded")
    finally:
        for context in contexts:
            context.close()
