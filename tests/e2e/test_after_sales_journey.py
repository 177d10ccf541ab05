"""After-sales in Chromium, one world: the demo buyer's order is delivered with one line refused
at the door; on a phone the buyer asks for a refund of the line kept, with a photo; on a tablet
the shop refuses it, with its reason and the deadline counting down in its list; the buyer
escalates; the admin's case page shows the proof's check, the photo and both statements, and
decides for the buyer: the refund is recorded (paid at the door: owed by the shop) on the
request and in the order's history. axe on the form, the shop's list and the case page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, axe_violations, login, photo, shot
from tests.support.images import signature_data_url

pytestmark = pytest.mark.e2e
LAYOUT = "after-sales"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("after-sales")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-after-sales.log") as (base, logins):
        sessions = {role: live.login(base, *logins[role])[0] for role in ("买家", "商家", "骑手")}
        yield base, logins, delivered(base, sessions)


def delivered(base: str, sessions: dict) -> int:
    """The demo buyer's order of two products, the first refused at the door (商品破损) and the
    other signed for. The courier arrives saying why away from the pin (the server has no
    position of theirs)."""
    order_id = live.place_and_dispatch(base, sessions["买家"], sessions["商家"])
    page = f"/delivery/{order_id}"
    for step in ("start", "arrive"):
        answer = live.htmx_post(sessions["骑手"], base, f"{page}/{step}", page, reason="pin_off")
        assert answer.status_code == 200, answer.text
    lines = sorted(set(re.findall(r'name="line-(\d+)"',
                                  sessions["买家"].get(f"{base}/orders/{order_id}").text)))
    signed = live.sign(sessions["买家"], base, order_id, signature_data_url(), **{
        f"line-{lines[0]}": "rejected", f"reason-{lines[0]}": "商品破损"})
    assert signed.status_code in (200, 303), signed.text
    return order_id


def serious(page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe_violations(page)]


def test_a_request_refused_by_the_shop_and_decided_by_the_platform(browser, site):
    base, logins, order_id = site
    buyer_context = browser.new_context(**PHONE, locale="zh-CN")
    shop_context = browser.new_context(**TABLET, locale="zh-CN")
    admin_context = browser.new_context(**TABLET, locale="en-US")
    try:
        buyer, shop, admin = (c.new_page() for c in (buyer_context, shop_context, admin_context))
        for page in (buyer, shop, admin):
            page.set_default_timeout(15_000)
        login(buyer, base, *logins["买家"])
        buyer.goto(f"{base}/orders/{order_id}")
        entry = buyer.locator(f"#order-{order_id}-after-sales")
        expect(entry).to_contain_text("可在")
        entry.locator("a.button").click()
        form = buyer.locator("#after-sale-form")
        kept = form.locator("input[type=number]")
        expect(kept).to_have_count(1)  # the line refused at the door has nothing to ask for
        kept.fill("1")
        form.locator("input[name=kind][value=refund_only]").check()
        form.locator("select[name=reason]").select_option("spoiled")
        form.locator("textarea[name=note]").fill("打开就是坏的")
        form.locator("input[name=photos]").set_input_files([photo("spoiled.jpg")])
        shot(buyer, "phone", f"{LAYOUT}-form")
        assert not serious(buyer), serious(buyer)
        form.locator("button[type=submit]").click()
        expect(buyer).to_have_url(re.compile(r"/after-sales/\d+$"))
        request_id = int(buyer.url.rsplit("/", 1)[1])
        panel = buyer.locator(f"#after-sale-{request_id}")
        expect(panel).to_contain_text("待商家处理")
        expect(panel.locator(".as-deadline")).to_contain_text("逾期视为同意")
        expect(panel.locator(".as-photos img")).to_have_count(1)

        login(shop, base, *logins["商家"])
        shop.click("nav >> text=售后")
        row = shop.locator(f"#after-sale-row-{request_id}")
        expect(row).to_contain_text("还剩 1 天 23 小时")
        shot(shop, "tablet", f"{LAYOUT}-shop-list")
        assert not serious(shop), serious(shop)
        row.locator("a").click()
        shop.fill(f"#after-sale-{request_id} textarea[name=note]", "商品出库时完好")
        shop.click(f"#after-sale-{request_id} button.danger")
        expect(shop.locator(f"#after-sale-{request_id}-status")).to_have_text("商家已拒绝")

        buyer.reload()
        expect(panel).to_contain_text("商品出库时完好")
        panel.locator("textarea[name=note]").fill("照片可见霉斑，请平台判定")
        panel.get_by_role("button", name="申请平台介入").click()
        expect(buyer.locator(f"#after-sale-{request_id}-status")).to_have_text("平台处理中")

        login(admin, base, *logins["管理员"])
        admin.goto(f"{base}/admin/after-sales")
        admin.click(f"#after-sale-row-{request_id} a")
        expect(admin.locator("#case-integrity")).to_contain_text("Fingerprint matches")
        case = admin.locator(f"#after-sale-{request_id}")
        for words in ("打开就是坏的", "商品出库时完好", "照片可见霉斑"):
            expect(case).to_contain_text(words)
        expect(case.locator(".as-photos img")).to_have_count(1)
        shot(admin, "tablet", f"{LAYOUT}-case-en")
        assert not serious(admin), serious(admin)
        case.locator("input[name=ruling][value=buyer]").check()
        case.locator("textarea[name=note]").fill("Photo shows mould; refund the buyer.")
        case.locator("button[type=submit]").click()
        expect(case).to_contain_text("Refunded")
        expect(case).to_contain_text("the shop owes")

        buyer.reload()
        expect(buyer.locator(f"#after-sale-{request_id}-status")).to_have_text("已退款")
        buyer.goto(f"{base}/orders/{order_id}")
        history = buyer.locator("details.timeline").last
        history.locator("summary").click()
        expect(history).to_contain_text(f"平台判定售后 #{request_id} 支持买家")
        expect(history).to_contain_text("售后退款")
    finally:
        for context in (buyer_context, shop_context, admin_context):
            context.close()
