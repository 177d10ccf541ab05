"""The order state machine: which action moves an order from which status, and who may take it.

Pure Python on purpose: it imports nothing from the app but the users' Role (webapp/roles.py,
itself pure), models import its enums, and every status change in the app is first checked here
by transition().
"""
from __future__ import annotations

from enum import StrEnum

from webapp.roles import Role


class Status(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"  # paid online: not on the shop's board until paid
    PLACED = "placed"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    DELIVERING = "delivering"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    PARTIALLY_REFUSED = "partially_refused"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    DELIVERY_FAILED = "delivery_failed"


class Action(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    CANCEL = "cancel"
    ASSIGN = "assign"
    START = "start"
    ARRIVE = "arrive"
    SIGN = "sign"
    FAIL = "fail"
    EXPIRE = "expire"
    PAY = "pay"  # the gateway confirmed an online payment (webapp/payments/records.py)


S, A, R = Status, Action, Role

# (from, action) -> (the one role allowed to take it, the statuses it may lead to).
# Only "sign" has two outcomes; the lines the buyer accepted choose between them.
TRANSITIONS: dict[tuple[Status, Action], tuple[Role, frozenset[Status]]] = {
    (S.AWAITING_PAYMENT, A.PAY): (R.SYSTEM, frozenset({S.PLACED})),
    (S.AWAITING_PAYMENT, A.CANCEL): (R.BUYER, frozenset({S.CANCELLED})),
    (S.AWAITING_PAYMENT, A.EXPIRE): (R.SYSTEM, frozenset({S.CANCELLED})),
    (S.PLACED, A.ACCEPT): (R.MERCHANT, frozenset({S.ACCEPTED})),
    (S.PLACED, A.REFUSE): (R.MERCHANT, frozenset({S.CANCELLED})),
    (S.PLACED, A.CANCEL): (R.BUYER, frozenset({S.CANCELLED})),
    (S.PLACED, A.EXPIRE): (R.SYSTEM, frozenset({S.CANCELLED})),
    (S.ACCEPTED, A.CANCEL): (R.MERCHANT, frozenset({S.CANCELLED})),
    (S.ACCEPTED, A.ASSIGN): (R.MERCHANT, frozenset({S.DISPATCHED})),
    (S.DISPATCHED, A.START): (R.COURIER, frozenset({S.DELIVERING})),
    (S.DELIVERING, A.ARRIVE): (R.COURIER, frozenset({S.ARRIVED})),
    (S.ARRIVED, A.SIGN): (R.BUYER, frozenset({S.COMPLETED, S.PARTIALLY_REFUSED})),
    (S.ARRIVED, A.REFUSE): (R.BUYER, frozenset({S.REFUSED})),
    (S.DELIVERING, A.FAIL): (R.COURIER, frozenset({S.DELIVERY_FAILED})),
    (S.ARRIVED, A.FAIL): (R.COURIER, frozenset({S.DELIVERY_FAILED})),
    (S.DELIVERY_FAILED, A.ASSIGN): (R.MERCHANT, frozenset({S.DISPATCHED})),
}

FINAL = frozenset({S.COMPLETED, S.PARTIALLY_REFUSED, S.REFUSED, S.CANCELLED})
# While the courier's position is accepted and shown.
TRACKING = frozenset({S.DELIVERING, S.ARRIVED})
# When a payment at the door can be confirmed: the goods have reached the buyer.
PAYABLE = frozenset({S.ARRIVED, S.COMPLETED, S.PARTIALLY_REFUSED})

LABELS = {
    S.AWAITING_PAYMENT: "待支付",
    S.PLACED: "待接单",
    S.ACCEPTED: "已接单",
    S.DISPATCHED: "待取货",
    S.DELIVERING: "配送中",
    S.ARRIVED: "待签收",
    S.COMPLETED: "已完成",
    S.PARTIALLY_REFUSED: "部分拒收",
    S.REFUSED: "已拒收",
    S.CANCELLED: "已取消",
    S.DELIVERY_FAILED: "配送失败",
}


class TransitionError(Exception):
    """An action that the table does not allow."""


class IllegalTransition(TransitionError):
    """The action does not apply to an order in this status."""


class RoleNotAllowed(TransitionError):
    """The action applies, but not for this role."""


def transition(current: Status, action: Action, role: Role, outcome: Status | None = None) -> Status:
    """Return the status that `action` by `role` leads to from `current`, or raise."""
    try:
        allowed_role, targets = TRANSITIONS[(Status(current), Action(action))]
    except KeyError:
        raise IllegalTransition(f"cannot {action} an order that is {current}") from None
    if Role(role) is not allowed_role:
        raise RoleNotAllowed(f"a {role} cannot {action} an order that is {current}")
    if outcome is None:
        if len(targets) != 1:
            raise IllegalTransition(f"{action} from {current} needs an outcome")
        return next(iter(targets))
    if Status(outcome) not in targets:
        raise IllegalTransition(f"{action} from {current} cannot end in {outcome}")
    return Status(outcome)


def actions_for(current: Status, role: Role) -> list[Action]:
    """List the actions `role` may take on an order in `current`, in table order."""
    return [a for (s, a), (r, _) in TRANSITIONS.items() if s == current and r == role]
