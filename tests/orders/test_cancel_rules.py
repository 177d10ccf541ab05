"""Who may cancel when, and what each side is told."""
from __future__ import annotations

import pytest

from tests.support.helpers import HX, url
from webapp.extensions import db
from webapp.models import Order, OrderEvent, Product, Status
from webapp.orders import actions as order_actions

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def test_the_shop_must_say_why_it_cancels_an_accepted_order(app, client, login_as, world, place):
    order = place(world.buyer, world.product, 2)
    order_actions.accept(order.id, world.merchant)
    events = db.session.query(OrderEvent).filter_by(order_id=order.id).count()
    login_as(world.merchant)
    response = client.post(url(app, "orders.cancel", order_id=order.id), headers=HX,
                           data={"reason": "  "})
    assert response.status_code == 422
    assert "请选择取消原因" in response.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is Status.ACCEPTED
    assert db.session.query(OrderEvent).filter_by(order_id=order.id).count() == events
    assert db.session.get(Product, world.product.id).stock == 3

    response = client.post(url(app, "orders.cancel", order_id=order.id), headers=HX,
                           data={"reason": "商品缺货"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is Status.CANCELLED
    assert db.session.get(Product, world.product.id).stock == 5

    # The buyer sees who cancelled and why.
    login_as(world.buyer)
    page = client.get(url(app, "orders.detail", order_id=order.id)).text
    assert "商家取消了订单：商品缺货" in page


def test_the_buyer_may_cancel_without_a_reason_before_acceptance_only(app, client, login_as,
                                                                       world, place):
    first, second = place(world.buyer, world.product), place(world.buyer, world.product)
    login_as(world.buyer)
    page = client.get(url(app, "orders.detail", order_id=first.id)).text
    assert "商家接单前可随时取消" in page
    assert client.post(url(app, "orders.cancel", order_id=first.id)).status_code == 303
    assert db.session.get(Order, first.id).status is Status.CANCELLED
    assert "订单已取消。" in client.get(url(app, "orders.detail", order_id=first.id)).text

    order_actions.accept(second.id, world.merchant)
    page = client.get(url(app, "orders.detail", order_id=second.id)).text
    assert "如需取消请联系商家" in page and 'name="reason"' not in page
    response = client.post(url(app, "orders.cancel", order_id=second.id), headers=HX,
                           data={"reason": "不想要了"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Order, second.id).status is Status.ACCEPTED


@pytest.mark.parametrize("reason", ["x" * 500])
def test_a_long_reason_is_cut_not_refused(app, client, login_as, world, place, reason):
    order = place(world.buyer, world.product)
    login_as(world.buyer)
    assert client.post(url(app, "orders.cancel", order_id=order.id),
                       data={"reason": reason}).status_code == 303
    event = db.session.query(OrderEvent).filter_by(order_id=order.id).order_by(
        OrderEvent.id.desc()).first()
    assert event.params == {"reason": "x" * 200}
