"""Real-name verification in Chromium: the admin rejects the licence photo with a reason, the
merchant sees it live, fixes and resubmits, the admin approves, and the shop goes live."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    ADMIN,
    PHONE,
    TABLET,
    assert_not_reloaded,
    fill_application,
    login,
    mark_no_reload,
    photo,
    shot,
    wait_socket,
    wait_until,
)

pytestmark = pytest.mark.e2e


def test_reject_a_photo_fix_it_and_open_the_shop(browser, live_server):
    base = live_server
    merchant_context = browser.new_context(**PHONE, locale="zh-CN")
    admin_context = browser.new_context(**TABLET, locale="zh-CN")
    try:
        merchant, admin = merchant_context.new_page(), admin_context.new_page()
        for page in (merchant, admin):
            page.set_default_timeout(15_000)

        merchant.goto(f"{base}/auth/register")
        merchant.check("input[name=role][value=merchant]")
        merchant.fill("#display_name", "赵店长")
        merchant.fill("#email", "veg-merchant@example.com")
        merchant.fill("#password", "merchant-pass")
        merchant.fill("#confirm", "merchant-pass")
        merchant.check("#consent")
        merchant.click("#register-form button[type=submit]")
        expect(merchant).to_have_url(re.compile(r"/merchant/$"))
        merchant.goto(f"{base}/merchant/apply")
        fill_application(merchant, "Veg Corner 蔬菜角", handle="veg-corner")
        shot(merchant, "verification", "01-merchant-application-phone")
        merchant.click("#apply-form button[value=submit]")
        expect(merchant.locator("h2").first).to_contain_text("审核中")
        expect(merchant.locator("#flash")).to_contain_text("尽快审核")
        wait_socket(merchant)
        mark_no_reload(merchant)

        # The admin rejects the licence photo, with a reason on that field.
        login(admin, base, *ADMIN)
        admin.locator("#review-queue a", has_text="Veg Corner").click()
        expect(admin.locator(".documents img")).to_have_count(3)
        admin.fill("#note_licence_photo", "营业执照照片模糊，请重新拍摄清晰的照片")
        shot(admin, "verification", "02-admin-review-tablet")
        admin.locator("button", has_text="驳回").click()
        expect(admin.locator(".decision .pill")).to_have_text("已驳回")

        # The merchant is told live, with the reason beside the field.
        expect(merchant.locator("#review-result")).to_contain_text("营业执照照片模糊")
        # Nothing on the page still says it waits for review.
        expect(merchant.locator("body")).not_to_contain_text(re.compile("尽快审核|审核中"))
        assert_not_reloaded(merchant)
        merchant.click("text=修改后重新提交")
        expect(merchant.locator("#note-licence_photo")).to_contain_text("营业执照照片模糊")
        expect(merchant.locator("#legal_name")).to_have_value("王小明")
        merchant.set_input_files("#licence_photo", photo("licence-sharp.jpg", (120, 20, 20)))
        merchant.click("#apply-form button[value=submit]")
        expect(merchant.locator("h2").first).to_contain_text("审核中")
        expect(merchant.locator("#flash")).to_contain_text("尽快审核")
        wait_socket(merchant)
        mark_no_reload(merchant)

        # The reviewer sees what changed in version 2 and approves.
        admin.goto(f"{base}/admin/applications")
        admin.locator("#review-queue a", has_text="第 2 版").click()
        expect(admin.locator(".flash.changes")).to_contain_text("营业执照照片")
        expect(admin.locator("figure.changed")).to_have_count(1)
        admin.locator("button", has_text="通过并开店").click()
        expect(admin.locator(".decision a[href='/s/veg-corner']")).to_be_visible()
        # The merchant's dashboard turns into the open shop's, live, and forgets the wait.
        expect(merchant.locator("h2").first).to_contain_text("已认证")
        expect(merchant.locator("body")).not_to_contain_text(re.compile("尽快审核|审核中"))
        assert_not_reloaded(merchant)

        # The shop is live at the wished address, with its badge and QR code.
        merchant.goto(f"{base}/s/veg-corner")
        expect(merchant.locator(".shop-head .verified")).to_contain_text("实名认证")
        expect(merchant.locator(".shop-head")).to_contain_text("9111**********341L")
        wait_until(merchant, "(() => { const img = document.querySelector('.qr-link img');"
                             " return img && img.complete && img.naturalWidth > 0; })()")
        shot(merchant, "verification", "03-shop-live-phone")
        merchant.click(".qr-link")
        expect(merchant).to_have_url(re.compile(r"/s/veg-corner/poster$"))
        expect(merchant.locator(".poster h1")).to_have_text("Veg Corner 蔬菜角")
    finally:
        merchant_context.close()
        admin_context.close()
