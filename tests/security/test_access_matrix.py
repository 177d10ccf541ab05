"""Every route and socket event, tried by every role on things that belong to someone else.

Routes come from app.url_map and socket events from the Socket.IO server's handlers, so a new
one fails test_every_route_is_classified until it is listed here with who may use it.
"""
from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.support.chat import SOCKET_CHECKS as CHAT_SOCKET_CHECKS
from tests.support.helpers import HX
from tests.support.security import (
    FORMS,
    INTRUDERS,
    OBJECTS,
    OWNER,
    SECRETS,
    SHOP_A_BARCODE,
    changed_tables,
    leaks,
    path_for,
    rules,
    snapshot,
)
from webapp.extensions import db, socketio
from webapp.models import TrackPoint

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

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
    "regions.locate_point": "the region at a map pin, for the address forms (no one's data)",
    "pwa.manifest": "the web app manifest",
    "pwa.service_worker": "the service worker",
    "pwa.offline": "the offline page",
    "pwa.favicon": "the icon",
    "auth.login": "the login form",
    "auth.register": "the sign-up form",
    "auth.code_login": "signing in with an SMS code (sends codes only to registered numbers)",
    "auth.phone_register": "the sign-up form by mobile number and SMS code",
    "auth.reset_password": "resetting a password with an SMS code",
    "i18n.switch": "the language switch (sets a cookie, changes no data)",
    "payments.notify": "a payment gateway's notification (acted on only when correctly signed)",
    "reviews.shop": "a shop's reviews",
    "reviews.photo": "a review's photo, public once posted like the review",
    "me.privacy": "the privacy policy",
    # Filled with buyer A's link (OBJECTS): the leak check shows it tells nothing but the map,
    # the ETA and the status; test_tracking_link.py shows a forged or expired one is a 404.
    "handover.track": "a tracking link the buyer shared (map, ETA, status only)",
    "handover.track_live": "a tracking link's state for a page without a socket",
    "static": "CSS, JavaScript and images",
}

# No object in the URL: the caller's own lists and forms, and whom each is for (a merchant with a
# shop, a merchant without one: "unapproved"). Whatever role asks, what comes back must hold none
# of the victims' data; a role it is not for gets 403.
EVERYONE = set(INTRUDERS) - {"anonymous"}
OWN = {
    **{e: {"buyer"} for e in ("addresses.index", "addresses.new", "cart.index", "cart.add",
                              "demands.index", "demands.new", "orders.index")},
    **{e: {"merchant"} for e in ("catalog.products", "catalog.product_list", "catalog.barcode",
                                 "demands.feed",
                                 "merchants.couriers", "merchants.shop_settings",
                                 "merchants.shop_phone",
                                 "merchants.payment_accounts", "merchants.licences_page",
                                 "merchants.delivery_settings", "merchants.hours_settings",
                                 "merchants.busy", "orders.board",
                                 "orders.board_returns", "tickets.printer",
                                 "tickets.test_print")},
    **{e: {"merchant", "unapproved"} for e in ("merchants.dashboard", "merchants.apply")},
    "delivery.index": {"courier"},
    "admin.applications": {"admin"},
    "admin.synonyms": {"admin"},
    "admin.payment_accounts": {"admin"},
    "admin.licences_queue": {"admin"},
    "admin.refunds_queue": {"admin"},
    "reviews.mine": {"merchant"},
    "reviews.queue": {"admin"},
    "aftersales.shop_list": {"merchant"},
    "aftersales.admin_queue": {"admin"},
    # The shop's own sales figures and their exports (webapp/stats): its owner only.
    **{e: {"merchant"} for e in ("stats.index", "stats.export_csv", "stats.export_xlsx")},
    "auth.logout": EVERYONE,
    # Each person's own notifications, settings and push subscriptions, whatever the role.
    **{e: EVERYONE for e in ("notifications.index", "notifications.count",
                             "notifications.read_all", "notifications.preferences",
                             "notifications.subscribe", "notifications.unsubscribe")},
    # 我的: each person's own profile, password and deletion, whatever the role.
    **{e: EVERYONE for e in ("me.index", "me.profile", "me.password", "me.delete", "me.mobile",
                             "me.email")},
    "chat.index": {"buyer", "merchant", "unapproved", "courier"},
}

# The refusal of an intruder on another's object: 404 where the route is meant for the intruder
# (another buyer's order is not theirs to see, nor is its existence told), 403 where it is not
# (the wrong role, or a merchant without a shop on a shop's route). The anonymous visitor is sent
# to the login page, unless the thing is hidden from everyone (a product not on sale).
NOT_FOUND_FOR = {
    **{e: {"buyer"} for e in ("addresses.delete", "addresses.edit", "addresses.make_default",
                              "cart.quantity", "cart.remove", "demands.checkout",
                              "demands.close", "demands.decline", "demands.detail",
                              "orders.sign", "payments.pay_page", "payments.pay",
                              "payments.check")},
    **{e: {"merchant"} for e in ("catalog.edit", "catalog.publish", "catalog.add_variant",
                                 "catalog.update_variant", "catalog.remove_variant",
                                 "demands.edit_quote",
                                 "demands.withdraw", "merchants.licence_photo")},
    **{e: {"merchant", "unapproved"} for e in ("merchants.document", "orders.accept",
                                               "orders.assign", "orders.refuse",
                                               "orders.hand_over", "orders.pick_up")},
    **{e: {"courier"} for e in ("delivery.arrive", "delivery.detail", "delivery.fail",
                                "delivery.start", "delivery.pay_code", "delivery.check_pay_code")},
    **{e: {"buyer", "merchant", "unapproved", "courier"} for e in (
        "orders.detail", "orders.live", "orders.photo", "orders.proof", "orders.signature")},
    "orders.cancel": {"buyer", "merchant", "unapproved"},
    "orders.reschedule": {"buyer", "merchant", "unapproved"},
    **{e: {"merchant", "unapproved"} for e in ("orders.take_back", "orders.receive_return")},
    "orders.paid": {"merchant", "unapproved", "courier"},
    "handover.sign_here": {"courier"},
    "handover.share": {"buyer"},
    "demands.photo": {"buyer"},
    **{e: {"buyer"} for e in ("reviews.new", "reviews.followup")},
    "reviews.reply": {"merchant", "unapproved"},
    **{e: {"buyer", "merchant", "unapproved"} for e in ("aftersales.detail", "aftersales.photo")},
    **{e: {"buyer"} for e in ("aftersales.new", "aftersales.withdraw", "aftersales.escalate",
                              "aftersales.ship")},
    **{e: {"merchant", "unapproved"} for e in ("aftersales.agree", "aftersales.refuse",
                                               "aftersales.receive",
                                               "aftersales.confirm_door_refund")},
    **{e: set(INTRUDERS) for e in ("shops.product", "shops.product_photo")},
    "notifications.read": {"buyer", "merchant", "unapproved", "courier", "admin"},
    **{e: {"merchant", "unapproved"} for e in ("tickets.ticket", "tickets.status",
                                               "tickets.print_again")},
    **{e: {"buyer", "merchant", "unapproved", "courier"} for e in ("chat.detail", "chat.send")},
    "chat.photo": {"buyer", "merchant", "unapproved", "courier", "admin"},
    "chat.open_order_shop": {"buyer", "merchant", "unapproved"},
    "chat.open_order_courier": {"buyer", "courier"},
    "chat.open_demand": {"buyer", "merchant"},
}
# What a refusal says, on the error page or (htmx) in the flash area; some routes say why.
REFUSAL_TEXT = {403: "你没有权限", 404: "找不到"}
SAYS = {
    "shops.product": "该商品已下架",
    "shops.product_photo": "该商品已下架",
    **{(e, "unapproved"): "店铺开通后才能查看需求和报价" for e in (
        "demands.detail", "demands.feed", "demands.quote", "demands.edit_quote",
        "demands.withdraw", "demands.photo", "chat.open_demand")},
}
# Posts that read their form before they know whose the object is, so that an empty form gets
# 422 where the filled one gets the refusal: the stranger learns that the object exists. Known
# problems, to be fixed in the route; the matrix fails when one is fixed, to be taken off here.
READS_THE_FORM_FIRST: dict[tuple[str, str], str] = {}

# Which intruders may still use an object route, and why.
ADMIN_JOB = "reviewing applications and suspending shops is the admin's job"
IN_DISTRICT = "approved shops of the demand's district see it and quote; other quotes stay sealed"
ALLOWED = {
    **{(e, "admin"): ADMIN_JOB for e in ("admin.review", "admin.reveal", "admin.approve",
                                         "admin.reject", "admin.request_info", "admin.suspend",
                                         "admin.reinstate", "merchants.document",
                                         "admin.approve_account", "admin.reject_account",
                                         "admin.licence_review", "admin.approve_licence",
                                         "admin.reject_licence", "merchants.licence_photo")},
    ("admin.send_refund", "admin"): "sending a failed refund again is the admin's job",
    **{("reviews.report", who): "anyone signed in may report a review, once"
       for who in ("buyer", "merchant", "unapproved", "courier", "admin")},
    **{(e, "admin"): "folding reported reviews is the admin's job"
       for e in ("reviews.fold", "reviews.dismiss", "reviews.unfold")},
    **{(e, "admin"): "deciding escalated after-sales requests is the platform's job" for e in (
        "aftersales.admin_case", "aftersales.signature", "aftersales.decide", "aftersales.photo")},
    ("demands.detail", "merchant"): IN_DISTRICT,
    ("demands.photo", "merchant"): IN_DISTRICT,
    ("demands.quote", "merchant"): IN_DISTRICT,
    ("orders.checkout", "buyer"): "a shop is public; the checkout holds only the caller's cart "
                                  "and address book",
}
# An allowed intruder may change these (their own quote, the admin's decisions); other allowed
# requests must change nothing of the victims'.
MAY_CHANGE = {*((e, who) for e, who in ALLOWED if e.startswith("reviews.")),
              ("demands.quote", "merchant"), ("admin.send_refund", "admin"), *((e, "admin") for e in (
    "admin.reveal", "admin.approve", "admin.reject", "admin.request_info", "admin.suspend",
    "admin.reinstate", "admin.approve_account", "admin.reject_account", "admin.approve_licence",
    "admin.reject_licence"))}
MAY_CHANGE.add(("aftersales.decide", "admin"))  # the platform's ruling

# A valid form for each POST, as the owner's browser sends it: an intruder sends the same.


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def to_login(response) -> bool:
    """A refusal of an anonymous visitor: to the login page (HX-Redirect for htmx)."""
    target = response.headers.get("HX-Redirect") or response.headers.get("Location") or ""
    return urlsplit(target).path == "/auth/login"


def who(v, name: str):
    return None if name == "anonymous" else getattr(v, name)


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in rules(app)}
    unclassified = endpoints - set(PUBLIC) - set(OWN) - set(OBJECTS)
    assert not unclassified, f"classify these routes in tests/security: {sorted(unclassified)}"
    assert not (set(PUBLIC) | set(OWN) | set(OBJECTS)) - endpoints, "classified routes that are gone"
    assert set(OWNER) == set(OBJECTS)
    assert set(NOT_FOUND_FOR) | {e for e, _ in READS_THE_FORM_FIRST} <= set(OBJECTS)
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


# The caller's own paged lists read again with their query parameters: a cursor (webapp/paging.py)
# past every row there is, and the board's column; the next page holds none of the victims' either.
OWN_QUERIES = {"orders.index": {"tab": "all", "after": "WzEwMDAwMDAwXQ"},
               "orders.board": {"column": "new", "after": "WzBd"},
               "delivery.index": {"after": "WzEwMDAwMDAwXQ",
                                  "open_after": "WzEseyJ0IjoiMjEwMC0wMS0wMVQwMDowMDowMCJ9LDEwMDAwMDAwXQ"},
               "demands.index": {"after": "WzEwMDAwMDAwXQ"},
               "admin.refunds_queue": {"after": "WzBd"},
               "reviews.mine": {"after": "WzEwMDAwMDAwXQ"},
               "reviews.queue": {"view": "folded",
                                 "after": "W3sidCI6IjIxMDAtMDEtMDFUMDA6MDA6MDAifSwxMDAwMDAwMF0"},
               "aftersales.shop_list": {"tab": "all", "after": "WzEwMDAwMDAwXQ"},
               "aftersales.admin_queue": {"after": "WzBd"},
               "demands.feed": {"all": "1", "after": "WzEwMDAwMDAwXQ",
                                "quotes_after": "W3sidCI6IjIxMDAtMDEtMDFUMDA6MDA6MDAifSwxMDAwMDAwMF0"},
               "admin.applications": {"status": "approved",
                                      "after": "W3sidCI6IjIwMDAtMDEtMDFUMDA6MDA6MDAifSwwXQ"},
               "admin.payment_accounts": {"after": "W3sidCI6IjIwMDAtMDEtMDFUMDA6MDA6MDAifSwwXQ"},
               "admin.licences_queue": {"after": "W3sidCI6IjIwMDAtMDEtMDFUMDA6MDA6MDAifSwwXQ"},
               "stats.index": {"period": "custom", "from": "2026-01-01", "to": "2026-01-31"},
               "stats.export_csv": {"period": "30"},
               # Shop A's barcode, scanned by anyone else: not found, nothing of shop A shown.
               "catalog.barcode": {"code": SHOP_A_BARCODE}}


def _requests(app, v):
    """Every (endpoint, method, path, form) of the URL map, objects filled with the victims';
    the own lists of OWN_QUERIES once more with their query."""
    for rule in sorted(rules(app), key=lambda r: r.rule):
        endpoint = rule.endpoint
        if endpoint == "static":
            values = {"filename": "css/app.css"}
        elif endpoint in OBJECTS:
            values = OBJECTS[endpoint](v)
        else:
            values = {name: {"handle": v.shop_a.handle, "kind": "logo", "channel": "wechat"}[name]
                      for name in rule.arguments}
        path = path_for(app, endpoint, values)
        for method in methods_of(rule):
            form = FORMS.get(endpoint, lambda app, v: {})(app, v) if method == "POST" else None
            yield endpoint, method, path, form
        if endpoint in OWN_QUERIES:
            yield endpoint, "GET", path_for(app, endpoint, {**values, **OWN_QUERIES[endpoint]}), None


def refusal(endpoint: str, intruder: str) -> int | str | None:
    """What `intruder` must get on `endpoint` filled with the victims' object: None where the
    route lets them in (public, their own list or form, allowed), else "login" for the anonymous
    visitor, 404 or 403 (NOT_FOUND_FOR)."""
    if (endpoint in PUBLIC or (endpoint, intruder) in ALLOWED
            or intruder in OWN.get(endpoint, ())):
        return None
    if intruder in NOT_FOUND_FOR.get(endpoint, ()):
        return 404
    return "login" if intruder == "anonymous" else 403


def refusal_problem(response, text: str, htmx: bool, expected, says: str = "") -> str | None:
    """What is wrong with `response` as the refusal `expected`: the code, and the message (`says`,
    else REFUSAL_TEXT's) on the error page (a whole document) or, for htmx, in the flash area."""
    if expected == "login":
        return None if to_login(response) else "not sent to the login page"
    if response.status_code != expected:
        return f"not refused with {expected}"
    if htmx and not (response.headers.get("HX-Retarget") == "#flash" and "<html" not in text):
        return "refused without its message in the flash area"
    if not htmx and not (response.mimetype == "text/html"
                         and text.lstrip().startswith("<!doctype html>")):
        return "refused without the error page"
    if (says or REFUSAL_TEXT[expected]) not in text:
        return f"refused without saying {says or REFUSAL_TEXT[expected]}"
    return None


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_no_one_reaches_anything_of_others(app, victims, as_user, login_as, intruder):
    """Another's object is refused as `refusal` says, and so is a list or form not meant for the
    intruder's role: the code, the message on the page or in the flash, nothing changed, no login
    page bypassed; a post is refused before its form is read (an empty one gets the same). On every
    route, none of the victims' data in the answer."""
    user = who(victims, intruder)
    client = as_user(user)
    problems = []
    for endpoint, method, path, form in _requests(app, victims):
        expected = refusal(endpoint, intruder)
        says = SAYS.get((endpoint, intruder)) or SAYS.get(endpoint, "")
        forms = [form]
        if method == "POST" and form and expected not in (None, "login"):
            forms.append({})
        for data, headers in itertools.product(forms, ({}, HX)):
            empty = data == {} and bool(form)
            if user is not None:
                login_as(user, client)  # again: the logout route is tried too
            before = snapshot()
            response = client.open(path, method=method, data=data, headers=headers)
            text = response.get_data().decode("utf-8", "replace")
            response.close()  # a sent file stays open until then
            after = snapshot()
            cell = f"{intruder} {method} {path} {'htmx' if headers else 'page'}" \
                   f"{' (empty form)' if empty else ''} -> {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{cell}: server error")
            if found := leaks(response, intruder):
                problems.append(f"{cell}: shows {found}")
            problem = expected is not None and refusal_problem(
                response, text, bool(headers), expected, says)
            if empty and (endpoint, intruder) in READS_THE_FORM_FIRST:
                if response.status_code != 422:
                    problems.append(f"{cell}: fixed? take it off READS_THE_FORM_FIRST")
            elif problem:
                problems.append(f"{cell}: {problem}")
            if endpoint in PUBLIC or (endpoint in OWN and expected is None):
                continue
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
    ("merchant_a", "merchants.payment_accounts", lambda v: {}),
    ("merchant_a", "merchants.licences_page", lambda v: {}),
    ("admin", "admin.licence_review", lambda v: {"licence_id": v.licence_approve.id}),
    ("admin", "reviews.queue", lambda v: {}),
]


# ---- socket events -----------------------------------------------------------------------------


def _socket(app, socket_client, login_as, user, **kwargs):
    client = app.test_client()
    if user is not None:
        login_as(user, client)
    return socket_client(client, **kwargs)


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


def _track_watch(app, v, connect):
    """A tracking link is good for its own order only, while under way: an anonymous socket
    let in by buyer A's link may not watch with another order's link; a final order's link is
    refused; a forged one lets no anonymous socket in at all."""
    from webapp.handover.links import make_token

    def anonymous(token):
        return connect(None, auth={"track": token})

    assert not anonymous(v.track_token[:-2] + "xx").is_connected()
    socket = anonymous(v.track_token)
    state = socket.emit("track:watch", {"token": v.track_token}, callback=True)
    assert state["ok"] is True and state["id"] == v.delivering.id
    assert set(state) <= {"ok", "id", "status", "tracking", "position", "eta", "trail",
                          "destination"}
    other = make_token(v.delivering_fail)[0]
    assert socket.emit("track:watch", {"token": other}, callback=True) == {
        "ok": False, "error": "forbidden"}
    final = make_token(v.completed)[0]
    assert anonymous(final).emit("track:watch", {"token": final}, callback=True) == {
        "ok": False, "error": "final"}
    assert not any("秘密" in str(m) for m in socket.get_received())


def _anonymous_connect(app, v, connect):
    socket = connect(None)
    assert not socket.is_connected()


SOCKET_EVENTS = {
    "connect": _anonymous_connect,
    "order:watch": _watch_others_order,
    "delivery:position": _position_for_others_order,
    "delivery:positions": _late_positions_for_others_order,
    "demands:watch": _feed_watch,
    "track:watch": _track_watch,
    **CHAT_SOCKET_CHECKS,
}


def test_every_socket_event_is_classified(app):
    handlers = socketio.server.handlers
    assert set(handlers) == {"/"}, "a new namespace: classify its events here"
    assert set(handlers["/"]) - {"disconnect"} == set(SOCKET_EVENTS)


@pytest.mark.parametrize("event", sorted(SOCKET_EVENTS))
def test_socket_event_refuses_others(app, victims, socket_client, login_as, event):
    def connect(user, **kwargs):
        return _socket(app, socket_client, login_as, user, **kwargs)

    SOCKET_EVENTS[event](app, victims, connect)


def test_an_anonymous_socket_is_refused_every_event(app, victims, socket_client):
    """A refused connection gets no event through, whatever it sends."""
    socket = socket_client(app.test_client())
    assert not socket.is_connected()
    for event in SOCKET_EVENTS:
        if event != "connect":
            with pytest.raises(RuntimeError):
                socket.emit(event, {"order_id": victims.delivering.id}, callback=True)
