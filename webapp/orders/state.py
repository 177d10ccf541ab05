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
    RETURNED = "returned"  # a failed delivery ended: the goods go back to the shop


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
    RESCHEDULE = "reschedule"  # a new delivery window after a failure (webapp/orders/failures.py)
    TAKE_BACK = "take_back"  # the shop ends a failed delivery and takes its goods back
    # Issue 21, self-pickup (到店自取): the shop hands the goods over at the counter, where the
    # buyer inspects and signs on their phone, or marks them picked up with the order's code.
    HAND_OVER = "hand_over"
    PICK_UP = "pick_up"


S, A, R = Status, Action, Role

# (from, action) -> (the roles allowed to take it, the statuses it may lead to).
# Only "sign" has two outcomes; the lines the buyer accepted choose between them.
TRANSITIONS: dict[tuple[Status, Action], tuple[frozenset[Role], frozenset[Status]]] = {
    (S.AWAITING_PAYMENT, A.PAY): (frozenset({R.SYSTEM}), frozenset({S.PLACED})),
    (S.AWAITING_PAYMENT, A.CANCEL): (frozenset({R.BUYER}), frozenset({S.CANCELLED})),
    (S.AWAITING_PAYMENT, A.EXPIRE): (frozenset({R.SYSTEM}), frozenset({S.CANCELLED})),
    (S.PLACED, A.ACCEPT): (frozenset({R.MERCHANT}), frozenset({S.ACCEPTED})),
    (S.PLACED, A.REFUSE): (frozenset({R.MERCHANT}), frozenset({S.CANCELLED})),
    (S.PLACED, A.CANCEL): (frozenset({R.BUYER}), frozenset({S.CANCELLED})),
    (S.PLACED, A.EXPIRE): (frozenset({R.SYSTEM}), frozenset({S.CANCELLED})),
    (S.ACCEPTED, A.CANCEL): (frozenset({R.MERCHANT}), frozenset({S.CANCELLED})),
    (S.ACCEPTED, A.ASSIGN): (frozenset({R.MERCHANT}), frozenset({S.DISPATCHED})),
    (S.DISPATCHED, A.START): (frozenset({R.COURIER}), frozenset({S.DELIVERING})),
    (S.DELIVERING, A.ARRIVE): (frozenset({R.COURIER}), frozenset({S.ARRIVED})),
    # The courier too, for whoever receives the goods on the courier's phone (issue 19): only
    # with the order's receipt code matched, which signing.sign() enforces (orders/handover.py).
    (S.ARRIVED, A.SIGN): (frozenset({R.BUYER, R.COURIER}),
                          frozenset({S.COMPLETED, S.PARTIALLY_REFUSED})),
    (S.ARRIVED, A.REFUSE): (frozenset({R.BUYER, R.COURIER}), frozenset({S.REFUSED})),
    (S.DELIVERING, A.FAIL): (frozenset({R.COURIER}), frozenset({S.DELIVERY_FAILED})),
    (S.ARRIVED, A.FAIL): (frozenset({R.COURIER}), frozenset({S.DELIVERY_FAILED})),
    (S.DELIVERY_FAILED, A.ASSIGN): (frozenset({R.MERCHANT}), frozenset({S.DISPATCHED})),
    # Issue 19: a failed delivery never dead-ends. The buyer or the shop picks a new window (the
    # shop dispatches again) or calls it off; the shop may take the goods back; left alone for
    # FAILED_DELIVERY_HOURS the platform ends it (webapp/orders/expiry.py). The goods that come
    # back are an OrderReturn the shop confirms on receipt (webapp/orders/returns.py).
    (S.DELIVERY_FAILED, A.RESCHEDULE): (frozenset({R.BUYER, R.MERCHANT}), frozenset({S.ACCEPTED})),
    (S.DELIVERY_FAILED, A.CANCEL): (frozenset({R.BUYER, R.MERCHANT}), frozenset({S.CANCELLED})),
    (S.DELIVERY_FAILED, A.TAKE_BACK): (frozenset({R.MERCHANT}), frozenset({S.RETURNED})),
    (S.DELIVERY_FAILED, A.EXPIRE): (frozenset({R.SYSTEM}), frozenset({S.RETURNED})),
}

# An order the buyer collects at the shop (到店自取) has no courier: the courier's steps and
# statuses do not apply to it (nor a courier's signature), and the counter's two do, only to it.
COURIER_ONLY = frozenset({A.ASSIGN, A.START, A.ARRIVE, A.FAIL, A.RESCHEDULE, A.TAKE_BACK})
ON_THE_ROAD = frozenset({S.DISPATCHED, S.DELIVERING, S.DELIVERY_FAILED})
PICKUP_TRANSITIONS: dict[tuple[Status, Action], tuple[frozenset[Role], frozenset[Status]]] = {
    **{key: (roles - {R.COURIER}, targets) for key, (roles, targets) in TRANSITIONS.items()
       if key[1] not in COURIER_ONLY and key[0] not in ON_THE_ROAD},
    (S.ACCEPTED, A.HAND_OVER): (frozenset({R.MERCHANT}), frozenset({S.ARRIVED})),
    # The shop enters the pickup code the buyer shows (orders/pickup.py checks it).
    (S.ACCEPTED, A.PICK_UP): (frozenset({R.MERCHANT}), frozenset({S.COMPLETED})),
}

FINAL = frozenset({S.COMPLETED, S.PARTIALLY_REFUSED, S.REFUSED, S.CANCELLED, S.RETURNED})
# While the courier's position is accepted and shown.
TRACKING = frozenset({S.DELIVERING, S.ARRIVED})
# When a payment at the door can be confirmed: the buyer has inspected and signed, so the amount
# due (rejected lines left out) is final. Never at the door before that.
PAYABLE = frozenset({S.COMPLETED, S.PARTIALLY_REFUSED})

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
    S.RETURNED: "已退回",
}


class TransitionError(Exception):
    """An action that the table does not allow."""


class IllegalTransition(TransitionError):
    """The action does not apply to an order in this status."""


class RoleNotAllowed(TransitionError):
    """The action applies, but not for this role."""


def table(pickup: bool = False) -> dict:
    """The transitions of a delivered order, or of one collected at the shop (`pickup`)."""
    return PICKUP_TRANSITIONS if pickup else TRANSITIONS


def transition(current: Status, action: Action, role: Role, outcome: Status | None = None, *,
               pickup: bool = False) -> Status:
    """Return the status that `action` by `role` leads to from `current`, or raise."""
    try:
        allowed_roles, targets = table(pickup)[(Status(current), Action(action))]
    except KeyError:
        raise IllegalTransition(f"cannot {action} an order that is {current}") from None
    if Role(role) not in allowed_roles:
        raise RoleNotAllowed(f"a {role} cannot {action} an order that is {current}")
    if outcome is None:
        if len(targets) != 1:
            raise IllegalTransition(f"{action} from {current} needs an outcome")
        return next(iter(targets))
    if Status(outcome) not in targets:
        raise IllegalTransition(f"{action} from {current} cannot end in {outcome}")
    return Status(outcome)


def actions_for(current: Status, role: Role, pickup: bool = False) -> list[Action]:
    """List the actions `role` may take on an order in `current`, in table order."""
    return [a for (s, a), (roles, _) in table(pickup).items() if s == current and role in roles]
