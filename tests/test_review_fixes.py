"""Regressions found in review: open redirects, private caching, location privacy, stock edits
racing orders, inputs that overflowed the database, and a courier's failed delivery."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request
from sqlalchemy import func, select

from tests.support.database import app_with_tables
from tests.support.factories import stock_of
from tests.support.helpers import HX, assert_fragment, assert_redirect, url
from tests.support.images import signature_data_url
from webapp.config import TestConfig
from webapp.delivery.services import PositionRefused, record_position
from webapp.extensions import db
from webapp.models import Delivery, Order, Status, TrackPoint, utcnow
from webapp.orders import signing as order_signing
from webapp.web import safe_next

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.mark.parametrize("target", [
    "/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example",
    "https://evil.example/", "javascript:alert(1)", " /orders/", "/\x00/evil", "",
])
def test_safe_next_refuses_anything_that_could_leave_the_site(target):
    assert safe_next(target) is None


def test_safe_next_keeps_a_local_path():
    assert safe_next("/orders/7?tab=live") == "/orders/7?tab=live"


def test_login_with_a_tab_smuggled_next_stays_on_the_site(app, client, make_user):
    make_user(email="b@example.com", password="password123")
    response = client.post("/auth/login?next=/%09/evil.example",
                           data={"login": "b@example.com", "password": "password123"})
    assert_redirect(response, "/")


def test_logged_in_pages_are_not_kept_by_the_browser(app, client, login_as, world):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    login_as(world.buyer)
    assert client.get("/").headers["Cache-Control"] == "private, no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


class BehindOneProxy(TestConfig):
    TRUSTED_PROXIES = 1


@pytest.mark.parametrize(("config", "seen"), [(TestConfig, "10.0.0.1"),
                                              (BehindOneProxy, "203.0.113.9")])
def test_client_address_comes_from_the_proxy_only_when_trusted(config, seen):
    for app in app_with_tables(config):
        app.add_url_rule("/_ip", "ip", lambda: request.remote_addr)
        response = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"},
                                         environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert response.text == seen


def test_watching_a_finished_order_reveals_no_position(app, client, login_as, world, advance,
                                                       socket_client):
    order = advance(Status.ARRIVED)
    db.session.get(Delivery, order.delivery.id).last_lat = 39.9
    db.session.get(Delivery, order.delivery.id).last_lng = 116.4
    db.session.commit()
    order_signing.sign(order.id, world.buyer, "张三", signature_data_url())
    login_as(world.buyer)
    ack = socket_client(client).emit("order:watch", {"order_id": order.id}, callback=True)
    assert ack["ok"] and ack["status"] == "completed" and ack["position"] is None
    db.session.expire_all()
    delivery = db.session.get(Order, order.id).delivery
    assert (delivery.last_lat, delivery.last_lng) == (None, None)
    assert (order.proof.lat, order.proof.lng) == (39.9, 116.4)


def test_purge_tracks_deletes_only_old_points_of_deliveries_no_longer_under_way(app, world,
                                                                                advance):
    done, under_way = advance(Status.COMPLETED), advance(Status.DELIVERING)
    old = utcnow() - timedelta(days=31)
    for order in (done, under_way):
        db.session.add_all(TrackPoint(delivery_id=order.delivery.id, lat=39.9, lng=116.4,
                                      recorded_at=old) for _ in range(3))
    db.session.add(TrackPoint(delivery_id=done.delivery.id, lat=39.9, lng=116.4))  # recent
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-tracks"])
    assert "deleted 3 track points older than 30 days" in result.output
    left = db.session.scalars(select(TrackPoint.delivery_id).order_by(TrackPoint.id)).all()
    assert left == [under_way.delivery.id] * 3 + [done.delivery.id]
    result = app.test_cli_runner().invoke(args=["purge-tracks", "--older-than", "0"])
    assert "deleted 1 track points older than 0 days" in result.output


def test_editing_a_product_does_not_undo_orders_placed_meanwhile(app, client, login_as, world,
                                                                 place):
    login_as(world.merchant)
    page = client.get(url(app, "catalog.edit", product_id=world.product.id)).text
    assert 'name="stock_seen" type="hidden" value="5"' in page
    place(world.buyer, world.product, quantity=2)  # while the merchant's form is open
    response = client.post(url(app, "catalog.edit", product_id=world.product.id), data={
        "title": "新名字", "price": "12.50", "stock": "6", "stock_seen": "5", "published": "y"})
    assert response.status_code == 303
    assert stock_of(world.product) == 4  # 3 left after the order, plus the 1 the merchant added


def test_a_stock_edit_that_would_go_below_zero_is_refused_and_kept(app, client, login_as, world,
                                                                   place):
    login_as(world.merchant)
    place(world.buyer, world.product, quantity=5)
    response = client.post(url(app, "catalog.edit", product_id=world.product.id), headers=HX,
                           data={"title": "x", "price": "1", "stock": "1", "stock_seen": "5"})
    text = assert_fragment(response, "product-editor", 422)
    assert "库存已变化（当前 0 件）" in text and 'value="0"' in text
    assert stock_of(world.product) == 0


def test_inputs_that_overflowed_the_database_are_plain_errors(app, client, login_as, world,
                                                              advance):
    order = advance(Status.ACCEPTED)
    login_as(world.merchant)
    response = client.post(url(app, "orders.assign", order_id=order.id), headers=HX,
                           data={"courier_id": "99999999999999999999"})
    assert response.status_code == 422 and "请选择本店的骑手" in response.text
    response = client.post(url(app, "catalog.products"), headers=HX,
                           data={"title": "x", "price": "1e100", "stock": "1"})
    assert response.status_code == 422 and "请输入大于 0 的价格" in response.text
    # engine.io refuses integers of over 100 digits on the wire; the service guards anyway.
    with pytest.raises(PositionRefused) as refused:
        record_position(world.courier, {"order_id": order.id, "lat": 10 ** 309, "lng": 116.4})
    assert refused.value.code == "bad_request"


def test_courier_reports_a_failed_delivery_and_the_shop_reassigns(app, client, login_as, world,
                                                                  advance, make_courier):
    order = advance(Status.DELIVERING)
    login_as(world.courier)
    path = url(app, "delivery.fail", order_id=order.id)
    empty = client.post(path, headers=HX, data={"reason": "  "})
    assert empty.status_code == 422 and "请选择配送失败的原因" in empty.text
    text = assert_fragment(client.post(path, headers=HX, data={"reason": "absent",
                                                                "note": "联系不上收货人"}),
                           f"delivery-{order.id}-panel")
    assert "配送失败" in text and 'data-tracking="0"' in text
    other = make_courier(world.shop)
    login_as(world.merchant)
    response = client.post(url(app, "orders.assign", order_id=order.id),
                           data={"courier_id": other.id})
    assert response.status_code == 303
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status is Status.DISPATCHED and order.delivery.courier_id == other.id
    recorded = [e.params for e in order.events if e.to_status is Status.DELIVERY_FAILED]
    assert recorded == [{"reason": "absent", "note": "联系不上收货人"}]
    assert db.session.scalar(select(func.count(Delivery.id))) == 1
