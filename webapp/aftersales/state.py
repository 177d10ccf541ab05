"""The after-sales state machine: which action moves a request from which status, and who may
take it. Pure Python, as webapp/orders/state.py: it imports nothing from the app but the users'
Role, the model imports its enums, and every status change of a request is first checked here
by transition() (webapp/aftersales/moves.py applies it with one conditional UPDATE).

    requested --agree(merchant) / timeout(system)--> refunded        (refund only)
                                                 --> awaiting_return (return and refund)
    requested --refuse(merchant)--> refused --escalate(buyer)--> escalated
    escalated --rule_for_buyer(admin)--> refunded | awaiting_return;  --rule_for_shop--> closed
    awaiting_return --ship(buyer)--> returning --receive(merchant) / timeout--> refunded
    refused | awaiting_return --timeout(system)--> closed (not escalated, not sent back in time)
    requested | refused | awaiting_return --withdraw(buyer)--> withdrawn
"""
from __future__ import annotations

from enum import StrEnum

from webapp.roles import Role


class Kind(StrEnum):
    REFUND_ONLY = "refund_only"      # 仅退款
    RETURN_REFUND = "return_refund"  # 退货退款


class Status(StrEnum):
    REQUESTED = "requested"              # waiting for the shop, until shop_deadline
    REFUSED = "refused"                  # the shop said no: the buyer may escalate
    ESCALATED = "escalated"              # the platform decides
    AWAITING_RETURN = "awaiting_return"  # agreed: the buyer sends the goods back
    RETURNING = "returning"              # sent back: the shop confirms receipt
    REFUNDED = "refunded"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    AGREE = "agree"
    REFUSE = "refuse"
    ESCALATE = "escalate"
    RULE_FOR_BUYER = "rule_for_buyer"
    RULE_FOR_SHOP = "rule_for_shop"
    SHIP = "ship"
    RECEIVE = "receive"
    WITHDRAW = "withdraw"
    TIMEOUT = "timeout"  # a deadline passed: silence answers as the table says


S, A, R = Status, Action, Role
# Agreeing ends a refund-only request, and sends a return-and-refund one to the return.
AGREED = frozenset({S.REFUNDED, S.AWAITING_RETURN})

# (from, action) -> (the one role allowed to take it, the statuses it may lead to).
TRANSITIONS: dict[tuple[Status, Action], tuple[Role, frozenset[Status]]] = {
    (S.REQUESTED, A.AGREE): (R.MERCHANT, AGREED),
    (S.REQUESTED, A.REFUSE): (R.MERCHANT, frozenset({S.REFUSED})),
    (S.REQUESTED, A.WITHDRAW): (R.BUYER, frozenset({S.WITHDRAWN})),
    (S.REQUESTED, A.TIMEOUT): (R.SYSTEM, AGREED),  # the shop's silence is agreement
    (S.REFUSED, A.ESCALATE): (R.BUYER, frozenset({S.ESCALATED})),
    (S.REFUSED, A.WITHDRAW): (R.BUYER, frozenset({S.WITHDRAWN})),
    (S.REFUSED, A.TIMEOUT): (R.SYSTEM, frozenset({S.CLOSED})),  # not escalated in time
    (S.ESCALATED, A.RULE_FOR_BUYER): (R.ADMIN, AGREED),
    (S.ESCALATED, A.RULE_FOR_SHOP): (R.ADMIN, frozenset({S.CLOSED})),
    (S.AWAITING_RETURN, A.SHIP): (R.BUYER, frozenset({S.RETURNING})),
    (S.AWAITING_RETURN, A.WITHDRAW): (R.BUYER, frozenset({S.WITHDRAWN})),
    (S.AWAITING_RETURN, A.TIMEOUT): (R.SYSTEM, frozenset({S.CLOSED})),  # never sent back
    (S.RETURNING, A.RECEIVE): (R.MERCHANT, frozenset({S.REFUNDED})),
    (S.RETURNING, A.TIMEOUT): (R.SYSTEM, frozenset({S.REFUNDED})),  # receipt not confirmed
}

FINAL = frozenset({S.REFUNDED, S.CLOSED, S.WITHDRAWN})
# Statuses with a deadline (AfterSale.due_at), which TIMEOUT answers when it has passed.
TIMED = frozenset(s for (s, a) in TRANSITIONS if a is A.TIMEOUT)
# A withdrawn request never happened: its quantities may be asked for again.
COUNTED = frozenset(set(S) - {S.WITHDRAWN})


class TransitionError(Exception):
    """An action that the table does not allow."""


class IllegalTransition(TransitionError):
    """The action does not apply to a request in this status."""


class RoleNotAllowed(TransitionError):
    """The action applies, but not for this role."""


def outcome_of(kind: Kind, action: Action, current: Status) -> Status | None:
    """Which of an agreement's two targets a request of `kind` takes (None: the only one)."""
    targets = TRANSITIONS.get((current, action), (None, frozenset()))[1]
    if targets != AGREED:
        return None
    return S.REFUNDED if Kind(kind) is Kind.REFUND_ONLY else S.AWAITING_RETURN


def transition(current: Status, action: Action, role: Role, outcome: Status | None = None) -> Status:
    """Return the status that `action` by `role` leads to from `current`, or raise."""
    try:
        allowed_role, targets = TRANSITIONS[(Status(current), Action(action))]
    except (KeyError, ValueError):
        raise IllegalTransition(f"cannot {action} a request that is {current}") from None
    if Role(role) is not allowed_role:
        raise RoleNotAllowed(f"a {role} cannot {action} a request that is {current}")
    if outcome is None:
        if len(targets) != 1:
            raise IllegalTransition(f"{action} from {current} needs an outcome")
        return next(iter(targets))
    if Status(outcome) not in targets:
        raise IllegalTransition(f"{action} from {current} cannot end in {outcome}")
    return Status(outcome)


def actions_for(current: Status, role: Role) -> list[Action]:
    """List the actions `role` may take on a request in `current`, in table order."""
    return [a for (s, a), (r, _) in TRANSITIONS.items() if s == current and r == role]
