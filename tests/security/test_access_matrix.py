"""Every route and socket event, tried by every role on things that belong to someone else.

Routes come from app.url_map and socket events from the Socket.IO server's handlers, so a new
one fails test_every_route_is_classified until it is listed here with who may use it.
"""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from tests.conftest import signature_data_url, window_value
from tests.helpers import HX
from tests.security.conftest import INTRUDERS, SECRETS, changed_tables, leaks, snapshot
from webapp.extensions import db, socketio
from webapp.models import TrackPoint, utcnow

# Anyone may use these, whatever they own (the leak check still applies to what they show).
PUBLIC = {
    "shops.index": "the home page",
    "shops.directory": "the list of verified shops",
    "shops.detail": "a verified shop's page",
    "shops.image": "a verified shop's logo or banner",
    "shops.poster": "a verified shop's window poster",
    "shops.qr_png": "a verified shop's QR code",
    "shops.qr_svg": "a verified shop's QR code",
    "search.index": "search over published products and active shops",
    "regions.cities": "the region list of the address forms",
    "regions.districts": "the region list of the address forms",
    "pwa.manifest": "the web app manifest",
    "pwa.service_worker": "the service worker",
    "pwa.offline": "the offline page",
    "pwa.favicon": "the icon",
    "auth.login": "the login form",
    "auth.register": "the sign-up form",
    "i18n.switch": "the language switch (sets a cookie, changes no data)",
    "static": "CSS, JavaScript and images",
}

# No object in the URL: the caller's own lists and forms. Whatever role asks, what comes back
# must hold none of the victims' data.
OWN = {
    "addresses.index", "addresses.new", "cart.index", "cart.add", "catalog.products",
    "catalog.product_list", "delivery.index", "demands.index", "demands.feed", "demands.new",
    "merchants.dashboard", "merchants.apply", "merchants.couriers", "merchants.shop_settings",
    "merchants.delivery_settings", "orders.index", "orders.board", "auth.logout",
    "admin.applications",
}

# An object in the URL: filled with the victims' thing whose action would succeed for its
# owner (see test_the_owner_may, which shows the fill is right).
OBJECTS = {
    "addresses.edit": lambda v: {"address_id": v.address.id},
    "addresses.make_default": lambda v: {"address_id": v.address_default.id},
    "addresses.delete": lambda v: {"address_id": v.address_delete.id},
    "cart.quantity": lambda v: {"item_id": v.cart_item.id},
    "cart.remove": lambda v: {"item_id": v.cart_item_remove.id},
    "catalog.edit": lambda v: {"product_id": v.unpublished.id},
    "catalog.publish": lambda v: {"product_id": v.unpublished.id},
    # The unpublished product: its page and photo are its merchant's only.
    "shops.product": lambda v: {"product_id": v.unpublished.id},
    "shops.product_photo": lambda v: {"product_id": v.unpublished.id},
    "orders.detail": lambda v: {"order_id": v.delivering.id},
    "orders.accept": lambda v: {"order_id": v.placed.id},
    "orders.refuse": lambda v: {"order_id": v.placed_refuse.id},
    "orders.cancel": lambda v: {"order_id": v.placed_cancel.id},
    "orders.assign": lambda v: {"order_id": v.accepted.id},
    "orders.paid": lambda v: {"order_id": v.arrived.id},
    "orders.sign": lambda v: {"order_id": v.arrived_sign.id},
    "orders.signature": lambda v: {"order_id": v.completed.id},
    "orders.proof": lambda v: {"order_id": v.completed.id},
    "orders.live": lambda v: {"order_id": v.delivering.id},
    "orders.photo": lambda v: {"order_id": v.completed.id, "kind": "line",
                               "item_id": v.completed_line.id},
    "orders.checkout": lambda v: {"shop_id": v.shop_a.id},
    "delivery.detail": lambda v: {"order_id": v.delivering.id},
    "delivery.start": lambda v: {"order_id": v.dispatched.id},
    "delivery.arrive": lambda v: {"order_id": v.delivering.id},
    "delivery.fail": lambda v: {"order_id": v.delivering_fail.id},
    "demands.detail": lambda v: {"demand_id": v.demand.id},
    "demands.photo": lambda v: {"demand_id": v.demand.id},
    "demands.close": lambda v: {"demand_id": v.demand_close.id},
    "demands.quote": lambda v: {"demand_id": v.demand_quote.id},
    "demands.decline": lambda v: {"quote_id": v.quote.id},
    "demands.withdraw": lambda v: {"quote_id": v.quote_withdraw.id},
    "demands.edit_quote": lambda v: {"quote_id": v.quote_edit.id},
    "demands.checkout": lambda v: {"quote_id": v.quote_checkout.id},
    "admin.review": lambda v: {"application_id": v.pending[0].id},
    "admin.reveal": lambda v: {"application_id": v.pending[0].id},
    "admin.approve": lambda v: {"application_id": v.pending[0].id},
    "admin.reject": lambda v: {"application_id": v.pending[1].id},
    "admin.request_info": lambda v: {"application_id": v.pending[2].id},
    "admin.suspend": lambda v: {"shop_id": v.shop_x.id},
    "admin.reinstate": lambda v: {"shop_id": v.shop_suspended.id},
    "merchants.document": lambda v: {"application_id": v.application_a.id, "kind": "id_front"},
}

# Who owns each object (the control), and which intruders may still use the route, and why.
OWNER = {
    **{e: "buyer_a" for e in ("addresses.edit", "addresses.make_default", "addresses.delete",
                              "cart.quantity", "cart.remove", "orders.cancel", "orders.sign",
                              "orders.checkout", "demands.close", "demands.decline",
                              "demands.checkout")},
    **{e: "merchant_a" for e in ("catalog.edit", "catalog.publish", "shops.product",
                                 "shops.product_photo", "orders.accept", "orders.refuse",
                                 "orders.assign", "orders.paid", "orders.signature",
                                 "orders.proof", "orders.photo", "orders.live",
                                 "demands.withdraw", "demands.edit_quote",
                                 "merchants.document")},
    **{e: "courier_a" for e in ("orders.detail", "delivery.detail", "delivery.start",
                                "delivery.arrive", "delivery.fail")},
    **{e: "buyer_a" for e in ("demands.detail", "demands.photo")},
    **{e: "admin" for e in ("admin.review", "admin.reveal", "admin.approve", "admin.reject",
                            "admin.request_info", "admin.suspend", "admin.reinstate")},
    "demands.quote": "merchant",
}
ADMIN_JOB = "reviewing applications and suspending shops is the admin's job"
IN_DISTRICT = "approved shops of the demand's district see it and quote; other quotes stay sealed"
ALLOWED = {
    **{(e, "admin"): ADMIN_JOB for e in ("admin.review", "admin.reveal", "admin.approve",
                                         "admin.reject", "admin.request_info", "admin.suspend",
                                         "admin.reinstate", "merchants.document")},
    ("demands.detail", "merchant"): IN_DISTRICT,
    ("demands.photo", "merchant"): IN_DISTRICT,
    ("demands.quote", "merchant"): IN_DISTRICT,
    ("orders.checkout", "buyer"): "a shop is public; the checkout holds only the caller's cart "
                                  "and address book",
}
# An allowed intruder may change these (their own quote, the admin's decisions); other allowed
# requests must change nothing of the victims'.
MAY_CHANGE = {("demands.quote", "merchant"), *((e, "admin") for e in (
    "admin.reveal", "admin.approve", "admin.reject", "admin.request_info", "admin.suspend",
    "admin.reinstate"))}

# A valid form for each POST, as the owner's browser sends it: an intruder sends the same.

def local_in(delta: timedelta) -> str:
    """A datetime-local input's value `delta` from now."""
    from webapp.demands.forms import to_local

    return to_local(utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


def _quote_form(v):
    local = local_in
    return {"product_id": "", "item_title": "报价", "unit_price": "12.50", "quantity": "2",
            "delivery_fee": "0", "earliest_delivery": local(timedelta(hours=3)),
            "valid_until": local(timedelta(hours=20)), "note": ""}


def _quote_checkout(app, v):
    from webapp.demands.forms import quote_windows

    with app.test_request_context():
        window = quote_windows(v.quote_checkout)[0].value
    return {"address_id": str(v.address.id), "window": window, "payment_method": "cod",
            "note": "", "idempotency_key": "c" * 32}


FORMS = {
    "addresses.edit": lambda app, v: {
        "contact_name": "改名", "mobile": "13912345678", "province": "11", "city": "1101",
        "district": "110105", "street": "改过的路 1 号"},
    "cart.quantity": lambda app, v: {"quantity": "3"},
    "catalog.edit": lambda app, v: {"title": "改过的标题", "category": "produce",
                                    "price": "9.90", "stock": "5", "stock_seen": "5"},
    "catalog.publish": lambda app, v: {"published": "1"},
    "orders.refuse": lambda app, v: {"reason": "缺货"},
    "orders.cancel": lambda app, v: {"reason": "不想要了"},
    "orders.assign": lambda app, v: {"courier_id": str(v.courier_a.id)},
    "orders.sign": lambda app, v: {"signer_name": "张三", "signature": signature_data_url()},
    "orders.checkout": lambda app, v: {
        "address_id": str(v.address.id), "window": window_value(app, v.shop_a),
        "payment_method": "cod", "note": "", "idempotency_key": "d" * 32},
    "delivery.fail": lambda app, v: {"reason": "absent"},
    "demands.quote": lambda app, v: _quote_form(v),
    "demands.edit_quote": lambda app, v: _quote_form(v),
    "demands.checkout": _quote_checkout,
    "admin.reject": lambda app, v: {"note_legal_name": "姓名与证件不符", "comment": "请核对"},
    "admin.request_info": lambda app, v: {"note_id_front": "照片不清楚", "comment": ""},
    "admin.suspend": lambda app, v: {"reason": "违规"},
}


def rules(app):
    return [rule for rule in app.url_map.iter_rules()]


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def path_for(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def to_login(response) -> bool:
    """A refusal of an anonymous visitor: to the login page (HX-Redirect for htmx)."""
    target = response.headers.get("HX-Redirect") or response.headers.get("Location") or ""
    return urlsplit(target).path == "/auth/login"


def who(v, name: str):
    return None if name == "anonymous" else getattr(v, name)


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in rules(app)}
    unclassified = endpoints - set(PUBLIC) - OWN - set(OBJECTS)
    assert not unclassified, f"classify these routes in tests/security: {sorted(unclassified)}"
    assert not (set(PUBLIC) | OWN | set(OBJECTS)) - endpoints, "classified routes that are gone"
    assert set(OWNER) == set(OBJECTS)
    for rule in rules(app):
        if rule.endpoint in OBJECTS:
            assert set(rule.arguments) == set(OBJECTS[rule.endpoint](_Any())), rule.rule
        elif rule.endpoint in OWN:
            assert not rule.arguments, f"{rule.rule} names an object: move it to OBJECTS"


class _Any:
    """Stands in for the victims when only the names of a fill are wanted."""

    def __getattr__(self, name):
        return self

    def __getitem__(self, index):
        return self

    id = 1


def _requests(app, v):
    """Every (endpoint, method, path, form) of the URL map, objects filled with the victims'."""
    for rule in sorted(rules(app), key=lambda r: r.rule):
        endpoint = rule.endpoint
        if endpoint == "static":
            values = {"filename": "css/app.css"}
        elif endpoint in OBJECTS:
            values = OBJECTS[endpoint](v)
        else:
            values = {name: {"handle": v.shop_a.handle, "kind": "logo"}[name]
                      for name in rule.arguments}
        path = path_for(app, endpoint, values)
        for method in methods_of(rule):
            form = FORMS.get(endpoint, lambda app, v: {})(app, v) if method == "POST" else None
            yield endpoint, method, path, form


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_no_one_reaches_anything_of_others(app, victims, as_user, login_as, intruder):
    """No 2xx on another's object (nothing changed, no login page bypassed), and on every route
    none of the victims' data in the answer."""
    user = who(victims, intruder)
    client = as_user(user)
    problems = []
    for endpoint, method, path, form in _requests(app, victims):
        for headers in ({}, HX):
            if user is not None:
                login_as(user, client)  # again: the logout route is tried too
            before = snapshot()
            response = client.open(path, method=method, data=form, headers=headers)
            response.get_data()
            response.close()  # a sent file stays open until then
            after = snapshot()
            cell = f"{intruder} {method} {path} {'htmx' if headers else 'page'} -> " \
                   f"{response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{cell}: server error")
            if found := leaks(response, intruder):
                problems.append(f"{cell}: shows {found}")
            if endpoint in PUBLIC or endpoint in OWN:
                continue
            allowed = (endpoint, intruder) in ALLOWED
            if not allowed and 200 <= response.status_code < 300:
                problems.append(f"{cell}: not refused")
            if not allowed and 300 <= response.status_code < 400 and not (
                    intruder == "anonymous" and to_login(response)):
                problems.append(f"{cell}: redirected to {response.headers.get('Location')}")
            if (endpoint, intruder) not in MAY_CHANGE and (
                    tables := changed_tables(before, after)):
                problems.append(f"{cell}: changed {tables}")
    assert not problems, "\n".join(problems)


def test_the_owner_may(app, victims, as_user):
    """The control: each object route with the same fill and form works for the object's owner,
    so the refusals above come from ownership, not from a wrong id or an invalid form."""
    problems, seen = [], set()
    for endpoint, method, path, form in _requests(app, victims):
        if endpoint not in OBJECTS:
            continue
        client = as_user(getattr(victims, OWNER[endpoint]))
        before = snapshot()
        response = client.open(path, method=method, data=form, headers=HX)
        seen.update(leaks(response, "owner"))
        response.close()
        cell = f"{OWNER[endpoint]} {method} {path} -> {response.status_code}"
        if not (200 <= response.status_code < 300):
            problems.append(f"{cell}: {response.get_data(as_text=True)[:300]}")
        elif method == "POST" and endpoint != "admin.reveal" and not changed_tables(
                before, snapshot()):
            problems.append(f"{cell}: changed nothing")
    assert not problems, "\n".join(problems)
    # And each secret is really on its owners' pages, so its absence above means something.
    for user, endpoint, values in OWN_PAGES:
        response = as_user(getattr(victims, user)).get(path_for(app, endpoint, values(victims)))
        seen.update(leaks(response, "owner"))
    assert set(SECRETS) - seen == set()


# Pages where the victims see the secrets not shown by an object route above.
OWN_PAGES = [
    ("merchant_a", "merchants.apply", lambda v: {}),
    ("buyer_a", "orders.index", lambda v: {}),
    ("admin", "admin.review", lambda v: {"application_id": v.application_a.id}),
]


# ---- socket events -----------------------------------------------------------------------------

def _socket(app, socket_client, login_as, user):
    client = app.test_client()
    if user is not None:
        login_as(user, client)
    return socket_client(client)


def _tracks() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(TrackPoint.id)))


def _watch_others_order(app, v, connect):
    """Buyer B, merchant B and courier B ask to watch buyer A's order."""
    for name in ("buyer", "merchant", "courier", "unapproved", "admin"):
        socket = connect(getattr(v, name))
        ack = socket.emit("order:watch", {"order_id": v.delivering.id}, callback=True)
        assert ack == {"ok": False, "error": "forbidden"}, name
        assert not any("秘密" in str(m) for m in socket.get_received())
    owner = connect(v.buyer_a)
    assert owner.emit("order:watch", {"order_id": v.delivering.id}, callback=True)["ok"] is not \
        False


def _position_for_others_order(app, v, connect):
    """Courier B sends a position for courier A's delivery; others are not couriers at all."""
    before = _tracks()
    for name in ("courier", "buyer", "merchant", "admin"):
        socket = connect(getattr(v, name))
        ack = socket.emit("delivery:position", {"order_id": v.delivering.id, "lat": 39.91,
                                                "lng": 116.41}, callback=True)
        assert ack["ok"] is False and ack["error"] == "forbidden", (name, ack)
    assert _tracks() == before
    app.config["POSITION_MIN_INTERVAL"] = 0  # the fixture has just sent one
    owner = connect(v.courier_a)
    assert owner.emit("delivery:position", {"order_id": v.delivering_fail.id, "lat": 39.91,
                                            "lng": 116.41}, callback=True) == {"ok": True}
    assert _tracks() == before + 1


def _late_positions_for_others_order(app, v, connect):
    before = _tracks()
    batch = {"order_id": v.delivering.id, "fixes": [{"lat": 39.9, "lng": 116.4, "age": 5}]}
    for name in ("courier", "buyer", "merchant", "admin"):
        ack = connect(getattr(v, name)).emit("delivery:positions", batch, callback=True)
        assert ack["ok"] is False and ack["error"] == "forbidden", (name, ack)
    assert _tracks() == before


def _feed_watch(app, v, connect):
    """Only an approved merchant with an open shop hears new demands."""
    for name in ("unapproved", "buyer", "courier", "admin"):
        ack = connect(getattr(v, name)).emit("demands:watch", {"scope": "all"}, callback=True)
        assert ack == {"ok": False, "error": "forbidden"}, name
    assert connect(v.merchant).emit("demands:watch", None, callback=True)["ok"] is True


def _anonymous_connect(app, v, connect):
    socket = connect(None)
    assert not socket.is_connected()


SOCKET_EVENTS = {
    "connect": _anonymous_connect,
    "order:watch": _watch_others_order,
    "delivery:position": _position_for_others_order,
    "delivery:positions": _late_positions_for_others_order,
    "demands:watch": _feed_watch,
}


def test_every_socket_event_is_classified(app):
    handlers = socketio.server.handlers
    assert set(handlers) == {"/"}, "a new namespace: classify its events here"
    assert set(handlers["/"]) - {"disconnect"} == set(SOCKET_EVENTS)


@pytest.mark.parametrize("event", sorted(SOCKET_EVENTS))
def test_socket_event_refuses_others(app, victims, socket_client, login_as, event):
    def connect(user):
        return _socket(app, socket_client, login_as, user)

    SOCKET_EVENTS[event](app, victims, connect)


def test_an_anonymous_socket_is_refused_every_event(app, victims, socket_client):
    """A refused connection gets no event through, whatever it sends."""
    socket = socket_client(app.test_client())
    assert not socket.is_connected()
    for event in SOCKET_EVENTS:
        if event != "connect":
            with pytest.raises(RuntimeError):
                socket.emit(event, {"order_id": victims.delivering.id}, callback=True)
