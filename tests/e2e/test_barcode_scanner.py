"""The product manager's barcode scanner in Chromium with a fake camera (issue 21): the camera
shows a generated EAN-13 (tests/support/ean.py, a Y4M video), ZXing reads it in the page under
the app's CSP, and the product carrying that code opens in the form pane. With the camera
refused the dialog says so, and a code typed by hand that no product carries opens the new
product's form with the code filled in. (Without any camera: tests/e2e/test_a11y.py.)"""
from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TABLET, login, shot
from tests.support.ean import picture, write_y4m

pytestmark = pytest.mark.e2e

CODE, UNKNOWN = "6901234567892", "5901234123457"
TITLE = "赣南脐橙 5 斤装"  # a demo product (webapp/cli.py)


@pytest.fixture(scope="module")
def scanner(browser, tmp_path_factory):
    """A demo site whose TITLE carries CODE, and a Chromium whose camera films CODE."""
    folder = tmp_path_factory.mktemp("scanner")
    video = write_y4m(picture(CODE), folder / "ean13.y4m")
    fake = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-scanner.log") as (base, logins):
        with sqlite3.connect(folder / "demo.db") as db:
            product = db.execute("SELECT id FROM product WHERE title = ?", (TITLE,)).fetchone()[0]
            db.execute("UPDATE product_variant SET barcode = ? WHERE product_id = ?",
                       (CODE, product))
        yield {"base": base, "login": logins["商家"], "product": product, "browser": fake}
    fake.close()


def test_the_camera_finds_the_product_and_a_typed_code_starts_one(scanner):
    base = scanner["base"]
    page = scanner["browser"].new_context(**TABLET, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    login(page, base, *scanner["login"])
    page.goto(f"{base}/catalog/")
    page.locator("#scan-open").click()
    # ZXing reads the camera's picture; its product opens in the pane, as its row's click would.
    expect(page.locator(f"#product-form[data-product='{scanner['product']}']")).to_be_visible()
    expect(page.locator("#scan-note")).to_contain_text(f"条码 {CODE}：{TITLE}")
    expect(page.locator("#scan-dialog")).not_to_be_visible()
    expect(page).to_have_url(re.compile(rf"/catalog/{scanner['product']}/edit$"))
    expect(page.locator(f"#product-row-{scanner['product']}.selected")).to_be_visible()
    # Refused the camera: the dialog says so, and a code typed by hand is the way. A wrong check
    # digit is refused in the dialog; a code no product has opens a new product's form.
    page.evaluate("() => { navigator.mediaDevices.getUserMedia = () => "
                  "Promise.reject(new DOMException('denied', 'NotAllowedError')); }")
    page.locator("#scan-open").click()
    expect(page.locator("#scan-dialog.no-camera #scan-status")).to_contain_text("没有摄像头权限")
    shot(page, "tablet", "scanner-refused")
    page.fill("#scan-code", UNKNOWN[:-1] + "0")
    page.locator("#scan-form button[type=submit]").click()
    expect(page.locator("#scan-message")).to_contain_text("校验位不对")
    page.fill("#scan-code", UNKNOWN)
    page.locator("#scan-form button[type=submit]").click()
    expect(page.locator("#scan-note")).to_have_text(f"未找到条码 {UNKNOWN}，新建商品")
    expect(page.locator("#product-form input[name=barcode]")).to_have_value(UNKNOWN)
    expect(page.locator("#title")).to_be_focused()  # the name is what the merchant types next
    shot(page, "tablet", "scanner-new-product")
    page.context.close()
