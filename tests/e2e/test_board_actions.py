"""The merchant's actions on the board's cards (issue 17), in Chromium on a tablet, in both
languages. A card carries no form of its own: 接单 is one tap; 拒单, 派单 and 取消订单 open the
board's one dialog for that action, named for the card's order, answered by keyboard, with no
serious axe violation; the card comes back in its new column and the focus on it. A live redraw
of the card while its dialog is open leaves the dialog and what was typed. Without JavaScript,
接单 still takes one tap and the others are links to the order's page, to the same field."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.browser import ARTIFACTS, TABLET, axe_violations, login, wait_socket
from tests.support.live import placed_orders

pytestmark = pytest.mark.e2e

LOCALES = ("zh-CN", "en-US")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board-actions")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-board-actions.log") as (base, logins):
        yield {"base": base, "logins": logins, "database": str(folder / "demo.db")}


def board(browser, site, locale: str, **options) -> Page:
    page = browser.new_context(**TABLET, locale=locale, **options).new_page()
    page.set_default_timeout(15_000)
    login(page, site["base"], *site["logins"]["商家"])
    page.goto(f"{site['base']}/orders/board")
    return page


def card(page: Page, order_id: int, column: str = "", status: str = ""):
    where = f"#col-{column} " if column else ""
    return page.locator(f"{where}#board-order-{order_id}" + (f"[data-status={status}]" if status else ""))


def press(page: Page, locator) -> None:
    locator.focus()
    page.keyboard.press("Enter")


def no_axe_violations(page: Page, where: str) -> None:
    found = axe_violations(page)
    assert not found, (where, [(v["id"], [n["target"] for n in v["nodes"]]) for v in found])


@pytest.mark.parametrize("locale", LOCALES)
def test_each_action_from_a_card_by_keyboard(browser, site, locale):
    accepted, refused, cancelled = placed_orders(site["database"], 3)
    page = board(browser, site, locale)
    try:
        wait_socket(page)
        # No form on a card: the couriers and reasons are in the page once.
        assert page.locator(".board-card form, .board-card select, .board-card input").count() == 0
        assert page.locator("#assign-dialog option").count() >= 2
        for order_id in (accepted, cancelled):
            card(page, order_id).locator("button[formaction$='/accept']").click()
            expect(card(page, order_id, "accepted", "accepted")).to_have_count(1)

        # Assign: the dialog names the order, its field has the focus, Enter answers it.
        press(page, card(page, accepted).locator("[data-dialog=assign-dialog]"))
        dialog = page.locator("#assign-dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator("[data-order]")).to_contain_text(f"#{accepted}")
        expect(dialog.locator("select[name=courier_id]")).to_be_focused()
        no_axe_violations(page, f"{locale} assign dialog")
        dialog.locator("select[name=courier_id]").select_option(index=1)
        press(page, dialog.locator("button[type=submit]"))
        expect(dialog).to_be_hidden()
        expect(card(page, accepted, "on_the_way", "dispatched")).to_have_count(1)
        expect(card(page, accepted).locator(f"header a[href=\"/orders/{accepted}\"]")).to_be_focused()

        # Refuse: a live redraw of the card while the reason is typed leaves the dialog as it is.
        press(page, card(page, refused).locator("[data-dialog=refuse-dialog]"))
        dialog = page.locator("#refuse-dialog")
        reason = dialog.locator("input[name=reason]")
        expect(reason).to_be_focused()
        no_axe_violations(page, f"{locale} refuse dialog")
        page.keyboard.type("今天盘点")
        with page.expect_response(re.compile(rf"/orders/{refused}$")):
            card(page, refused).dispatch_event(f"order-{refused}:updated")
        expect(dialog).to_be_visible()
        expect(reason).to_have_value("今天盘点")
        page.keyboard.press("Enter")
        expect(dialog).to_be_hidden()
        expect(card(page, refused, "done", "cancelled")).to_have_count(1)

        # Cancel: Escape closes the dialog with nothing sent and the focus back on its link.
        link = card(page, cancelled).locator("[data-dialog=cancel-dialog]")
        press(page, link)
        dialog = page.locator("#cancel-dialog")
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(link).to_be_focused()
        expect(card(page, cancelled, "accepted", "accepted")).to_have_count(1)
        press(page, link)
        dialog.locator("select[name=reason]").select_option(index=1)
        press(page, dialog.locator("button[type=submit]"))
        expect(card(page, cancelled, "done", "cancelled")).to_have_count(1)
    finally:
        page.context.close()


def test_without_javascript_accept_is_one_tap_and_the_rest_link_to_the_order(browser, site):
    taken, other = placed_orders(site["database"], 2)
    page = board(browser, site, "zh-CN", java_script_enabled=False)
    try:
        card(page, taken).locator("button", has_text="接单").click()
        expect(page).to_have_url(re.compile(r"/orders/board$"))
        expect(card(page, taken, "accepted", "accepted")).to_have_count(1)
        card(page, other).locator("a", has_text="拒单").click()
        expect(page).to_have_url(re.compile(rf"/orders/{other}#refuse-{other}$"))
        page.fill(f"#refuse-{other}", "今天休息")
        page.locator(f"#refuse-{other}").press("Enter")
        expect(page.locator(f"#order-{other}-status")).to_have_attribute("class", re.compile("cancelled"))
        page.goto(f"{site['base']}/orders/board")
        card(page, taken).locator("a", has_text="派单").click()
        expect(page.locator(f"#courier-{taken}")).to_be_visible()
    finally:
        page.context.close()
