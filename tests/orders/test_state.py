"""The transition table, exhaustively: every (status, action, role) is either legal or refused."""
import itertools

import pytest

from webapp.orders.state import (
    FINAL,
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
    ("delivering", "fail", "courier"): {"delivery_failed"},
    ("arrived", "fail", "courier"): {"delivery_failed"},
    ("delivery_failed", "assign", "merchant"): {"dispatched"},
}

CASES = list(itertools.product(Status, Action, Role))


@pytest.mark.parametrize(("status", "action", "role"), CASES,
                         ids=[f"{s}-{a}-{r}" for s, a, r in CASES])
def test_every_transition(status, action, role):
    expected = EXPECTED.get((status.value, action.value, role.value))
    if expected is None:
        error = RoleNotAllowed if any(k[:2] == (status, action) for k in EXPECTED) \
            else IllegalTransition
        with pytest.raises(error):
            transition(status, action, role)
        for outcome in Status:
            with pytest.raises((RoleNotAllowed, IllegalTransition)):
                transition(status, action, role, outcome)
        return
    if len(expected) == 1:
        assert transition(status, action, role) == next(iter(expected))
    else:
        with pytest.raises(IllegalTransition):
            transition(status, action, role)
    for outcome in Status:
        if outcome.value in expected:
            assert transition(status, action, role, outcome) is outcome
        else:
            with pytest.raises(IllegalTransition):
                transition(status, action, role, outcome)


def test_table_matches_design_exactly():
    table = {(s.value, a.value, r.value): {t.value for t in targets}
             for (s, a), (r, targets) in TRANSITIONS.items()}
    assert table == EXPECTED


def test_final_states_have_no_way_out():
    for status, role in itertools.product(FINAL, Role):
        assert actions_for(status, role) == []


def test_actions_for_lists_what_each_role_may_do():
    assert actions_for(Status.PLACED, Role.MERCHANT) == [Action.ACCEPT, Action.REFUSE]
    assert actions_for(Status.PLACED, Role.BUYER) == [Action.CANCEL]
    assert actions_for(Status.ARRIVED, Role.COURIER) == [Action.FAIL]
    assert actions_for(Status.ARRIVED, Role.BUYER) == [Action.SIGN, Action.REFUSE]


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
