"""A review with a photo and the shop's reply (issue 19), in Chromium: the demo buyer, on a phone,
reviews a signed order from its page (three scores, words, a photo) and sees it with its
验货签收 badge; the merchant, on a tablet, replies from the shop's reviews page, in place; the
buyer then reads both on the shop's page, with the shop's record worded for a new shop. axe finds
nothing serious on the form or the merchant's page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, axe_violations, login, photo, shot
from tests.support.reviews import signed_demo_order

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reviews")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-reviews.log") as (base, logins):
        yield {"base": base, "logins": logins, "order": signed_demo_order(str(folder / "demo.db"))}


def serious(page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe_violations(page)]


def test_a_review_with_a_photo_and_the_shop_s_reply(browser, site):
    base, order = site["base"], site["order"]
    buyer_context = browser.new_context(**PHONE, locale="zh-CN")
    merchant_context = browser.new_context(**TABLET, locale="en-US")
    try:
        buyer = buyer_context.new_page()
        login(buyer, base, *site["logins"]["买家"])
        buyer.goto(f"{base}/orders/{order}")
        buyer.get_by_role("link", name="评价这个订单").click()
        expect(buyer.locator("h1")).to_have_text(f"评价订单 #{order}")
        assert not serious(buyer), serious(buyer)
        for field, score in (("goods", 5), ("delivery", 4), ("service", 5)):
            buyer.locator(f"input[name={field}][value='{score}']").check()
        buyer.fill("#text", "橙子很甜，骑手准时送到")
        buyer.set_input_files("#photos", photo("review.jpg", (234, 88, 12)))
        shot(buyer, "phone", "review-form")
        buyer.get_by_role("button", name="发布评价").click()
        expect(buyer).to_have_url(f"{base}/orders/{order}")
        mine = buyer.locator(".order-review .review")
        expect(mine).to_contain_text("橙子很甜，骑手准时送到")
        expect(mine).to_contain_text("✔ 验货签收")
        expect(mine.locator(".review-photos img")).to_have_count(1)
        assert mine.locator(".review-photos img").evaluate("i => i.naturalWidth") > 0

        merchant = merchant_context.new_page()
        login(merchant, base, *site["logins"]["商家"])
        merchant.goto(f"{base}/reviews/mine")
        card = merchant.locator("#my-reviews .review").first
        expect(card).to_contain_text("橙子很甜")
        merchant.evaluate("window.__sameDocument = 'yes'")
        card.get_by_label("Public reply (only one)").fill("谢谢支持，欢迎再来！")
        card.get_by_role("button", name="Post reply").click()
        answered = merchant.locator("#my-reviews .review").first
        expect(answered).to_contain_text("Your reply is posted.")
        expect(answered).to_contain_text("谢谢支持，欢迎再来！")
        assert merchant.evaluate("window.__sameDocument") == "yes"
        assert not serious(merchant), serious(merchant)
        shot(merchant, "tablet", "review-reply-en-US")

        buyer.goto(f"{base}/s/fresh-fruit")
        shown = buyer.locator("#shop-reviews .review").first
        expect(shown).to_contain_text("橙子很甜，骑手准时送到")
        expect(shown).to_contain_text("谢谢支持，欢迎再来！")
        expect(buyer.locator("#shop-record")).to_contain_text("新店 · 已完成 1 单")
        shot(buyer, "phone", "shop-reviews")
    finally:
        buyer_context.close()
        merchant_context.close()
