"""The money of a refunded request paid at the door (cash or card, no gateway payment to refund
through): a small table of its own, pure as webapp/aftersales/state.py, beside the request's
status (which is REFUNDED, final, all along).

    (none) --owe(system)--> owed --confirm(merchant)--> paid

The shop pays the buyer back outside the platform and says so; the platform records what the
shop said (when, how, a note) and never moves money. A buyer who did not receive it is told to
take it up with the shop: the request's own escalation (state.REFUSED -> ESCALATED) does not
apply to a request that is already refunded (see README, after-sales).
"""
from __future__ import annotations

from enum import StrEnum

from webapp.roles import Role


class DoorRefund(StrEnum):
    OWED = "owed"  # the shop owes the amount; the shop's list shows 待退款
    PAID = "paid"  # the shop says it paid it back (when, how, a note)


class DoorAction(StrEnum):
    OWE = "owe"          # the request ended refunded and nothing was paid through a gateway
    CONFIRM = "confirm"  # the shop says it paid it back


class DoorMethod(StrEnum):
    CASH = "cash"
    TRANSFER = "transfer"


D, DA = DoorRefund, DoorAction
# (from, action) -> (the one role allowed to take it, the status it leads to). None: no door
# refund yet (a request not refunded, or refunded through a gateway).
DOOR_TRANSITIONS: dict[tuple[DoorRefund | None, DoorAction], tuple[Role, DoorRefund]] = {
    (None, DA.OWE): (Role.SYSTEM, D.OWED),
    (D.OWED, DA.CONFIRM): (Role.MERCHANT, D.PAID),
}
DOOR_FINAL = frozenset({D.PAID})


class DoorTransitionError(Exception):
    """An action that the door-refund table does not allow."""


class DoorIllegal(DoorTransitionError):
    """The action does not apply to a door refund in this status (or to no door refund)."""


class DoorRoleNotAllowed(DoorTransitionError):
    """The action applies, but not for this role."""


def door_transition(current: DoorRefund | None, action: DoorAction, role: Role) -> DoorRefund:
    """Return the status `action` by `role` leads to from `current`, or raise."""
    try:
        key = (DoorRefund(current) if current is not None else None, DoorAction(action))
        allowed_role, target = DOOR_TRANSITIONS[key]
    except (KeyError, ValueError):
        raise DoorIllegal(f"cannot {action} a door refund that is {current}") from None
    if Role(role) is not allowed_role:
        raise DoorRoleNotAllowed(f"a {role} cannot {action} a door refund that is {current}")
    return target


def door_actions_for(current: DoorRefund | None, role: Role) -> list[DoorAction]:
    """The actions `role` may take on a door refund in `current`, in table order."""
    return [a for (s, a), (r, _) in DOOR_TRANSITIONS.items() if s == current and r == role]
