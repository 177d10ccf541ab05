"""A buyer signs up on a phone with a mobile number and the SMS code, read where the development
provider writes it (the session server's log), and lands signed in; Enter in the code field
finishes the form (it does not ask for another code). Screenshots of each step, in the session
server of tests/e2e/conftest.py."""
from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import PHONE, shot

pytestmark = pytest.mark.e2e


def code_from_log(e164: str, timeout: float = 10) -> str:
    """The newest code the development provider logged for this number."""
    pattern = re.compile(rf"SMS \(development, not sent\) to {re.escape(e164)} \[register\]: \D*(\d{{6}})")
    deadline = time.monotonic() + timeout
    while not (found := pattern.findall(live.session_log().read_text(encoding="utf-8"))):
        assert time.monotonic() < deadline, f"no code for {e164} in {live.session_log()}"
        time.sleep(0.1)
    return found[-1]


def test_a_buyer_signs_up_with_a_mobile_number_and_the_code(browser, live_server):
    national = f"139{secrets.randbelow(10**8):08d}"
    context = browser.new_context(**PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/auth/register")
        page.get_by_role("link", name="手机号注册").click()
        expect(page).to_have_url(re.compile(r"/auth/phone/register$"))
        page.fill("#display_name", "手机新人")
        page.fill("#mobile", national)
        page.get_by_role("button", name="获取验证码").click()
        expect(page.locator(".code-sent")).to_contain_text(f"{national[:3]}****{national[-4:]}")
        shot(page, "phone", "phone-signup-code-sent")
        code = code_from_log(f"+86{national}")
        page.fill("#code", code)
        page.get_by_role("button", name="注册", exact=True).click()  # consent not given yet
        expect(page.locator("#consent-error")).to_have_text("请阅读并同意隐私政策后再注册")
        expect(page.locator("#code")).to_have_value(code)  # kept, and still unused
        page.check("#consent")
        page.locator("#code").press("Enter")
        expect(page.locator(".flash-success")).to_contain_text("注册成功")
        expect(page).to_have_url(f"{live_server}/")
        shot(page, "phone", "phone-signup-done")
    finally:
        context.close()
