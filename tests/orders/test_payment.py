"""Payment at the door is confirmed by the courier or the shop, once, apart from the status."""
import pytest
from sqlalchemy import func, select

from tests.support.helpers import HX, checked_radio, checkout_data, url
from webapp.extensions import db
from webapp.models import Order, OrderEvent, PaymentMethod, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def events(order) -> int:
    return db.session.scalar(select(func.count(OrderEvent.id)).where(
        OrderEvent.order_id == order.id))


@pytest.mark.parametrize(("status", "who", "panel"), [
    (Status.COMPLETED, "courier", "delivery-{}-panel"),
    (Status.COMPLETED, "merchant", "order-{}-panel"),
])
def test_the_courier_or_shop_confirms_payment_once(app, client, login_as, world, advance,
                                                   status, who, panel):
    order = advance(status)
    before = events(order)
    login_as(getattr(world, who))
    response = client.post(url(app, "orders.paid", order_id=order.id), headers=HX)
    assert response.status_code == 200 and f'id="{panel.format(order.id)}"' in response.text
    assert "已收款" in response.text and "确认已收款" not in response.text
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert (order.payment_status, order.status) == ("paid", status)
    assert events(order) == before + 1
    again = client.post(url(app, "orders.paid", order_id=order.id), headers=HX)
    assert again.status_code == 409 and "已确认收款" in again.text
    assert events(order) == before + 1


@pytest.mark.parametrize("status", [Status.DELIVERING, Status.ARRIVED])
def test_payment_cannot_be_confirmed_before_inspection(app, client, login_as, world, advance,
                                                       status):
    order = advance(status)
    login_as(world.courier)
    response = client.post(url(app, "orders.paid", order_id=order.id), headers=HX)
    assert response.status_code == 409 and "买家验货签收后才能确认收款" in response.text
    assert db.session.get(Order, order.id).payment_status == "unpaid"


def test_card_on_delivery_can_be_chosen_at_checkout(app, client, login_as, world,
                                                    make_address, add_to_cart):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product)
    login_as(world.buyer)
    path = url(app, "orders.checkout", shop_id=world.shop.id)
    page = client.get(path).text
    for label in ("货到付款（现金）", "货到刷卡", "微信扫码付", "支付宝扫码付"):
        assert label in page
    assert checked_radio(page, "payment_method") == "cod"  # cash unless the buyer says so
    response = client.post(path, headers=HX, data=checkout_data(app, address,
                                                                payment_method="card"))
    assert response.status_code == 204
    assert db.session.scalar(select(Order.payment_method)) is PaymentMethod.CARD
