"""Handing over at the door: whoever receives the goods for the buyer (family, a colleague, a
neighbour) inspects and signs on the courier's phone once the courier has entered the order's
receipt code (收货码), which only the buyer is shown and passes on.

Wrong codes are counted on the order, each with one conditional UPDATE committed at once (so a
refusal still counts, and two phones at once never count past the limit); at
HANDOVER_CODE_ATTEMPTS the order can no longer be signed on the courier's phone, only on the
buyer's own. A code of another order is simply a wrong code. Each counted miss is in the
order's history, committed with the count: the tries left, or the lock-out (never the code
typed).
"""
from __future__ import annotations

import hmac
import re

from flask import current_app
from flask_babel import gettext as _

from webapp.cas import update_where
from webapp.extensions import db
from webapp.models import EventKind, Order, Status, User
from webapp.orders.queries import order_for
from webapp.orders.state import Action
from webapp.orders.transitions import check, record
from webapp.web import ServiceError

CODE = re.compile(r"\d{6}")


class Locked(ServiceError):
    """Too many wrong codes: this order is signed on its buyer's own phone from now on."""

    status = 423


def attempts() -> int:
    return current_app.config["HANDOVER_CODE_ATTEMPTS"]


def attempts_left(order: Order) -> int:
    """How many more wrong codes the courier may enter for `order`."""
    return max(0, attempts() - (order.receipt_code_misses or 0))


def locked_message() -> str:
    return _("收货码错误次数过多，本单已不能在骑手手机上签收。请收货人用买家本人的手机签收，"
             "或联系买家。")


def typed_code(code: str | None) -> str:
    """The code as typed, without the spaces a phone keyboard or a reading aloud puts in."""
    return re.sub(r"\s+", "", code or "")


def match_code(order: Order, code: str | None, courier: User) -> None:
    """Accept `code` for `order`, or refuse it: 422 saying how many tries are left (the miss
    counted, recorded as `courier`'s and committed), 423 once the order is locked. Something
    that is not six digits is a typing slip, refused without counting."""
    if attempts_left(order) <= 0:
        raise Locked(locked_message())
    typed = typed_code(code)
    if not CODE.fullmatch(typed):
        raise ServiceError(_("请输入 6 位数字收货码。"), 422)
    if order.receipt_code and hmac.compare_digest(typed, order.receipt_code):
        return
    counted = update_where(Order, Order.id == order.id,
                           Order.receipt_code_misses < attempts(),
                           receipt_code_misses=Order.receipt_code_misses + 1)
    db.session.refresh(order, ["receipt_code_misses"])
    left = attempts_left(order)
    if counted and left > 0:
        record(order, courier, EventKind.RECEIPT_CODE_WRONG, left=left)
    elif counted:
        record(order, courier, EventKind.RECEIPT_CODE_LOCKED, n=attempts())
    db.session.commit()
    if not counted or left <= 0:
        raise Locked(locked_message())
    raise ServiceError(_("收货码不正确，还可以再试 %(n)s 次。请向买家确认收货码。", n=left), 422)


def open_handover(order_id: int, courier: User, code: str | None) -> Order:
    """The courier's order at the door, once `code` is its receipt code: the inspection and
    signature form may then be shown on the courier's phone (signing.sign checks the code
    again). 404 for another's order, 409 before arrival or after the signature."""
    order = order_for(courier, order_id)
    check(order, Action.SIGN, courier, Status.COMPLETED)
    match_code(order, code, courier)
    return order
