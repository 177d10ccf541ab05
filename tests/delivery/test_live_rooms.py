"""Who hears an order live: its current parties only. A courier taken off the delivery and the
merchant of a suspended shop hear nothing more of it, while the others hear what they did
before; watching an order again on the same connection is cheap. (Single process, Flask-SocketIO's
test client; tests/test_live_rooms.py shows the same across processes over Redis.)"""
import pytest
from sqlalchemy import func, select, update

from tests.support.delivery import here
from tests.support.orders import take_steps
from webapp.admin import services as admin_services
from webapp.extensions import db
from webapp.models import AuditLog, Role, Shop, ShopStatus, Status
from webapp.orders import actions as order_actions
from webapp.web import Conflict

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def about(socket, order) -> list[tuple[str, object]]:
    """What `socket` heard of `order` (status changes by status, positions by latitude)."""
    heard = []
    for message in socket.get_received():
        data = message["args"][0] if message["args"] else {}
        if message["name"].split(":")[0] not in ("order", "delivery") or not isinstance(
                data, dict) or order.id not in (data.get("id"), data.get("order_id")):
            continue
        heard.append((message["name"], data.get("status", data.get("lat"))))
    return heard


def watch(socket, order) -> dict:
    return socket.emit("order:watch", {"order_id": order.id}, callback=True)


@pytest.fixture
def under_way(app, world, advance, connect):
    """An order being delivered by the world's courier, watched by its three parties."""
    app.config["POSITION_MIN_INTERVAL"] = 0
    order = advance(Status.DELIVERING)
    sockets = {who: connect(getattr(world, who)) for who in ("buyer", "merchant", "courier")}
    for socket in sockets.values():
        assert watch(socket, order)["ok"] is True
    assert sockets["courier"].emit("delivery:position", here(order), callback=True) == {"ok": True}
    for who, socket in sockets.items():
        assert about(socket, order) == [("delivery:position", 39.91)], who
    return order, sockets


def test_a_courier_taken_off_the_delivery_hears_nothing_more_of_it(world, make_courier, connect,
                                                                   under_way):
    order, sockets = under_way
    old = sockets["courier"]
    take_steps(order.id, world, ["fail"])
    assert about(old, order) == [("order:updated", "delivery_failed")]  # still theirs then
    new_courier = make_courier(world.shop)
    order_actions.assign(order.id, world.merchant, new_courier.id)
    new = connect(new_courier)
    assert watch(new, order)["status"] == "dispatched"
    new.http.post(f"/delivery/{order.id}/start")
    assert new.emit("delivery:position", here(order, lat=39.92), callback=True) == {"ok": True}

    assert about(old, order) == []
    assert watch(old, order) == {"ok": False, "error": "forbidden"}
    assert about(new, order) == [("order:updated", "delivering"), ("delivery:position", 39.92)]
    for who in ("buyer", "merchant"):
        assert about(sockets[who], order) == [
            ("order:updated", "delivery_failed"), ("order:updated", "dispatched"),
            ("order:updated", "delivering"), ("delivery:position", 39.92)], who


def test_the_merchant_of_a_suspended_shop_hears_nothing_more_of_its_orders(
        app, world, make_user, connect, under_way):
    order, sockets = under_way
    admin = make_user(Role.ADMIN)
    board = connect(world.merchant)  # a second page of the merchant's: the board, not watching
    admin_services.suspend(world.shop.id, admin, "投诉核实中")
    courier = sockets["courier"]
    assert courier.emit("delivery:position", here(order, lat=39.92), callback=True) == {"ok": True}
    courier.http.post(f"/delivery/{order.id}/arrive")

    for socket in (sockets["merchant"], board):  # told of the suspension, then nothing
        assert [(m["name"], m["args"][0]) for m in socket.get_received()] == [
            ("shop:updated", {"id": world.shop.id, "status": "suspended"})]
    assert watch(sockets["merchant"], order) == {"ok": False, "error": "forbidden"}
    assert about(sockets["buyer"], order) == [("delivery:position", 39.92),
                                              ("order:updated", "arrived")]
    assert about(courier, order) == [("delivery:position", 39.92), ("order:updated", "arrived")]
    # A page the merchant opens during the suspension hears nothing of the shop either.
    during = connect(world.merchant)
    take_steps(order.id, world, ["sign"])
    assert about(during, order) == [] and about(board, order) == []

    # Reinstated, the shop hears its orders again (a page connects anew: app.js does it when
    # told the shop's status changed).
    admin_services.reinstate(world.shop.id, admin)
    again = connect(world.merchant)
    assert watch(again, order)["ok"] is True
    db.session.expire_all()
    order_actions.confirm_payment(order.id, world.merchant)
    assert about(again, order) == [("order:updated", "completed")]


@pytest.mark.parametrize("change", ["suspend", "reinstate"])
def test_two_admins_cannot_both_suspend_or_reinstate_a_shop(world, make_user, change):
    admin = make_user(Role.ADMIN)
    before, after = ((ShopStatus.ACTIVE, ShopStatus.SUSPENDED) if change == "suspend"
                     else (ShopStatus.SUSPENDED, ShopStatus.ACTIVE))
    db.session.execute(update(Shop).where(Shop.id == world.shop.id).values(status=before))
    db.session.commit()
    assert db.session.get(Shop, world.shop.id).status is before  # as this admin's request read it
    # The other admin's change, committed, which this request's loaded shop does not see (its
    # objects are not expired by this commit, as they would not be by another request's).
    session = db.session()
    session.expire_on_commit = False
    try:
        db.session.execute(update(Shop).where(Shop.id == world.shop.id).values(status=after)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    finally:
        session.expire_on_commit = True
    args = (world.shop.id, admin, "投诉") if change == "suspend" else (world.shop.id, admin)
    with pytest.raises(Conflict):
        getattr(admin_services, change)(*args)
    db.session.expire_all()
    assert db.session.get(Shop, world.shop.id).status is after
    assert db.session.scalar(select(func.count(AuditLog.id))) == 0  # recorded by neither here




def test_watching_costs_three_statements_then_two_on_the_same_connection(
        app, world, connect, under_way, statements):
    order, sockets = under_way
    order.dest_lat, order.dest_lng = 39.9087, 116.4605
    db.session.commit()
    order = type(order)(id=order.id)  # only its id: the session is emptied before each event
    fresh = connect(world.buyer)  # a page that (re)connects
    db.session.expunge_all()
    statements.clear()
    first = watch(fresh, order)
    # Flask-Login's user, the order with its delivery (and its shop's status), the trail (the
    # ETA's recent speed comes from it).
    assert len(statements) == 3, statements
    assert first["trail"] and first["position"]["lat"] == 39.91 and first["eta"]["distance_m"]

    db.session.expunge_all()
    statements.clear()
    again = watch(fresh, order)
    assert len(statements) == 2, statements  # the user, the order: is it still theirs, and where
    assert {k: again[k] for k in ("ok", "id", "status", "tracking", "position")} == {
        k: first[k] for k in ("ok", "id", "status", "tracking", "position")}
    assert "trail" not in again and "eta" not in again  # the page keeps what it has
