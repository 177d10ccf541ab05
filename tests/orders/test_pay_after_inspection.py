"""A payment at the door is confirmed only after the buyer has inspected and signed (issue 19):
never at the door before that, whatever the kind (cash, or a scan the courier confirms where the
shop cannot take the channel here: paying by the channel's code has the same rule, in
tests/delivery/test_pay_at_door.py). The amount confirmed leaves out the refused lines.
One app and world for the module; each case places its own order."""
from __future__ import annotations

import pytest

from tests.support.factories import one_world_per_module
from tests.support.helpers import HX, assert_flash_error, url
from tests.support.orders import two_line_order, words
from webapp.extensions import db
from webapp.models import EventKind, Order, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


# One app and database for the module; each case takes its own order in its one world.
app, world = one_world_per_module(stock=1000)


S = Status
REFUSED_AT_DOOR = "订单当前为「待签收」，买家验货签收后才能确认收款。"
# status -> what confirming the payment does: the amount paid (fen), or the refusal's words.
CONFIRMATIONS = {
    S.DELIVERING: "订单当前为「配送中」，买家验货签收后才能确认收款。",
    S.ARRIVED: REFUSED_AT_DOOR,
    S.COMPLETED: 3350,
    S.PARTIALLY_REFUSED: 1750,  # the refused 草莓 (16.00) left out
    S.REFUSED: "商品已全部拒收，本单无需付款。",
}


@pytest.mark.parametrize("who", ["courier", "merchant"])
@pytest.mark.parametrize("method", ["cod", "wechat"])  # cash; a scan the courier confirms
@pytest.mark.parametrize("status", list(CONFIRMATIONS))
def test_payment_is_confirmed_only_after_inspection(app, world, make_product, as_party, status,
                                                    method, who):
    order = two_line_order(app, world, make_product, status, method)
    party = as_party(getattr(world, who))
    answer = party.post(url(app, "orders.paid", order_id=order.id), headers=HX)
    expected = CONFIRMATIONS[status]
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    if isinstance(expected, str):
        assert_flash_error(answer, 409, expected)
        assert (order.payment_status, order.paid_fen) == ("unpaid", None)
        assert EventKind.PAID not in {event.kind for event in order.events}
        return
    assert answer.status_code == 200
    assert (order.payment_status, order.paid_fen) == ("paid", expected)
    assert order.events[-1].kind is EventKind.PAID
    assert order.events[-1].params["amount_fen"] == expected


@pytest.mark.parametrize("method", ["cod", "wechat"])
def test_the_couriers_page_offers_the_confirmation_once_signed(app, world, make_product,
                                                               as_party, method):
    order = two_line_order(app, world, make_product, S.ARRIVED, method)
    courier = as_party(world.courier)
    page = url(app, "delivery.detail", order_id=order.id)
    at_door = words(courier.get(page).text)
    assert "确认已收款" not in at_door and "买家验货签收后才能确认收款。" in at_door
    english = words(courier.get(page, headers={"Accept-Language": "en"}).text)
    assert "Payment can be confirmed once the buyer has inspected and signed." in english
    signed = two_line_order(app, world, make_product, S.PARTIALLY_REFUSED, method)
    after = words(courier.get(url(app, "delivery.detail", order_id=signed.id)).text)
    assert "确认已收款 ¥17.50" in after and "买家验货签收后才能确认收款" not in after
