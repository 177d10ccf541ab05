"""Live demands and quotes over real Socket.IO test clients: who hears what, and nothing before
the commit (or at all after a rollback)."""
from __future__ import annotations

import pytest

from tests.support.demands import ELSEWHERE, quote_input
from webapp.demands import decisions, quoting, rules
from webapp.orders.checkout import OutOfStock

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def events(socket, name: str) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == name]


@pytest.fixture
def connect(app, login_as, socket_client):
    """A logged-in socket; merchants ask to watch demands, as app.js does on connect."""

    def connect_as(user, scope: str | None = "mine"):
        client = app.test_client()
        login_as(user, client)
        socket = socket_client(client)
        assert socket.is_connected()
        if scope is not None and user.role == "merchant":
            socket.ack = socket.emit("demands:watch", {"scope": scope}, callback=True)
        socket.get_received()
        return socket

    return connect_as


def test_a_new_demand_reaches_the_districts_merchants_and_no_one_else(market, post, connect):
    a, b, far = connect(market.merchant_a), connect(market.merchant_b), connect(market.merchant_far)
    assert a.ack == {"ok": True, "district": "110105", "rooms": 1}  # A sells produce only
    assert b.ack["ok"] and b.ack["rooms"] == 2
    buyer, other_buyer = connect(market.buyer), connect(market.other_buyer)
    demand = post(market.buyer)
    for socket in (a, b):
        assert events(socket, "demand:posted") == [{"id": demand.id, "category": "produce"}]
    for socket in (far, buyer, other_buyer):
        assert events(socket, "demand:posted") == []


def test_a_demand_elsewhere_reaches_that_districts_merchants(market, post, connect):
    a, far = connect(market.merchant_a), connect(market.merchant_far)
    demand = post(market.other_buyer, district_code=ELSEWHERE)
    assert events(a, "demand:posted") == []
    assert events(far, "demand:posted") == [{"id": demand.id, "category": "produce"}]


def test_categories_filter_the_rooms_unless_the_merchant_watches_all(market, post, connect):
    a, b, a_all = (connect(market.merchant_a), connect(market.merchant_b),
                   connect(market.merchant_a, scope="all"))
    assert a_all.ack["rooms"] == 12
    gadget = post(market.buyer, title="蓝牙音箱", category="digital")
    assert events(a, "demand:posted") == []
    assert [e["id"] for e in events(b, "demand:posted")] == [gadget.id]
    assert [e["id"] for e in events(a_all, "demand:posted")] == [gadget.id]


@pytest.mark.parametrize("who", ["unapproved", "merchant_suspended", "buyer", "courier", "admin"])
def test_only_approved_merchants_may_watch(market, post, connect, who):
    socket = connect(getattr(market, who), scope=None)
    assert socket.emit("demands:watch", {"scope": "all"}, callback=True) == {
        "ok": False, "error": "forbidden"}
    post(market.buyer)
    assert events(socket, "demand:posted") == []


def test_watch_with_any_payload_answers(market, connect):
    socket = connect(market.merchant_a, scope=None)
    for payload in (None, {"scope": 3}, {}):
        ack = socket.emit("demands:watch", payload, callback=True)
        assert ack["ok"] is True and ack["rooms"] == 1
    # Anything but an object (webapp/socket_guard.py) is refused before the handler runs.
    for payload in ("all", [1], 3):
        assert socket.emit("demands:watch", payload, callback=True) == {
            "ok": False, "error": "bad_request"}


def test_quotes_reach_only_their_buyer(market, post, offer, connect):
    demand = post(market.buyer)
    buyer, other_buyer, b = connect(market.buyer), connect(market.other_buyer), connect(
        market.merchant_b)
    quote = offer(market.merchant_a, demand)
    assert events(buyer, "quote:submitted") == [{"id": quote.id, "demand_id": demand.id}]
    assert events(other_buyer, "quote:submitted") == [] and events(b, "quote:submitted") == []
    quoting.update_quote(market.merchant_a, quote.id, quote_input(unit_price_fen=5000))
    assert events(buyer, "quote:updated") == [
        {"id": quote.id, "demand_id": demand.id, "status": "live"}]
    quoting.withdraw_quote(market.merchant_a, quote.id)
    assert events(buyer, "quote:withdrawn") == [
        {"id": quote.id, "demand_id": demand.id, "status": "withdrawn"}]
    assert events(other_buyer, "quote:updated") == events(other_buyer, "quote:withdrawn") == []


def test_every_quoting_merchant_hears_the_outcome(market, post, offer, accept, connect):
    demand = post(market.buyer)
    chosen, passed = offer(market.merchant_a, demand), offer(market.merchant_b, demand)
    a, b, far, buyer = (connect(market.merchant_a), connect(market.merchant_b),
                        connect(market.merchant_far), connect(market.buyer))
    order = accept(market.buyer, chosen)
    assert events(a, "quote:decided") == [
        {"id": chosen.id, "demand_id": demand.id, "status": "accepted"}]
    received = b.get_received()
    assert [m["args"][0] for m in received if m["name"] == "quote:decided"] == [
        {"id": passed.id, "demand_id": demand.id, "status": "not_chosen"}]
    # B's feed drops the demand.
    assert {"id": demand.id, "status": "accepted"} in [
        m["args"][0] for m in received if m["name"] == "demand:updated"]
    assert events(far, "quote:decided") == []
    assert events(buyer, "demand:updated") == [{"id": demand.id, "status": "accepted"}]
    assert order.quote_id == chosen.id


def test_the_board_rings_for_an_order_from_a_quote(market, post, offer, accept, connect):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    a = connect(market.merchant_a)
    order = accept(market.buyer, quote)
    assert events(a, "order:placed") == [{"id": order.id, "status": "placed"}]


def test_declining_and_closing_reach_the_merchants(market, post, offer, connect):
    demand = post(market.buyer)
    a_quote, b_quote = offer(market.merchant_a, demand), offer(market.merchant_b, demand)
    a, b = connect(market.merchant_a), connect(market.merchant_b)
    decisions.decline_quote(market.buyer, a_quote.id)
    assert events(a, "quote:decided") == [
        {"id": a_quote.id, "demand_id": demand.id, "status": "declined"}]
    assert events(b, "quote:decided") == []
    decisions.close_demand(market.buyer, demand.id)
    assert events(b, "quote:decided") == [
        {"id": b_quote.id, "demand_id": demand.id, "status": "not_chosen"}]
    assert events(a, "quote:decided") == []  # its quote was already declined


def test_a_refused_accept_announces_nothing(market, post, offer, accept, connect):
    demand = post(market.buyer, quantity=5)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, quantity=5)
    other = offer(market.merchant_b, demand)
    a, b, buyer = connect(market.merchant_a), connect(market.merchant_b), connect(market.buyer)
    with pytest.raises(OutOfStock):
        accept(market.buyer, quote)
    for socket in (a, b, buyer):
        assert socket.get_received() == []
    from webapp.extensions import db
    from webapp.models import Quote, QuoteStatus

    db.session.expire_all()
    assert db.session.get(Quote, other.id).status is QuoteStatus.LIVE


def test_a_refused_quote_announces_nothing(market, post, offer, connect):
    demand = post(market.buyer)
    buyer = connect(market.buyer)
    with pytest.raises(rules.Rejected):
        offer(market.merchant_a, demand, unit_price_fen=0)
    assert buyer.get_received() == []
