"""The admin's refunds page (issue 18) in Chromium, on a tablet and a phone, in both languages:
failed and retrying refunds as cards with their facts, no serious axe violation before or after
"send again", which swaps its card in place (the server has no channel configured, so the
attempt fails again and the card says so); the next page comes with the "more" row."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, PHONE, TABLET, axe_violations, login, shot
from tests.support.live import placed_orders

pytestmark = pytest.mark.e2e

REFUNDS = 14  # one more page than the first (12)


def failed_refunds(database: str, count: int) -> list[int]:
    """`count` orders of the demo shop paid by WeChat Pay, each with a refund owed on it: every
    other one FAILED after 8 attempts, the rest still being tried after one; written straight
    into the server's database."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    stamp = now.isoformat(" ")
    orders = placed_orders(database, count)
    with sqlite3.connect(database) as db:
        refunds = []
        for n, order_id in enumerate(orders):
            payment = db.execute(
                "INSERT INTO payment (order_id, channel, purpose, kind, out_trade_no, amount_fen,"
                " status, link, transaction_id, created_at, paid_at) VALUES (?, 'wechat',"
                " 'prepay', 'qr', ?, 1250, 'paid', '', ?, ?, ?)",
                (order_id, f"P{order_id}Te2e", f"42000000{order_id:08d}", stamp, stamp)).lastrowid
            failed = n % 2 == 0
            refunds.append(db.execute(
                "INSERT INTO refund (order_id, payment_id, out_refund_no, amount_fen, reason,"
                " lines, status, attempts, next_attempt_at, last_error, refund_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, '[]', ?, ?, ?, ?, '', ?)",
                (order_id, payment, f"R{order_id}Te2e", 1250 if failed else 450,
                 "cancelled" if failed else "rejected_lines", "failed" if failed else "requested",
                 8 if failed else 1, None if failed else (now + timedelta(minutes=5)).isoformat(" "),
                 "GatewayUnavailable('WeChat Pay gateway: HTTP Error 503')", stamp)).lastrowid)
    return refunds


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin-refunds")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-admin-refunds.log") as (base, logins):
        refunds = failed_refunds(str(folder / "demo.db"), REFUNDS)
        yield {"base": base, "logins": logins, "refunds": refunds}


def serious(page) -> list:
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe_violations(page)]


@pytest.mark.parametrize("run,locale,layout", [(0, "zh-CN", TABLET), (1, "en-US", TABLET),
                                               (2, "zh-CN", PHONE)])
def test_the_refunds_page_reads_well_and_sends_again_in_place(browser, site, run, locale, layout):
    context = browser.new_context(**layout, locale=locale)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        login(page, site["base"], *site["logins"]["管理员"])
        page.goto(f"{site['base']}/admin/refunds")
        expect(page.locator("h1 .count")).to_have_text(str(REFUNDS))
        cards = page.locator("#refund-queue .refund-case")
        expect(cards).to_have_count(12)
        name = "tablet" if layout is TABLET else "phone"
        shot(page, name, f"admin-refunds-{locale}")
        assert not serious(page), serious(page)
        first = page.locator(f"#refund-case-{site['refunds'][2 * run]}")  # a failed one
        english = locale == "en-US"
        expect(first).to_contain_text("Refund failed" if english else "退款失败")
        expect(first).to_contain_text("GatewayUnavailable")
        page.evaluate("window.__sameDocument = 'yes'")
        first.get_by_role("button", name="Send again" if english else "重新发起退款").click()
        # No channel is configured here: tried again at once, it fails again, and says so.
        notice = first.locator(".notice[role=status]")
        expect(notice).to_contain_text("sent again" if english else "已重新发起退款")
        expect(first).to_contain_text("NoChannel")
        assert page.evaluate("window.__sameDocument") == "yes"
        assert not serious(page), serious(page)
        # The next page: the "more" row loads the rest as it scrolls into view.
        page.locator(".more-row").scroll_into_view_if_needed()
        expect(cards).to_have_count(REFUNDS)
    finally:
        context.close()
