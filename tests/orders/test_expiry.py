"""Orders the shop does not accept in time are cancelled and their stock released."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.factories import stock_of
from tests.support.helpers import HX, url
from webapp.extensions import db
from webapp.models import Order, OrderEvent, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def overdue(order, minutes=16):
    """As if the order was placed (and reached the board) `minutes` ago."""
    stored = db.session.get(Order, order.id)
    stored.created_at -= timedelta(minutes=minutes)
    stored.placed_at -= timedelta(minutes=minutes)
    db.session.commit()


def test_an_overdue_order_is_cancelled_before_anyone_sees_it(app, client, login_as, world, place):
    order = place(world.buyer, world.product, quantity=2)
    fresh = place(world.buyer, world.product, quantity=1)
    assert stock_of(world.product) == 2
    overdue(order)
    login_as(world.merchant)
    board = client.get(url(app, "orders.board"), headers=HX).text
    assert f'id="board-order-{order.id}"' in board and "已取消" in board
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is Status.CANCELLED
    assert db.session.get(Order, fresh.id).status is Status.PLACED
    assert stock_of(world.product) == 4
    event = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)
                               .order_by(OrderEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.from_status) == ("expire", None, Status.PLACED)


def test_accepting_an_overdue_order_is_refused(app, client, login_as, world, place):
    order = place(world.buyer, world.product)
    overdue(order)
    login_as(world.merchant)
    response = client.post(url(app, "orders.accept", order_id=order.id), headers=HX)
    assert response.status_code == 409 and "已取消" in response.text
    assert stock_of(world.product) == 5


def test_the_cron_command_expires_without_anyone_looking(app, world, place):
    order, recent = place(world.buyer, world.product), place(world.buyer, world.product)
    overdue(order)
    result = app.test_cli_runner().invoke(args=["expire-orders"])
    assert "expired 1 orders" in result.output
    again = app.test_cli_runner().invoke(args=["expire-orders"])
    assert "expired 0 orders" in again.output
    db.session.expire_all()
    assert [db.session.get(Order, o.id).status for o in (order, recent)] == [
        Status.CANCELLED, Status.PLACED]


def test_the_window_is_configurable(app, world, place):
    app.config["ORDER_ACCEPT_MINUTES"] = 60
    order = place(world.buyer, world.product)
    overdue(order, minutes=30)
    assert app.test_cli_runner().invoke(args=["expire-orders"]).output.startswith("expired 0")
