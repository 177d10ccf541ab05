"""An order's money wherever it is shown: after a partial refusal every place shows what is due,
with the original total and the refused amount beside it; a payment method's name (which may
hold brackets itself) never sits inside brackets."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import HX, url
from tests.support.orders import DUE, REFUSED, TOTAL, two_line_order, words
from webapp.models import PaymentMethod, Status
from webapp.models.order import ONLINE
from webapp.orders import actions as order_actions

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

# (who looks, where) for every page that shows an order's amount.
PLACES = [
    ("buyer", "orders.detail"), ("merchant", "orders.detail"), ("courier", "orders.detail"),
    ("merchant", "orders.board"), ("buyer", "orders.index"), ("courier", "delivery.detail"),
]

# How each language names the three figures (read lower-cased).
NAMES = {"zh_CN": ("应付", "原价", "拒收"), "en": ("due", "total", "refused")}


def pages(app, client, login_as, world, order, headers=None):
    for who, endpoint in PLACES:
        login_as(getattr(world, who))
        args = {"tab": "done"} if endpoint == "orders.index" else (
            {} if endpoint == "orders.board" else {"order_id": order.id})
        response = client.get(url(app, endpoint, **args), headers=headers)
        assert response.status_code == 200, (who, endpoint)
        yield f"{who} {endpoint}", response.get_data(as_text=True)


@pytest.mark.parametrize("lang", NAMES)
def test_every_place_shows_the_amount_due_after_a_partial_refusal(app, client, login_as, world,
                                                                  make_product, lang):
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED)
    client.set_cookie("lang", lang)
    due, total, refused = NAMES[lang]
    for place, page in pages(app, client, login_as, world, order):
        text = words(page).lower()
        assert f"{due} {DUE}" in text, place
        assert re.search(rf"{total} {re.escape(TOTAL)}", text), place
        assert re.search(rf"{refused} −?{re.escape(REFUSED)}", text), place
        # The original total is never shown as if it were what to pay.
        assert text.count(TOTAL) == len(re.findall(rf"{total} {re.escape(TOTAL)}", text)), place


def nesting(text: str) -> int:
    """How deep brackets go in `text` (Chinese and Latin alike)."""
    depth = deepest = 0
    for ch in text:
        depth += (ch in "（(") - (ch in "）)")
        deepest = max(deepest, depth)
    return deepest


# Paid online: the labels' brackets on those pages are in tests/orders/test_paid_online.py.
@pytest.mark.parametrize("method", sorted(set(PaymentMethod) - ONLINE))
def test_no_brackets_nest_around_a_payment_method(app, client, login_as, world, make_product,
                                                   method):
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED, str(method))
    order_actions.confirm_payment(order.id, world.courier)
    for lang in NAMES:
        client.set_cookie("lang", lang)
        for place, page in pages(app, client, login_as, world, order, HX):
            text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
            assert nesting(text) <= 1, (lang, place, text)
