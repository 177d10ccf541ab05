"""A quote cannot be edited out from under the buyer checking it out: the checkout carries the
quote's figures and version, and an edit since the page was drawn refuses the order (409) with
the new figures on the page; the redrawn page then goes through."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.support.demands import quote_form, quote_input
from tests.support.helpers import (
    HX,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checked_radio,
    filled_checkout,
    selected_option,
    textarea_value,
    url,
)
from webapp.demands import quoting
from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Order, Quote, QuoteStatus
from webapp.orders.shown import of_quote
from webapp.web import Conflict

pytestmark = pytest.mark.db


def filled(text: str, address) -> dict[str, str]:
    return filled_checkout(text, address, "wechat")


def count_orders() -> int:
    return db.session.scalar(select(func.count(Order.id)))


def states(quote) -> tuple:
    db.session.expire_all()
    quote = db.session.get(Quote, quote.id)
    return quote.status, db.session.get(Demand, quote.demand_id).status


# The quote is 2 × ¥60.00 + ¥8.00 = ¥128.00 when the page is drawn; what the merchant's edit
# form changes, the message, the new total.
EDITS = {
    "unit price": ({"unit_price": "55.50"}, "报价已变化：单价 ¥60.00 → ¥55.50，请确认后再下单",
                   "¥119.00"),
    "fee": ({"delivery_fee": "0"}, "报价已变化：配送费 ¥8.00 → ¥0.00，请确认后再下单", "¥120.00"),
    "quantity and fee": ({"quantity": "3", "delivery_fee": "10"},
                         "报价已变化：数量 2 → 3、配送费 ¥8.00 → ¥10.00，请确认后再下单", "¥190.00"),
    "the note only": ({"note": "改成明早现摘"}, "商家刚刚修改了报价，请确认后再下单", "¥128.00"),
}


@pytest.mark.parametrize("edit", list(EDITS))
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_an_edit_while_the_buyer_checks_out_is_refused_and_shown(app, client, login_as, market,
                                                                 post, offer, address_of,
                                                                 edit, htmx):
    changes, message, total = EDITS[edit]
    address = address_of(market.buyer)
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    login_as(market.buyer)
    path = url(app, "demands.checkout", quote_id=quote.id)
    drawn = client.get(path).text
    assert "接受报价并下单 ¥128.00" in drawn
    data = filled(drawn, address)
    merchant = app.test_client()
    login_as(market.merchant_a, merchant)
    edited = merchant.post(url(app, "demands.edit_quote", quote_id=quote.id),
                           data=quote_form(**{"item_title": "妃子笑荔枝 一级果", "note": "当天现摘",
                                              **changes}))
    assert edited.status_code in (200, 303), edited.text[:300]

    response = client.post(path, data=data, headers=HX if htmx else {})
    text = (assert_fragment if htmx else assert_page)(response, "quote-checkout-form", status=409)
    assert message in text and f"接受报价并下单 {total}" in text
    assert checked_radio(text, "address_id") == data["address_id"]
    assert selected_option(text, "window") == data["window"]
    assert checked_radio(text, "payment_method") == "wechat"
    assert textarea_value(text, "note") == "放门口"
    assert count_orders() == 0 and states(quote) == (QuoteStatus.LIVE, DemandStatus.OPEN)

    again = client.post(path, data=filled(text, address), headers=HX if htmx else {})
    order = db.session.scalar(select(Order))
    assert order is not None, again.text[:500]
    (assert_htmx_redirect if htmx else assert_redirect)(
        again, url(app, "orders.detail", order_id=order.id))
    assert f"¥{order.total_fen // 100}.{order.total_fen % 100:02d}" == total
    assert states(quote) == (QuoteStatus.ACCEPTED, DemandStatus.ACCEPTED)


INVALID = "无法确认下单页显示的价格，请核对后再提交"
TAMPERED = {
    "missing": (None, 422, INVALID),
    "garbage": ("q1;<b>", 422, INVALID),
    "no version": ("f800;{q}:6000x2", 422, INVALID),
    "a cart's figures": ("f800", 422, INVALID),
    "another buyer's quote": ("theirs", 422, INVALID),
    "a lower price": ("f800;v{v};{q}:1x2", 409, "报价已变化：单价 ¥0.01 → ¥60.00，请确认后再下单"),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_tampered_quote_checkout_is_refused_with_a_message(app, client, login_as, market, post,
                                                             offer, address_of, case):
    value, status, message = TAMPERED[case]
    address = address_of(market.buyer)
    quote = offer(market.merchant_a, post(market.buyer))
    if value == "theirs":
        address_of(market.other_buyer)
        theirs = offer(market.merchant_a, post(market.other_buyer))
        value = of_quote(theirs).text()
    login_as(market.buyer)
    path = url(app, "demands.checkout", quote_id=quote.id)
    data = filled(client.get(path).text, address)
    if value is None:
        data.pop("shown")
    else:
        data["shown"] = value.format(q=quote.id, v=of_quote(quote).version)
    response = client.post(path, data=data, headers=HX)
    text = assert_fragment(response, "quote-checkout-form", status=status)
    assert message in text
    assert count_orders() == 0 and states(quote) == (QuoteStatus.LIVE, DemandStatus.OPEN)
    # The page drawn again carries the quote as it is: the buyer can go on from it.
    assert client.post(path, data=filled(text, address)).status_code == 303
    assert count_orders() == 1


@pytest.mark.parametrize(("values", "message"), [
    ({"unit_price_fen": 5800}, "报价已变化：单价 ¥60.00 → ¥58.00，请确认后再下单"),
    ({"delivery_fee_fen": 0}, "报价已变化：配送费 ¥8.00 → ¥0.00，请确认后再下单"),
    ({"title": "换了一种荔枝"}, "商家刚刚修改了报价，请确认后再下单"),
], ids=["price", "fee", "title"])
def test_an_edit_between_the_read_and_the_claim_is_refused_in_the_transaction(
        app, market, post, offer, accept, values, message):
    """The page's figures are compared with the quote as read, but the claim of the quote is
    the guard: an edit committed after that read still refuses the order."""
    quote = offer(market.merchant_a, post(market.buyer))
    shown = of_quote(quote)
    session = db.session()
    session.expire_on_commit = False
    try:  # another request's edit, which this request's loaded quote does not see
        db.session.execute(sa.update(Quote).where(Quote.id == quote.id).values(
            **values, updated_at=quote.updated_at + timedelta(seconds=1))
            .execution_options(synchronize_session=False))
        db.session.commit()
    finally:
        session.expire_on_commit = True
    with pytest.raises(Conflict) as refused:
        accept(market.buyer, quote, shown=shown)
    assert refused.value.status == 409 and message in refused.value.message
    assert count_orders() == 0 and states(quote) == (QuoteStatus.LIVE, DemandStatus.OPEN)


def test_a_form_refused_for_a_field_also_says_the_quote_changed(app, client, login_as, market,
                                                                post, offer, address_of):
    address = address_of(market.buyer)
    quote = offer(market.merchant_a, post(market.buyer))
    login_as(market.buyer)
    path = url(app, "demands.checkout", quote_id=quote.id)
    data = {**filled(client.get(path).text, address), "window": ""}
    quoting.update_quote(market.merchant_a, quote.id, quote_input(unit_price_fen=5000))
    text = assert_fragment(client.post(path, data=data, headers=HX), "quote-checkout-form",
                           status=422)
    assert "请选择送达时间" in text and "接受报价并下单 ¥108.00" in text
    assert "报价已变化：单价 ¥60.00 → ¥50.00，请确认后再下单" in text
    assert count_orders() == 0
