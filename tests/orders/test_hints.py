"""The order panel's hints, for buyer, shop and courier in every status: each one shows only
where it is true (no "the shop can cancel for you" once a courier has it)."""
from __future__ import annotations

import pytest

from tests.support.helpers import HX, url
from tests.support.orders import two_line_order, words
from webapp.models import Role, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

B, M, C = Role.BUYER, Role.MERCHANT, Role.COURIER
S = Status


def everyone(*statuses):
    return {(role, s) for role in (B, M, C) for s in statuses}


# A hint's words -> the (role, status) pairs where it must show; nowhere else.
HINTS = {
    "商家接单前可随时取消": {(B, S.PLACED)},
    "商家派单前可为你取消": {(B, S.ACCEPTED)},
    "已安排骑手配送，订单不能再取消": {(B, S.DISPATCHED), (B, S.DELIVERING)},
    "骑手已到达，请验货签收": {(B, S.ARRIVED)},
    # Payment at the door is confirmed once the buyer has inspected and signed, not before.
    "买家验货签收后才能确认收款": {(M, S.ARRIVED), (C, S.ARRIVED)},
    # Issue 19: after a failed delivery each party is told what it can do, and for how long.
    "可改约送达时间、重新派单、取消订单或收回商品": {(M, S.DELIVERY_FAILED)},
    "请选择新的送达时间，或取消订单": {(B, S.DELIVERY_FAILED)},
    "商家会重新安排配送": {(C, S.DELIVERY_FAILED)},
    "小时内无人处理": everyone(S.DELIVERY_FAILED),
    # Goods coming back (refused lines, a failed delivery taken back): the shop confirms them.
    "退回商家的商品": everyone(S.PARTIALLY_REFUSED, S.REFUSED, S.RETURNED),
    "确认收到退货": {(M, s) for s in (S.PARTIALLY_REFUSED, S.REFUSED, S.RETURNED)},
    "已下单的库存已退回": everyone(S.CANCELLED),
    "确认已收款": {(r, s) for r in (M, C) for s in (S.COMPLETED, S.PARTIALLY_REFUSED)},
    "打开配送页": {(C, s) for s in (S.DISPATCHED, S.DELIVERING, S.ARRIVED, S.DELIVERY_FAILED)},
    "签收凭证": everyone(S.COMPLETED, S.PARTIALLY_REFUSED),
    "拒收凭证": everyone(S.REFUSED),
    "不计入应收款": everyone(S.PARTIALLY_REFUSED),
    "无需付款": everyone(S.REFUSED),
}

# The courier has no business with an order before it is handed to them.
UNSEEN = {(C, S.PLACED), (C, S.ACCEPTED), (C, S.CANCELLED)}


# An order awaiting its online payment: tests/orders/test_paid_online.py (it needs a gateway).
@pytest.mark.parametrize("status", sorted(set(Status) - {Status.AWAITING_PAYMENT}))
def test_each_hint_shows_only_where_it_is_true(app, client, login_as, world, make_product,
                                               status):
    order = two_line_order(app, world, make_product, status)
    for role, who in ((B, world.buyer), (M, world.merchant), (C, world.courier)):
        login_as(who)
        response = client.get(url(app, "orders.detail", order_id=order.id), headers=HX)
        if (role, status) in UNSEEN:
            assert response.status_code == 404
            continue
        text = words(response.get_data(as_text=True))
        shown = {hint for hint in HINTS if hint in text}
        expected = {hint for hint, where in HINTS.items() if (role, status) in where}
        assert shown == expected, (role, status)
