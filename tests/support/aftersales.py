"""After-sales, for tests: a signed order of chosen products, a request's input, and the
after-sales clock, moved by the test (webapp/aftersales/policy.py now())."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from tests.support.factories import window_value
from tests.support.images import jpeg_bytes
from tests.support.orders import take_steps
from webapp.aftersales import policy
from webapp.aftersales.opening import Ask
from webapp.extensions import db
from webapp.models import Order
from webapp.orders import checkout as order_checkout
from webapp.uploads import clean_image

SIGN = ["accept", "assign", "start", "arrive", "sign"]


class Clock:
    """The after-sales clock, held at a moment the test chooses (None: the real time)."""

    def __init__(self, monkeypatch):
        self.at: datetime | None = None
        monkeypatch.setattr(policy, "now", self.now)

    def now(self) -> datetime:
        return self.at if self.at is not None else policy.utcnow()

    def set(self, at: datetime | None) -> None:
        self.at = at

    def after(self, start: datetime, **delta) -> datetime:
        self.at = start + timedelta(**delta)
        return self.at


def signed_order(app, party, quantities: dict, payment_method: str = "cod",
                 steps=SIGN) -> Order:
    """An order of `quantities` ({product: n}) by `party.buyer` from their shop, taken through
    `steps` (signed, all accepted, by default) with the real services."""
    shop_id = next(iter(quantities)).shop_id
    order = order_checkout.place_order(
        party.buyer, shop_id, {product.id: n for product, n in quantities.items()},
        destination=order_checkout.Destination("张三", "13912345678", "建国路 1 号", "110105"),
        window=window_value(app, db.session.get(type(party.shop), shop_id)),
        payment_method=payment_method, idempotency_key=secrets.token_hex(16))
    take_steps(order.id, party, steps)
    db.session.expire_all()
    return db.session.get(Order, order.id)


def line_of(order: Order, key):
    """The order's line of a product, or at an index."""
    if isinstance(key, int):
        return order.lines[key]
    return next(line for line in order.lines if line.product_id == key.id)


def ask(order: Order, quantities: dict | None = None, *, kind: str = "refund_only",
        reason: str = "quality", note: str = "", photos: int = 0, key: str | None = None) -> Ask:
    """A request for `quantities` ({product or line index: n}; default one of the first line)."""
    quantities = quantities if quantities is not None else {0: 1}
    return Ask(kind=kind, reason=reason, note=note,
               quantities={line_of(order, key).id: n for key, n in quantities.items()},
               photos=tuple(clean_image(jpeg_bytes()) for _ in range(photos)),
               idempotency_key=key or secrets.token_hex(16))


def victim_requests(v, make_product) -> None:
    """Buyer A's after-sales requests on shop A, one for each route to act on (the access
    matrix and the fuzzers): `v.as_*`, and `v.for_sale`, a signed order with nothing asked."""
    from flask import current_app

    from webapp.aftersales import opening, services
    from webapp.aftersales.state import Action

    party = type("Party", (), {"buyer": v.buyer_a, "merchant": v.merchant_a,
                               "courier": v.courier_a, "shop": v.shop_a})
    goods = make_product(v.shop_a, title="公开商品丙", category="household", stock=50)
    order = signed_order(current_app, party, {goods: 10})
    v.for_sale = signed_order(current_app, party, {goods: 1})
    v.for_sale_line = v.for_sale.lines[0]

    def made(*actions, kind="return_refund", **fields):
        request = opening.open_request(order.id, v.buyer_a, ask(order, {0: 1}, kind=kind,
                                                                 reason="no_reason", **fields))
        for action, actor in actions:
            request = services.act(request.id, actor, action, "说明")
        return request

    merchant, buyer = v.merchant_a, v.buyer_a
    v.after_sale = made(note="售后秘密描述", photos=1)
    v.as_agree, v.as_refuse, v.as_withdraw = made(), made(), made()
    v.as_escalate = made((Action.REFUSE, merchant))
    v.as_ship = made((Action.AGREE, merchant))
    v.as_receive = made((Action.AGREE, merchant), (Action.SHIP, buyer))
    v.as_decide = made((Action.REFUSE, merchant), (Action.ESCALATE, buyer))
    # Refunded on an order paid in cash at the door: the shop owes it (door_state.OWED).
    v.as_door = made((Action.AGREE, merchant), kind="refund_only")
