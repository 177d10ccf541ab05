"""A return's state machine: goods coming back to the shop (a failed delivery called off or
taken back, lines refused at the door) wait for the shop to confirm it has them.

Pure Python, like webapp/orders/state.py (whose errors it raises): models import its enums, and
every change of an `OrderReturn`'s status is checked here first, then made with one conditional
UPDATE (webapp/orders/returns.py), so two taps restock the goods once.
"""
from __future__ import annotations

from enum import StrEnum

from webapp.orders.state import IllegalTransition, RoleNotAllowed
from webapp.roles import Role


class ReturnCause(StrEnum):
    FAILED_DELIVERY = "failed_delivery"  # the delivery failed and the order was ended
    REFUSED_AT_DOOR = "refused_at_door"  # lines the buyer rejected when signing


class ReturnStatus(StrEnum):
    AWAITED = "awaited"          # on its way back: the shop has not confirmed receiving it
    RESTOCKED = "restocked"      # received; its lines are back on sale
    WRITTEN_OFF = "written_off"  # received, not fit to sell again: stock left as it is


class ReturnAction(StrEnum):
    RESTOCK = "restock"
    WRITE_OFF = "write_off"


# (from, action) -> (the roles allowed to take it, the status it leads to).
RETURN_MOVES: dict[tuple[ReturnStatus, ReturnAction], tuple[frozenset[Role], ReturnStatus]] = {
    (ReturnStatus.AWAITED, ReturnAction.RESTOCK): (frozenset({Role.MERCHANT}),
                                                   ReturnStatus.RESTOCKED),
    (ReturnStatus.AWAITED, ReturnAction.WRITE_OFF): (frozenset({Role.MERCHANT}),
                                                     ReturnStatus.WRITTEN_OFF),
}
FINAL_RETURNS = frozenset({ReturnStatus.RESTOCKED, ReturnStatus.WRITTEN_OFF})


def return_move(current: ReturnStatus, action: ReturnAction, role: Role) -> ReturnStatus:
    """Return the status `action` by `role` leads a return in `current` to, or raise."""
    try:
        roles, target = RETURN_MOVES[(ReturnStatus(current), ReturnAction(action))]
    except KeyError:
        raise IllegalTransition(f"cannot {action} a return that is {current}") from None
    if Role(role) not in roles:
        raise RoleNotAllowed(f"a {role} cannot {action} a return")
    return target
