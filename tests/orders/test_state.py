"""The transition table, exhaustively: every (status, action, role) is either legal or refused."""
import itertools

import pytest

from webapp.orders.state import (
    FINAL,
    PICKUP_TRANSITIONS,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Role,
    RoleNotAllowed,
    Status,
    actions_for,
    transition,
)

# Written out by hand from DESIGN.md, independently of the table under test.
EXPECTED = {
    # Issue 18: an order paid online waits for the gateway before it is placed.
    ("awaiting_payment", "pay", "system"): {"placed"},
    ("awaiting_payment", "cancel", "buyer"): {"cancelled"},
    ("awaiting_payment", "expire", "system"): {"cancelled"},
    ("placed", "accept", "merchant"): {"accepted"},
    ("placed", "refuse", "merchant"): {"cancelled"},
    ("placed", "cancel", "buyer"): {"cancelled"},
    ("placed", "expire", "system"): {"cancelled"},  # issue 4: not accepted in time
    ("accepted", "cancel", "merchant"): {"cancelled"},
    ("accepted", "assign", "merchant"): {"dispatched"},
    ("dispatched", "start", "courier"): {"delivering"},
    ("delivering", "arrive", "courier"): {"arrived"},
    ("arrived", "sign", "buyer"): {"completed", "partially_refused"},
    ("arrived", "refuse", "buyer"): {"refused"},
    # Issue 19: signed on the courier's phone, with the receipt code (signing.sign checks it).
    ("arrived", "sign", "courier"): {"completed", "partially_refused"},
    ("arrived", "refuse", "courier"): {"refused"},
    ("delivering", "fail", "courier"): {"delivery_failed"},
    ("arrived", "fail", "courier"): {"delivery_failed"},
    ("delivery_failed", "assign", "merchant"): {"dispatched"},
    # Issue 19: a failed delivery gets a new window, is called off or taken back, or expires.
    ("delivery_failed", "reschedule", "buyer"): {"accepted"},
    ("delivery_failed", "reschedule", "merchant"): {"accepted"},
    ("delivery_failed", "cancel", "buyer"): {"cancelled"},
    ("delivery_failed", "cancel", "merchant"): {"cancelled"},
    ("delivery_failed", "take_back", "merchant"): {"returned"},
    ("delivery_failed", "expire", "system"): {"returned"},
}

# Issue 21: an order collected at the shop (到店自取). No courier: nothing is assigned, started,
# arrived at or failed, and nobody signs on a courier's phone. The shop hands the goods over at
# the counter (the buyer then inspects and signs on their phone), or marks them picked up with
# the code the buyer shows. Written out by hand too.
EXPECTED_PICKUP = {
    ("awaiting_payment", "pay", "system"): {"placed"},
    ("awaiting_payment", "cancel", "buyer"): {"cancelled"},
    ("awaiting_payment", "expire", "system"): {"cancelled"},
    ("placed", "accept", "merchant"): {"accepted"},
    ("placed", "refuse", "merchant"): {"cancelled"},
    ("placed", "cancel", "buyer"): {"cancelled"},
    ("placed", "expire", "system"): {"cancelled"},
    ("accepted", "cancel", "merchant"): {"cancelled"},
    ("accepted", "hand_over", "merchant"): {"arrived"},
    ("accepted", "pick_up", "merchant"): {"completed"},
    ("arrived", "sign", "buyer"): {"completed", "partially_refused"},
    ("arrived", "refuse", "buyer"): {"refused"},
}

CASES = [(pickup, *case) for pickup in (False, True)
         for case in itertools.product(Status, Action, Role)]


@pytest.mark.parametrize(("pickup", "status", "action", "role"), CASES,
                         ids=[f"{'pickup' if p else 'delivery'}-{s}-{a}-{r}"
                              for p, s, a, r in CASES])
def test_every_transition(pickup, status, action, role):
    table = EXPECTED_PICKUP if pickup else EXPECTED
    expected = table.get((status.value, action.value, role.value))
    if expected is None:
        error = RoleNotAllowed if any(k[:2] == (status, action) for k in table) \
            else IllegalTransition
        with pytest.raises(error):
            transition(status, action, role, pickup=pickup)
        for outcome in Status:
            with pytest.raises((RoleNotAllowed, IllegalTransition)):
                transition(status, action, role, outcome, pickup=pickup)
        return
    if len(expected) == 1:
        assert transition(status, action, role, pickup=pickup) == next(iter(expected))
    else:
        with pytest.raises(IllegalTransition):
            transition(status, action, role, pickup=pickup)
    for outcome in Status:
        if outcome.value in expected:
            assert transition(status, action, role, outcome, pickup=pickup) is outcome
        else:
            with pytest.raises(IllegalTransition):
                transition(status, action, role, outcome, pickup=pickup)


@pytest.mark.parametrize(("transitions", "expected"), [(TRANSITIONS, EXPECTED),
                                                       (PICKUP_TRANSITIONS, EXPECTED_PICKUP)],
                         ids=["delivery", "pickup"])
def test_table_matches_design_exactly(transitions, expected):
    table = {(s.value, a.value, r.value): {t.value for t in targets}
             for (s, a), (roles, targets) in transitions.items() for r in roles}
    assert table == expected


def test_final_states_have_no_way_out():
    for status, role, pickup in itertools.product(FINAL, Role, (False, True)):
        assert actions_for(status, role, pickup) == []


def test_actions_for_lists_what_each_role_may_do():
    assert actions_for(Status.PLACED, Role.MERCHANT) == [Action.ACCEPT, Action.REFUSE]
    assert actions_for(Status.PLACED, Role.BUYER) == [Action.CANCEL]
    assert actions_for(Status.ARRIVED, Role.COURIER) == [Action.SIGN, Action.REFUSE, Action.FAIL]
    assert actions_for(Status.ARRIVED, Role.BUYER) == [Action.SIGN, Action.REFUSE]
    assert actions_for(Status.DELIVERY_FAILED, Role.BUYER) == [Action.RESCHEDULE, Action.CANCEL]
    assert actions_for(Status.DELIVERY_FAILED, Role.MERCHANT) == [
        Action.ASSIGN, Action.RESCHEDULE, Action.CANCEL, Action.TAKE_BACK]
    assert actions_for(Status.ACCEPTED, Role.MERCHANT) == [Action.CANCEL, Action.ASSIGN]
    assert actions_for(Status.ACCEPTED, Role.MERCHANT, pickup=True) == [
        Action.CANCEL, Action.HAND_OVER, Action.PICK_UP]
    assert actions_for(Status.ARRIVED, Role.COURIER, pickup=True) == []


def test_state_module_imports_nothing_from_the_app_but_roles():
    import ast
    import inspect

    from webapp import roles
    from webapp.orders import state

    def app_imports(module) -> list[str]:
        tree = ast.parse(inspect.getsource(module))
        modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        return [m for m in modules if m and m.startswith("webapp")]

    assert app_imports(state) == ["webapp.roles"]
    assert app_imports(roles) == []
