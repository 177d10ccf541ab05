"""The merchant's board with more open orders than a column's first page (issue 17), in Chromium
on a tablet: the column shows its first page of cards and its full count, the "more" row loads the
rest as it scrolls into view, a card accepted on the board moves to its column with both counts
changed by one, and an order accepted elsewhere that has no card on the board (it is on a page
not loaded) brings the board's first pages back with exact counts."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import live
from tests.support.browser import ARTIFACTS, TABLET, login
from tests.support.live import htmx_post, placed_orders
from tests.support.live import login as http_login
from webapp.orders.queries import BOARD_PAGE

pytestmark = pytest.mark.e2e

PLACED = BOARD_PAGE + 3  # a column's first page and three more


@pytest.fixture(scope="module")
def board_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("board")
    with live.demo_site(folder, ARTIFACTS.parent / "gunicorn-board.log") as (base, logins):
        yield {"base": base, "logins": logins,
               "orders": placed_orders(str(folder / "demo.db"), PLACED)}


def cards(page, column: str):
    return page.locator(f"#col-{column} > .board-card")


def test_a_long_column_pages_and_keeps_its_counts(browser, board_site):
    base, orders = board_site["base"], board_site["orders"]
    page = browser.new_context(**TABLET, locale="zh-CN").new_page()
    page.set_default_timeout(15_000)
    login(page, base, *board_site["logins"]["商家"])
    page.goto(f"{base}/orders/board")
    expect(page.locator("#count-new")).to_have_text(str(PLACED))
    expect(cards(page, "new")).to_have_count(BOARD_PAGE)
    expect(page.locator(f"#col-new #board-order-{orders[0]}")).to_be_visible()
    # The "more" row loads the column's next page where it stands.
    page.locator("#col-new .more-row").scroll_into_view_if_needed()
    expect(cards(page, "new")).to_have_count(PLACED)
    expect(page.locator("#col-new .more-row")).to_have_count(0)
    # Accepted on the board: the card moves, each count changes by one.
    first = page.locator(f"#board-order-{orders[0]}")
    first.locator("button", has_text="接单").click()
    expect(page.locator(f"#col-accepted #board-order-{orders[0]}")).to_be_visible()
    expect(page.locator("#count-new")).to_have_text(str(PLACED - 1))
    expect(page.locator("#count-accepted")).to_have_text("1")
    # Back to the first page; an order past it is accepted from elsewhere: the board is read again.
    page.reload()
    expect(cards(page, "new")).to_have_count(BOARD_PAGE)
    last = orders[-1]
    expect(page.locator(f"#board-order-{last}")).to_have_count(0)
    merchant, _ = http_login(base, *board_site["logins"]["商家"])
    assert htmx_post(merchant, base, f"/orders/{last}/accept", f"/orders/{last}").status_code == 200
    expect(page.locator("#count-new")).to_have_text(str(PLACED - 2))
    expect(page.locator("#count-accepted")).to_have_text("2")
    expect(page.locator(f"#col-accepted #board-order-{last}")).to_be_visible()
