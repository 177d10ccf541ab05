"""Demands and quotes in Chromium: one buyer on a phone, two merchants on tablets, each in their
own browser context, against the real gunicorn+gevent server.

The buyer posts a demand; both merchants see it arrive without a reload and quote; the buyer
sees both quotes arrive without a reload, accepts one and checks out; the losing merchant sees
"未被选中" and the winner "已被选中" without a reload.
"""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import (
    ARTIFACTS,
    PHONE,
    TABLET,
    assert_not_reloaded,
    mark_no_reload,
    picture,
    wait_socket,
    wait_until,
)

pytestmark = pytest.mark.e2e

DISTRICT = "110105"
PEOPLE = {
    "buyer": ("demand-buyer@example.com", "buyer-pass-1"),
    "merchant_a": ("demand-a@example.com", "merchant-pass-a"),
    "merchant_b": ("demand-b@example.com", "merchant-pass-b"),
}


def seed(database_url: str) -> None:
    """A buyer with an address in the district, and two approved merchants with shops there
    (the approval itself has its own browser test in test_journey.py)."""
    from webapp import create_app
    from webapp.addresses import services as addresses
    from webapp.auth.services import hash_password
    from webapp.config import TestConfig
    from webapp.extensions import db
    from webapp.models import Product, Role, Shop, User, utcnow

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url

    app = create_app(Config)
    with app.app_context():
        users = {}
        for key, (email, password) in PEOPLE.items():
            role = Role.BUYER if key == "buyer" else Role.MERCHANT
            users[key] = User(role=role, email=email, password_hash=hash_password(password),
                              display_name={"buyer": "张买家", "merchant_a": "李店长",
                                            "merchant_b": "王店长"}[key])
        db.session.add_all(users.values())
        db.session.flush()
        shops = [Shop(owner_id=users["merchant_a"].id, handle="lychee-a", name="岭南鲜果行",
                      district_code=DISTRICT, verified_at=utcnow(), delivery_fee_fen=600),
                 Shop(owner_id=users["merchant_b"].id, handle="orchard-b", name="朝阳果园直供",
                      district_code=DISTRICT, verified_at=utcnow())]
        db.session.add_all(shops)
        db.session.flush()
        db.session.add_all([
            Product(shop_id=shops[0].id, title="妃子笑荔枝 5 斤", price_fen=6900, stock=20,
                    category="produce"),
            Product(shop_id=shops[1].id, title="桂味荔枝 5 斤装", price_fen=7500, stock=20,
                    category="produce"),
        ])
        db.session.commit()
        addresses.save(users["buyer"], None, contact_name="张买家", mobile="13912345678",
                       province_code="11", city_code="1101", district_code=DISTRICT,
                       detail="建国路 88 号", lat=None, lng=None, is_default=True)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def demand_server(tmp_path_factory):
    database = f"sqlite:///{tmp_path_factory.mktemp('demands') / 'e2e.db'}"
    env = live.base_env(database)
    live.prepare(env, demo=False)
    seed(database)
    server = live.start(env, ARTIFACTS.parent / "gunicorn-demands.log")
    yield server.url
    server.stop()


def shot(page: Page, name: str) -> None:
    picture(page, ARTIFACTS / f"demands-{name}.png")


def login(page: Page, base: str, who: str) -> None:
    email, password = PEOPLE[who]
    page.goto(f"{base}/auth/login")
    page.fill("#login", email)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (220, 38, 38)).save(out, format="JPEG")
    return {"name": "lychee.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def quote(page: Page, *, price: str, fee: str, product: str | None = None,
          item: str | None = None, note: str = "") -> int:
    """Fill in and send the quote form on the merchant's demand page; return the quote id."""
    if product:
        page.select_option("#product_id", label=product)
    else:
        page.fill("#item_title", item or "")
    page.fill("#unit_price", price)
    page.fill("#delivery_fee", fee)
    page.fill("#note", note)
    page.click("#quote-form button[type=submit]")
    expect(page.locator("#my-quote .outcome")).to_contain_text("已报价，等待买家选择")
    return int(page.locator("#my-quote").get_attribute("data-live").split("-")[1])


def test_a_demand_answered_live_by_two_merchants(browser, demand_server):
    base = demand_server
    contexts = {"buyer": browser.new_context(**PHONE, locale="zh-CN"),
                "merchant_a": browser.new_context(**TABLET, locale="zh-CN"),
                "merchant_b": browser.new_context(**TABLET, locale="zh-CN")}
    problems: list[str] = []
    try:
        pages = {}
        for who, context in contexts.items():
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda e: problems.append(str(e)))
            # The two forms sent back on purpose answer 422; anything else is a problem.
            page.on("console", lambda m: problems.append(m.text) if m.type == "error"
                    and "status of 422" not in m.text else None)
            login(page, base, who)
            pages[who] = page
        buyer, a, b = pages["buyer"], pages["merchant_a"], pages["merchant_b"]

        # 1. Both merchants open the feed: empty, listening to their district's room.
        for merchant in (a, b):
            merchant.goto(f"{base}/demands/feed")
            expect(merchant.locator("#demand-feed .feed-empty")).to_be_visible()
            wait_socket(merchant)
            expect(merchant.locator("body")).to_have_attribute("data-demands", "watching")
            mark_no_reload(merchant)

        # 2. The buyer posts a demand from the phone; a mistake first keeps what was typed.
        buyer.goto(f"{base}/demands/")
        buyer.click("text=发布需求")
        expect(buyer.locator("#district")).to_have_value(DISTRICT)  # from the default address
        buyer.fill("#title", "20 斤新鲜荔枝")
        buyer.select_option("#category", "produce")
        buyer.fill("#quantity", "2")
        buyer.fill("#budget", "0")
        buyer.fill("#description", "周六中午前送到，请客用，要新鲜的。")
        buyer.set_input_files("#photo", photo())
        buyer.click("#demand-form > button[type=submit]")
        expect(buyer.locator("#budget-error")).to_contain_text("请输入大于 0 的金额")
        expect(buyer.locator("#title")).to_have_value("20 斤新鲜荔枝")
        buyer.fill("#budget", "150")
        buyer.set_input_files("#photo", photo())  # a file input cannot be refilled by the server
        shot(buyer, "phone-buyer-post")
        buyer.click("#demand-form > button[type=submit]")
        expect(buyer).to_have_url(re.compile(r"/demands/\d+$"))
        demand_id = int(buyer.url.rsplit("/", 1)[1])
        expect(buyer.locator(f"#demand-{demand_id}-quotes .empty-offers")).to_contain_text(
            "等待商家报价")
        wait_socket(buyer)
        mark_no_reload(buyer)

        # 3. Both merchants see it arrive without a reload, with an alert.
        for merchant in (a, b):
            row = merchant.locator(f"#feed-demand-{demand_id}")
            expect(row).to_contain_text("20 斤新鲜荔枝")
            expect(row).to_contain_text("预算 ¥150.00")
            assert_not_reloaded(merchant)
            assert merchant.evaluate("document.body.dataset.demandRings") == "1"
        wait_until(a, f"(() => {{ const img = document.querySelector("
                      f"'#feed-demand-{demand_id} img.thumb');"
                      f" return img && img.complete && img.naturalWidth > 0; }})()")
        shot(a, "tablet-merchant-feed")

        # 4. Both quote: A a free-text item, B one of its products. Sealed: B never sees A's.
        a.click(f"#feed-demand-{demand_id} a")
        expect(a.locator("#quote-form")).to_be_visible()
        a.fill("#unit_price", "0")
        a.fill("#item_title", "妃子笑 一级果")
        a.click("#quote-form button[type=submit]")
        expect(a.locator("#unit_price-error")).to_contain_text("单价需大于 0")
        expect(a.locator("#item_title")).to_have_value("妃子笑 一级果")
        shot(a, "tablet-merchant-quote-form")
        quote_a = quote(a, price="68", fee="6", item="妃子笑 一级果", note="当天现摘")
        mark_no_reload(a)
        b.click(f"#feed-demand-{demand_id} a")
        quote_b = quote(b, product="桂味荔枝 5 斤装（库存 20）", price="72", fee="0", note="冷链配送")
        mark_no_reload(b)
        expect(b.locator("body")).not_to_contain_text("当天现摘")

        # 5. The buyer's comparison fills in without a reload, cheapest total first.
        offers = buyer.locator(f"#demand-{demand_id}-quotes .offer")
        expect(offers).to_have_count(2)
        expect(buyer.locator(f"#offer-{quote_a}")).to_contain_text("¥142.00")  # 2 × 68 + 6
        expect(buyer.locator(f"#offer-{quote_b}")).to_contain_text("¥144.00")  # 2 × 72
        expect(offers.first).to_have_id(f"offer-{quote_a}")
        expect(buyer.locator(f"#offer-{quote_a}")).to_contain_text("总价最低")
        expect(buyer.locator(f"#offer-{quote_b} .verified")).to_contain_text("实名认证")
        assert_not_reloaded(buyer)
        shot(buyer, "phone-buyer-compare")
        # The cards sit side by side on the phone: the second one starts right of the first.
        first, second = (buyer.locator(f"#offer-{q}").bounding_box() for q in (quote_a, quote_b))
        assert second["x"] > first["x"] + first["width"] / 2 and abs(second["y"] - first["y"]) < 2
        tablet = browser.new_context(**TABLET, locale="zh-CN")
        try:
            view = tablet.new_page()
            login(view, base, "buyer")
            view.goto(f"{base}/demands/{demand_id}")
            expect(view.locator(".offer")).to_have_count(2)
            shot(view, "tablet-buyer-compare")
        finally:
            tablet.close()
        phone = browser.new_context(**PHONE, locale="zh-CN")
        try:
            view = phone.new_page()
            login(view, base, "merchant_b")
            view.goto(f"{base}/demands/feed")
            expect(view.locator(f"#feed-demand-{demand_id}")).to_contain_text("已报价")
            shot(view, "phone-merchant-feed")
        finally:
            phone.close()

        # 6. The buyer accepts B's quote (chilled delivery) and checks out.
        buyer.locator(f"#offer-{quote_b}").get_by_text("接受并下单").click()
        expect(buyer).to_have_url(re.compile(rf"/demands/checkout/{quote_b}$"))
        form = buyer.locator("#quote-checkout-form")
        expect(form.locator("input[name=address_id]:checked")).to_have_count(1)
        expect(form).to_contain_text("建国路 88 号")
        buyer.check("input[name=payment_method][value=alipay]")
        shot(buyer, "phone-buyer-checkout")
        form.locator("button[type=submit]").click()
        expect(buyer).to_have_url(re.compile(r"/orders/\d+$"))
        order_id = int(buyer.url.rsplit("/", 1)[1])
        expect(buyer.locator("body")).to_contain_text("桂味荔枝 5 斤装")
        expect(buyer.locator("body")).to_contain_text("¥144.00")

        # 7. The outcome reaches both merchants without a reload; the winner's badge rings.
        expect(a.locator("#my-quote .outcome")).to_contain_text("未被选中")
        expect(a.locator("#my-quote .pill")).to_have_text("已成交")
        expect(a.locator("#live-status")).to_have_text("你的报价未被选中")
        assert_not_reloaded(a)
        shot(a, "tablet-merchant-not-chosen")
        expect(b.locator("#my-quote .outcome")).to_contain_text("已被选中")
        expect(b.locator("#order-badge")).to_have_text("1")
        assert_not_reloaded(b)
        b.goto(f"{base}/orders/board")
        expect(b.locator(f"#col-new #board-order-{order_id}")).to_contain_text("桂味荔枝")
        # The demand no longer shows in A's feed, and A's list of quotes says why.
        a.goto(f"{base}/demands/feed")
        expect(a.locator(f"#feed-demand-{demand_id}")).to_have_count(0)
        expect(a.locator(f"#my-quote-{quote_a}")).to_contain_text("未被选中")
        buyer.goto(f"{base}/demands/")
        expect(buyer.locator(f"#my-demand-{demand_id}")).to_contain_text("已成交")
        assert problems == []
    finally:
        for context in contexts.values():
            context.close()
