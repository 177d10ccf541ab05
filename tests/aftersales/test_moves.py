"""The after-sales table through the services: every status x action x actor on a stored
request (the party's own), what moved and what each move recorded; strangers get 404."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.exceptions import NotFound

from tests.support.aftersales import ask, signed_order
from webapp.aftersales import moves, opening, services
from webapp.aftersales.state import TRANSITIONS, Action, Kind, Status, outcome_of
from webapp.extensions import db
from webapp.models import AfterSale, EventKind, OrderEvent
from webapp.orders.transitions import SYSTEM
from webapp.web import Conflict, ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S, A = Status, Action
ACTORS = ("buyer", "merchant", "admin", "system")
# How a request reaches each status, and its kind.
PATHS = {
    S.REQUESTED: (Kind.RETURN_REFUND, []),
    S.REFUSED: (Kind.RETURN_REFUND, [(A.REFUSE, "merchant")]),
    S.ESCALATED: (Kind.RETURN_REFUND, [(A.REFUSE, "merchant"), (A.ESCALATE, "buyer")]),
    S.AWAITING_RETURN: (Kind.RETURN_REFUND, [(A.AGREE, "merchant")]),
    S.RETURNING: (Kind.RETURN_REFUND, [(A.AGREE, "merchant"), (A.SHIP, "buyer")]),
    S.REFUNDED: (Kind.REFUND_ONLY, [(A.AGREE, "merchant")]),
    S.CLOSED: (Kind.RETURN_REFUND, [(A.REFUSE, "merchant"), (A.ESCALATE, "buyer"),
                                    (A.RULE_FOR_SHOP, "admin")]),
    S.WITHDRAWN: (Kind.RETURN_REFUND, [(A.WITHDRAW, "buyer")]),
}
ORDER_KIND = {A.AGREE: EventKind.AFTER_SALE_AGREED, A.REFUSE: EventKind.AFTER_SALE_REFUSED,
              A.ESCALATE: EventKind.AFTER_SALE_ESCALATED,
              A.RULE_FOR_BUYER: EventKind.AFTER_SALE_FOR_BUYER,
              A.RULE_FOR_SHOP: EventKind.AFTER_SALE_FOR_SHOP, A.SHIP: EventKind.AFTER_SALE_SHIPPED,
              A.RECEIVE: EventKind.AFTER_SALE_RECEIVED, A.WITHDRAW: EventKind.AFTER_SALE_WITHDRAWN}


def actor(world, name):
    return SYSTEM if name == "system" else getattr(world, name)


@pytest.fixture
def made(app, world, _cache):
    """A fresh request of one unit of a big order (99, the most a line holds), taken to a
    status by its path."""

    def make(status: Status) -> AfterSale:
        if _cache.get("used", 99) == 99:
            _cache["order"], _cache["used"] = signed_order(app, world, {world.goods: 99}), 0
        order, _cache["used"] = _cache["order"], _cache["used"] + 1
        kind, path = PATHS[status]
        request = opening.open_request(order.id, world.buyer, ask(order, {0: 1}, kind=kind,
                                                                  reason="no_reason"))
        for action, who in path:
            request = services.act(request.id, getattr(world, who), action, "说明")
        assert request.status is status
        return request

    return make


def take(request, action, who, world):
    if who == "system":
        moves.apply(request, action, SYSTEM)
        return moves.finish(request)
    return services.act(request.id, actor(world, who), action, "说明")


@pytest.mark.postgres_every_case
@pytest.mark.parametrize(("status", "action", "who"),
                         list(itertools.product(Status, Action, ACTORS)))
def test_every_status_action_and_actor(world, made, _cache, status, action, who):
    entry = TRANSITIONS.get((status, action))
    allowed = entry is not None and entry[0] == ("system" if who == "system" else
                                                 actor(world, who).role)
    if not allowed:
        request = _cache.get(status) or _cache.setdefault(status, made(status))
        with pytest.raises(ServiceError) as refused:
            take(db.session.get(AfterSale, request.id), action, who, world)
        assert refused.value.status == (409 if entry is None else 403)
        db.session.rollback()
        assert db.session.get(AfterSale, request.id).status is status
        return
    request = made(status)
    events = len(request.history)
    moved = take(request, action, who, world)
    db.session.expire_all()
    moved = db.session.get(AfterSale, request.id)
    assert moved.status is (outcome_of(moved.kind, action, status) or next(iter(entry[1])))
    assert len(moved.history) == events + 1 and moved.history[-1].action is action
    last = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == moved.order_id)
                              .order_by(OrderEvent.id.desc())).first()
    if action is not A.TIMEOUT:
        kinds = {ORDER_KIND[action], EventKind.REFUND_OWED}
        assert last.kind in kinds and (last.kind is EventKind.REFUND_OWED
                                       or last.params["request"] == moved.id)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("stranger", ["other_buyer", "other_merchant", "courier"])
def test_strangers_never_find_the_request(world, made, _cache, status, stranger):
    request = _cache.get(status) or _cache.setdefault(status, made(status))
    for action in Action:
        with pytest.raises(NotFound):
            services.act(request.id, getattr(world, stranger), action, "说明")
    assert db.session.get(AfterSale, request.id).status is status


def test_a_stale_move_is_a_conflict(world, made):
    """Two decisions at once: both passed the table with the status they read; the one whose
    conditional UPDATE comes second changes nothing and is told so."""
    request = made(S.ESCALATED)
    seen = db.session.get(AfterSale, request.id)
    assert seen.status is S.ESCALATED
    first = services.act(request.id, world.admin, A.RULE_FOR_SHOP, "商家有理")
    assert first.status is S.CLOSED
    # What the second admin's request read, before the first decided (as loaded, not a change).
    set_committed_value(seen, "status", S.ESCALATED)
    with pytest.raises(Conflict):
        moves.apply(seen, A.RULE_FOR_BUYER, world.admin, "买家有理")
    db.session.rollback()
    assert db.session.get(AfterSale, request.id).status is S.CLOSED
