"""After a failed delivery (issue 19): the new moves of the order's table, every status x action x
actor through the services and a subset through the routes; the goods coming back restocked
exactly once (a race of two confirmations too, tests/orders/test_return_race.py); the platform
ending a failed delivery left alone; and a walk of the table showing no order is left without
a way to a final status, taken through the services from every status they reach."""
from __future__ import annotations

import itertools
from collections import deque
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from tests.support.factories import one_world_per_module, window_value
from tests.support.helpers import HX, url
from tests.support.orders import STEPS, order_for_case, take_steps, two_line_order
from webapp.extensions import db
from webapp.models import (
    EventKind,
    Order,
    OrderEvent,
    OrderReturn,
    Product,
    Refund,
    Role,
    Status,
)
from webapp.orders import actions as order_actions
from webapp.orders import expiry, failures
from webapp.orders.return_state import ReturnAction, ReturnStatus
from webapp.orders.state import FINAL, TRANSITIONS, Action
from webapp.shops.windows import delivery_windows
from webapp.web import ServiceError

# Every status the services reach (awaiting_payment needs a gateway: test_paid_online.py).
STATUSES = ("placed", "accepted", "dispatched", "delivering", "arrived", "completed",
            "partially_refused", "refused", "cancelled", "delivery_failed", "returned")
OLD_ACTIONS = ("accept", "refuse", "cancel", "assign", "start", "arrive", "fail", "sign")
NEW_ACTIONS = ("reschedule", "take_back")
ACTORS = ("buyer", "merchant", "courier", "admin", "other_buyer", "other_merchant",
          "other_courier")

# Written out by hand from the issue: (status, action) -> (the party roles that may, the status).
LEGAL = {
    ("delivery_failed", "reschedule"): ({"buyer", "merchant"}, "accepted"),
    ("delivery_failed", "cancel"): ({"buyer", "merchant"}, "cancelled"),
    ("delivery_failed", "take_back"): ({"merchant"}, "returned"),
    ("delivery_failed", "assign"): ({"merchant"}, "dispatched"),
}
# What each legal move records beside its own event: the goods coming back.
RETURNS = {"cancel", "take_back"}
WITH_COURIER = {"dispatched", "delivering", "arrived", "completed", "partially_refused",
                "refused", "delivery_failed", "returned"}
CANCEL_REASON = "无法按时配送"


def test_the_new_moves_are_the_table():
    table = {(str(s), str(a)): ({str(r) for r in roles}, {str(t) for t in targets})
             for (s, a), (roles, targets) in TRANSITIONS.items() if s is Status.DELIVERY_FAILED}
    assert table.pop(("delivery_failed", "expire")) == ({"system"}, {"returned"})
    assert table == {key: (roles, {target}) for key, (roles, target) in LEGAL.items()}
    assert Status.RETURNED in FINAL


# --- the walk: every status reached has a way to a final one ----------------------------------

def reachable(start: Status) -> set[Status]:
    seen, queue = {start}, deque([start])
    while queue:
        status = queue.popleft()
        for (source, _action), (_roles, targets) in TRANSITIONS.items():
            if source is status:
                for target in targets - seen:
                    seen.add(target)
                    queue.append(target)
    return seen


def way_out(status: Status) -> list[tuple[Status, Action, Status]]:
    """The shortest way from `status` to a final status, as (from, action, to) moves."""
    queue, came = deque([status]), {status: None}
    while queue:
        current = queue.popleft()
        if current in FINAL:
            path = []
            while came[current] is not None:
                path.append(came[current])
                current = came[current][0]
            return path[::-1]
        for (source, action), (_roles, targets) in TRANSITIONS.items():
            if source is current:
                for target in sorted(targets - set(came)):
                    came[target] = (current, action, target)
                    queue.append(target)
    return []


def test_every_reachable_status_has_a_way_to_a_final_one():
    statuses = reachable(Status.PLACED) | reachable(Status.AWAITING_PAYMENT)
    assert statuses == set(Status)
    for status in statuses - FINAL:
        assert way_out(status), status
    for status in FINAL:  # and a final status has no way out
        assert not [key for key in TRANSITIONS if key[0] is status]


# --- fixtures: one database for the module, a fresh order per case -----------------------------

# One app and database for the module; each case takes its own order in its one world.
app, world = one_world_per_module()


@pytest.fixture
def build(app, world, make_product):
    """A fresh two-line order of `world` in `status`, taken there through the services."""

    def to(status: str) -> Order:
        with app.test_request_context():
            return two_line_order(app, world, make_product, Status(status))

    return to


def later_window(app, shop) -> str:
    """The last window `shop` offers now (the order was placed for its first)."""
    with app.test_request_context():
        return delivery_windows(shop)[-1].value


def call(app, action: str, order_id: int, actor, world):
    """The service for `action`, as its route calls it (inside a request: windows are local)."""
    with app.test_request_context():
        if action == "reschedule":
            return failures.reschedule(order_id, actor, later_window(app, world.shop))
        if action == "take_back":
            return failures.take_back(order_id, actor)
        if action == "cancel":
            return order_actions.cancel(order_id, actor, CANCEL_REASON)
        if action == "assign":
            return order_actions.assign(order_id, actor, world.courier.id)
        if action == "refuse":
            return order_actions.refuse(order_id, actor, "今天休息")
        steps = {"accept": "accept", "start": "start", "arrive": "arrive", "fail": "fail",
                 "sign": "sign"}
        party = type("Party", (), {"merchant": actor, "courier": actor, "buyer": actor})
        return take_steps(order_id, party, [steps[action]])


def snapshot(order_id: int, products) -> dict:
    db.session.expire_all()
    return {
        "status": db.session.scalar(select(Order.status).where(Order.id == order_id)),
        "window": db.session.execute(select(Order.window_start, Order.window_end)
                                     .where(Order.id == order_id)).one(),
        "events": db.session.scalar(select(func.count(OrderEvent.id))),
        "stock": [db.session.scalar(select(Product.stock).where(Product.id == p)) for p in products],
        "returns": db.session.scalar(select(func.count(OrderReturn.id))),
        "refunds": db.session.scalar(select(func.count(Refund.id))),
    }


def is_party(status: str, who: str) -> bool:
    return who in ("buyer", "merchant") or (who == "courier" and status in WITH_COURIER)


def expected(status: str, action: str, who: str) -> tuple[str, str | int]:
    if not is_party(status, who):
        return "refused", 404
    roles, target = LEGAL.get((status, action), (set(), None))
    if who in roles:
        return "moves", target
    if action == "refuse" and who != "merchant":
        return "refused", 403
    designed = {(str(s), str(a)) for s, a in TRANSITIONS}
    return "refused", 403 if (status, action) in designed else 409


CASES = sorted({*itertools.product(STATUSES, NEW_ACTIONS, ACTORS),
                *itertools.product(("delivery_failed", "returned"), OLD_ACTIONS, ACTORS)})


def on_postgres_too(status: str, action: str, who: str) -> bool:
    """The PostgreSQL pass repeats the cases the conditional UPDATE decides: the legal moves and
    each status x action by the parties whose action it may be."""
    return who in ("buyer", "merchant") or (who == "courier" and action in ("start", "arrive",
                                                                           "fail", "sign"))


@pytest.mark.parametrize(("status", "action", "who"), [
    pytest.param(*case, marks=[pytest.mark.db, pytest.mark.postgres_every_case]
                 if on_postgres_too(*case) else [])
    for case in CASES], ids=[f"{s}-{a}-{w}" for s, a, w in CASES])
def test_service(app, world, build, status, action, who):
    outcome, value = expected(status, action, who)
    order = order_for_case(app, build, status, moves=outcome == "moves")
    actor = getattr(world, who)
    products = [line.product_id for line in order.lines]
    before = snapshot(order.id, products)
    if outcome == "refused":
        with pytest.raises((ServiceError, HTTPException)) as caught:
            call(app, action, order.id, actor, world)
        error = caught.value
        assert (error.status if isinstance(error, ServiceError) else error.code) == value, error
        db.session.rollback()
        assert snapshot(order.id, products) == before
        return
    call(app, action, order.id, actor, world)
    after = snapshot(order.id, products)
    assert after["status"] == value
    moves = list(db.session.scalars(select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.id > before["events"])
        .order_by(OrderEvent.id)))
    assert (moves[0].from_status, moves[0].to_status, moves[0].actor_id, moves[0].action) == (
        status, value, actor.id, action)
    # Nothing goes back on sale before the shop has the goods.
    assert after["stock"] == before["stock"]
    assert after["returns"] == before["returns"] + (1 if action in RETURNS else 0)
    assert [e.kind for e in moves[1:]] == (["return_opened"] if action in RETURNS else [])
    assert (after["window"] != before["window"]) is (action == "reschedule")


# --- a subset through the routes -------------------------------------------------------------

ROUTES = {"reschedule": "orders.reschedule", "take_back": "orders.take_back",
          "cancel": "orders.cancel", "restock": "orders.receive_return",
          "write_off": "orders.receive_return"}
HTTP_CASES = [
    ("delivery_failed", "reschedule", "buyer", 303),
    ("delivery_failed", "reschedule", "merchant", 303),
    ("delivery_failed", "reschedule", "courier", 403),
    ("delivery_failed", "reschedule", "other_buyer", 404),
    ("accepted", "reschedule", "buyer", 409),
    ("delivery_failed", "take_back", "merchant", 303),
    ("delivery_failed", "take_back", "buyer", 403),
    ("delivery_failed", "take_back", "other_merchant", 404),
    ("delivering", "take_back", "merchant", 409),
    ("delivery_failed", "cancel", "buyer", 303),
    ("delivery_failed", "cancel", "merchant", 303),
    ("returned", "restock", "merchant", 303),
    ("returned", "write_off", "merchant", 303),
    ("refused", "restock", "merchant", 303),
    ("returned", "restock", "buyer", 403),
    ("returned", "restock", "courier", 403),
    ("returned", "restock", "other_merchant", 404),
    ("completed", "restock", "merchant", 409),
]


def form_for(app, status: str, action: str, world) -> tuple[dict, dict]:
    if action == "reschedule":
        return {"window": later_window(app, world.shop)}, {}
    if action == "cancel":
        return {"reason": CANCEL_REASON}, {}
    if action in ("restock", "write_off"):
        return {}, {"how": action}
    return {}, {}


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("status", "action", "who", "code"), HTTP_CASES,
                         ids=[f"{s}-{a}-{w}" for s, a, w, _ in HTTP_CASES])
def test_route(app, client, login_as, world, build, status, action, who, code, htmx):
    order = build(status)
    login_as(getattr(world, who))
    products = [line.product_id for line in order.lines]
    before = snapshot(order.id, products)
    data, args = form_for(app, status, action, world)
    response = client.post(url(app, ROUTES[action], order_id=order.id, **args), data=data,
                           headers=HX if htmx else {})
    assert response.status_code == (200 if htmx and code == 303 else code), response.text[:300]
    db.session.rollback()
    after = snapshot(order.id, products)
    if code != 303:
        assert after == before
        if htmx:
            assert response.headers["HX-Retarget"] == "#flash"
        return
    if action in ("restock", "write_off"):
        goods = db.session.scalar(select(OrderReturn).where(OrderReturn.order_id == order.id))
        assert goods.status == ("restocked" if action == "restock" else "written_off")
    else:
        assert after["status"] != before["status"]


def test_the_buyer_sees_the_failure_and_both_choices(app, client, login_as, world, build):
    order = build("delivery_failed")
    login_as(world.buyer)
    page = client.get(url(app, "orders.detail", order_id=order.id)).text
    assert "配送失败：收件人不在" in page
    assert url(app, "orders.reschedule", order_id=order.id) in page
    assert url(app, "orders.cancel", order_id=order.id) in page
    assert f'value="{window_value(app, world.shop)}"' in page  # the checkout's windows


def test_a_merchant_cancelling_a_failed_delivery_gives_a_reason(app, world, build):
    order = build("delivery_failed")
    with pytest.raises(ServiceError) as caught:
        order_actions.cancel(order.id, world.merchant, "")
    assert caught.value.status == 422


def test_a_window_the_shop_does_not_offer_is_refused(app, world, build):
    order = build("delivery_failed")
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        failures.reschedule(order.id, world.buyer, "2020-01-01T09:00/2020-01-01T11:00")
    assert caught.value.status == 422
    db.session.rollback()
    assert db.session.get(Order, order.id).status is Status.DELIVERY_FAILED


# --- restocked exactly once -------------------------------------------------------------------

def stock(product_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(Product.stock).where(Product.id == product_id))


@pytest.mark.db
@pytest.mark.parametrize(("status", "back"), [
    ("returned", [1, 2]), ("refused", [1, 2]), ("partially_refused", [0, 2])])
def test_the_goods_back_are_restocked_once(app, world, build, status, back):
    """A failed delivery taken back brings every line back; the door, the refused lines."""
    order = build(status)
    products = [line.product_id for line in order.lines]
    goods = db.session.scalar(select(OrderReturn).where(OrderReturn.order_id == order.id))
    assert goods.status is ReturnStatus.AWAITED
    assert goods.lines == [[line.id, n] for line, n in zip(order.lines, back) if n]
    before = [stock(p) for p in products]
    failures.receive_return(order.id, world.merchant, ReturnAction.RESTOCK)
    assert [stock(p) for p in products] == [s + n for s, n in zip(before, back)]
    for action in ReturnAction:  # a second confirmation, either way, changes nothing
        with pytest.raises(ServiceError) as caught:
            failures.receive_return(order.id, world.merchant, action)
        assert caught.value.status == 409
        db.session.rollback()
    assert [stock(p) for p in products] == [s + n for s, n in zip(before, back)]
    kinds = [e.kind for e in db.session.get(Order, order.id).events]
    assert kinds.count(EventKind.RETURN_OPENED) == kinds.count(EventKind.RETURN_RESTOCKED) == 1


@pytest.mark.db
def test_goods_not_fit_to_sell_are_written_off_without_stock(app, world, build):
    order = build("returned")
    products = [line.product_id for line in order.lines]
    before = [stock(p) for p in products]
    failures.receive_return(order.id, world.merchant, ReturnAction.WRITE_OFF)
    assert [stock(p) for p in products] == before
    with pytest.raises(ServiceError):
        failures.receive_return(order.id, world.merchant, ReturnAction.RESTOCK)
    db.session.rollback()
    assert [stock(p) for p in products] == before


@pytest.mark.db
def test_a_failed_delivery_cancelled_by_the_buyer_comes_back_as_a_return(app, world, build):
    order = build("delivery_failed")
    products = [line.product_id for line in order.lines]
    before = [stock(p) for p in products]
    call(app, "cancel", order.id, world.buyer, world)
    assert [stock(p) for p in products] == before  # not yet: the courier still has them
    failures.receive_return(order.id, world.merchant, ReturnAction.RESTOCK)
    assert [stock(p) for p in products] == [before[0] + 1, before[1] + 2]


# --- the platform ends a failed delivery left alone -------------------------------------------

@pytest.mark.db
def test_a_failed_delivery_left_alone_is_returned_once(app, world, build):
    order = build("delivery_failed")
    fresh = build("delivery_failed")
    late = timedelta(hours=app.config["FAILED_DELIVERY_HOURS"], minutes=1)
    db.session.get(Order, order.id).updated_at -= late
    db.session.commit()
    assert expiry.expire_overdue(order_id=fresh.id) == 0
    assert expiry.expire_overdue(order_id=order.id) == 1
    assert expiry.expire_overdue(order_id=order.id) == 0
    db.session.expire_all()
    ended = db.session.get(Order, order.id)
    assert ended.status is Status.RETURNED
    assert ended.goods_return.status is ReturnStatus.AWAITED
    moves = [(e.action, e.actor_id, e.kind, e.params) for e in ended.events][-2:]
    assert moves == [("expire", None, "failure_expired",
                      {"hours": app.config["FAILED_DELIVERY_HOURS"]}),
                     (None, None, "return_opened", {"n": 3})]
    assert db.session.get(Order, fresh.id).status is Status.DELIVERY_FAILED


# --- every status the services reach, taken to a final one through them -----------------------

SERVICE_STEP = {Action.ACCEPT: "accept", Action.ASSIGN: "assign", Action.START: "start",
                Action.ARRIVE: "arrive", Action.SIGN: "sign", Action.FAIL: "fail",
                Action.CANCEL: "cancel", Action.REFUSE: "refuse",
                Action.RESCHEDULE: "reschedule", Action.TAKE_BACK: "take_back"}
def who_may(source: Status, action: Action) -> str:
    """A party the table lets take `action` from `source`."""
    roles = TRANSITIONS[(source, action)][0]
    return next(str(r) for r in (Role.BUYER, Role.MERCHANT, Role.COURIER) if r in roles)


@pytest.mark.db
@pytest.mark.parametrize("status", [s for s in STATUSES if Status(s) not in FINAL])
def test_each_open_status_reaches_a_final_one_through_the_services(app, world, build, status):
    order = build(status)
    path = way_out(Status(status))
    assert path
    for source, action, target in path:
        if action is Action.EXPIRE:
            continue
        call(app, SERVICE_STEP[action], order.id, getattr(world, who_may(source, action)), world)
        db.session.expire_all()
        reached = db.session.get(Order, order.id).status
        assert reached is target or (action is Action.SIGN and reached in FINAL)
    assert db.session.get(Order, order.id).status in FINAL


def test_steps_cover_every_status():
    assert {str(s) for s in STEPS} | {"awaiting_payment"} == {str(s) for s in Status}
    assert Role.SYSTEM not in {role for (_s, a), (roles, _t) in TRANSITIONS.items()
                               if a in (Action.RESCHEDULE, Action.TAKE_BACK) for role in roles}
