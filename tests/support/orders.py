"""An order of two lines taken to any status through the real services: 1 × 12.50 of the world's
product and 2 × 8.00 of 草莓, delivery fee 5.00 (total 33.50; refusing the 草莓 leaves 17.50 due)."""
from __future__ import annotations

import html
import re
import secrets

from tests.support.delivery import arrive_at_pin
from tests.support.factories import window_value
from tests.support.images import signature_data_url
from webapp.delivery import actions as courier_actions
from webapp.extensions import db
from webapp.models import Order, Status
from webapp.orders import actions as order_actions
from webapp.orders import checkout as order_checkout
from webapp.orders import failures
from webapp.orders import signing as order_signing

TOTAL, REFUSED, DUE = "¥33.50", "¥16.00", "¥17.50"

_DOOR = ["accept", "assign", "start", "arrive"]
STEPS = {
    Status.PLACED: [], Status.ACCEPTED: ["accept"], Status.DISPATCHED: ["accept", "assign"],
    Status.DELIVERING: ["accept", "assign", "start"], Status.ARRIVED: _DOOR,
    Status.COMPLETED: [*_DOOR, "sign"], Status.PARTIALLY_REFUSED: [*_DOOR, "sign_refusing_one"],
    Status.REFUSED: [*_DOOR, "sign_refusing_all"], Status.CANCELLED: ["cancel"],
    Status.DELIVERY_FAILED: ["accept", "assign", "start", "fail"],
    Status.RETURNED: ["accept", "assign", "start", "fail", "take_back"],
}


def two_line_order(app, world, make_product, status: Status = Status.PLACED,
                   payment_method: str = "cod") -> Order:
    """Place the order for `world`'s buyer (paying by `payment_method`) and take it to `status`."""
    world.shop.delivery_fee_fen = 500
    second = make_product(world.shop, title="草莓", price_fen=800)
    order = order_checkout.place_order(
        world.buyer, world.shop.id, {world.product.id: 1, second.id: 2},
        destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105"),
        window=window_value(app, world.shop), payment_method=payment_method,
        idempotency_key=secrets.token_hex(16))
    take_steps(order.id, world, STEPS[status])
    db.session.expire_all()
    return db.session.get(Order, order.id)


def take_steps(order_id: int, party, steps, *, signer: str = "张三", fail_note: str = "",
               cancel_reason: str = "") -> None:
    """Take an order through `steps` (the names in STEPS, and "pay") with the real services, as
    `party`'s merchant, courier and buyer (a test world or a scene with those three)."""
    for step in steps:
        if step == "accept":
            order_actions.accept(order_id, party.merchant)
        elif step == "assign":
            order_actions.assign(order_id, party.merchant, party.courier.id)
        elif step == "start":
            courier_actions.start(order_id, party.courier)
        elif step == "arrive":
            arrive_at_pin(order_id, party.courier)
        elif step == "fail":
            courier_actions.fail(order_id, party.courier, "absent", fail_note)
        elif step == "cancel":
            order_actions.cancel(order_id, party.buyer, cancel_reason)
        elif step == "take_back":
            failures.take_back(order_id, party.merchant)
        elif step == "pay":
            order_actions.confirm_payment(order_id, party.courier)
        else:
            _sign(step, order_id, party, signer)


def _sign(step: str, order_id: int, party, signer: str) -> None:
    """sign (all accepted), sign_refusing_one (all but the first line refused) or
    sign_refusing_all, the refused lines as broken."""
    lines = db.session.get(Order, order_id).lines
    refused = {"sign": [], "sign_refusing_one": lines[1:], "sign_refusing_all": lines}[step]
    checks = {line.id: order_signing.LineCheck(line not in refused, "商品破损" if line in refused
                                               else "") for line in lines}
    order_signing.sign(order_id, party.buyer, signer, signature_data_url(), checks)


def as_older_scheme(proof, scheme: int) -> None:
    """Make a freshly signed proof look as one sealed with `scheme` (1-4) is stored: without the
    scheme 5 hashes (the caller sets that scheme's facts, then seals the digest again)."""
    proof.scheme = scheme
    proof.signer_name_salt = proof.signer_name_sha256 = proof.signature_sha256 = None


def words(page: str) -> str:
    """What a reader sees of a page or fragment: the order's history dropped (it tells what
    happened then), tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r'<details class="timeline">.*?</details>', " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def order_for_case(app, build, status: str, *, moves: bool) -> Order:
    """The order a transition-table case acts on: a fresh one (`build(status)`) for a case that
    moves it; for a case that must be refused, the order in `status` an earlier refused case of
    the module's world had. Each refused case asserts that it left the order, its events, stock,
    delivery and proofs as they were, so the next finds it as built; if one did change it, that
    case fails and the next gets a fresh order. Building an order through the services for each
    of some 900 refusals was most of these tables' time."""
    kept = app.extensions.setdefault("kept_orders", {})
    if not moves and status in kept:
        db.session.expire_all()
        order = db.session.get(Order, kept[status])
        if order is not None and order.status == status:
            return order
    order = build(status)
    if not moves:
        kept[status] = order.id
    return order
