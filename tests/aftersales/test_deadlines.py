"""After-sales deadlines on a clock the test moves: each category's period at its edges, the
shop's 48 hours (its silence agrees, through the sweep and through any read), and the other
steps' deadlines."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.aftersales import ask, signed_order
from webapp.aftersales import opening, policy, services
from webapp.aftersales.state import Action, Status
from webapp.extensions import db
from webapp.models import AfterSale, EventKind, OrderEvent
from webapp.web import ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S, A = Status, Action
SECOND = timedelta(seconds=1)


@pytest.fixture
def order(app, world, _cache):
    """A signed order of 20 fresh (48 hours) and 20 household goods (7 days)."""
    if "order" not in _cache:
        _cache["order"] = signed_order(app, world, {world.fresh: 20, world.goods: 20})
    return db.session.get(type(_cache["order"]), _cache["order"].id)


@pytest.mark.parametrize(("product", "after", "allowed"), [
    ("fresh", timedelta(hours=48), True), ("fresh", timedelta(hours=48) + SECOND, False),
    ("goods", timedelta(hours=48) + SECOND, True), ("goods", timedelta(days=7), True),
    ("goods", timedelta(days=7) + SECOND, False), ("fresh", timedelta(0), True),
])
def test_each_category_has_its_period(world, order, clock, product, after, allowed):
    clock.set(order.proof.signed_at + after)
    wanted = ask(order, {getattr(world, product): 1})
    if allowed:
        assert opening.open_request(order.id, world.buyer, wanted).status is S.REQUESTED
    else:
        with pytest.raises(ServiceError, match="已超过售后期限") as refused:
            opening.open_request(order.id, world.buyer, wanted)
        assert refused.value.status == 422


def test_the_order_page_offers_a_request_until_the_last_line_closes(order, clock):
    signed = order.proof.signed_at
    clock.set(signed + timedelta(hours=47))
    assert opening.open_until(order) == signed + timedelta(days=7)
    clock.set(signed + timedelta(days=7) + SECOND)
    assert opening.open_until(order) is None


def _request(world, order, clock, kind="refund_only", product="goods"):
    clock.set(order.proof.signed_at + timedelta(hours=1))
    return opening.open_request(order.id, world.buyer, ask(order, {getattr(world, product): 1},
                                                           kind=kind))


@pytest.mark.parametrize("read", ["request_for", "sweep", "order page", "cli"])
@pytest.mark.parametrize(("kind", "agreed"), [("refund_only", S.REFUNDED),
                                              ("return_refund", S.AWAITING_RETURN)])
def test_the_shops_silence_is_agreement(app, world, order, clock, read, kind, agreed):
    request = _request(world, order, clock, kind)
    due = request.due_at
    assert due == clock.at + timedelta(hours=48)

    def look():
        db.session.expire_all()
        if read == "request_for":
            return services.request_for(world.buyer, request.id).status
        if read == "sweep":
            services.sweep()
        elif read == "order page":
            services.requests_of_order(order)
        else:
            result = app.test_cli_runner().invoke(args=["aftersales", "sweep"])
            assert result.exit_code == 0 and "after-sales requests" in result.output
        db.session.expire_all()
        return db.session.get(AfterSale, request.id).status

    clock.set(due - SECOND)
    assert look() is S.REQUESTED
    clock.set(due)
    assert look() is agreed
    stored = db.session.get(AfterSale, request.id)
    assert stored.history[-1].action is A.TIMEOUT and stored.history[-1].actor_id is None
    event = db.session.scalars(select(OrderEvent).where(
        OrderEvent.order_id == order.id, OrderEvent.kind == EventKind.AFTER_SALE_AGREED)
        .order_by(OrderEvent.id.desc())).first()
    assert event.params == {"request": request.id, "timeout": 1}
    assert look() is agreed  # answered once: a second look changes nothing
    assert len(db.session.get(AfterSale, request.id).history) == len(stored.history)


@pytest.mark.parametrize(("path", "waits", "then"), [
    ([(A.REFUSE, "merchant")], S.REFUSED, S.CLOSED),
    ([(A.AGREE, "merchant")], S.AWAITING_RETURN, S.CLOSED),
    ([(A.AGREE, "merchant"), (A.SHIP, "buyer")], S.RETURNING, S.REFUNDED),
])
def test_the_other_deadlines(world, order, clock, path, waits, then):
    request = _request(world, order, clock, "return_refund")
    for action, who in path:
        clock.at += timedelta(hours=1)
        request = services.act(request.id, getattr(world, who), action, "说明")
    assert request.status is waits and request.due_at == clock.at + policy.STEP_TIME[waits]
    clock.set(request.due_at - SECOND)
    services.sweep()
    assert db.session.get(AfterSale, request.id).status is waits
    clock.set(request.due_at)
    assert services.request_for(world.merchant, request.id).status is then
    assert services.request_for(world.merchant, request.id).due_at is None


def test_the_platform_has_no_deadline(world, order, clock):
    request = _request(world, order, clock, "return_refund")
    services.act(request.id, world.merchant, A.REFUSE, "不同意")
    request = services.act(request.id, world.buyer, A.ESCALATE, "请平台判定")
    assert request.due_at is None
    clock.set(clock.at + timedelta(days=365))
    services.sweep()
    assert services.request_for(world.admin, request.id).status is S.ESCALATED
