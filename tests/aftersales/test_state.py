"""The after-sales table itself: every status x action x role, the two outcomes of agreeing,
and a way from every status to a final one."""
from __future__ import annotations

import itertools

import pytest

from webapp.aftersales.door_state import (
    DOOR_FINAL,
    DOOR_TRANSITIONS,
    DoorAction,
    DoorIllegal,
    DoorRefund,
    DoorRoleNotAllowed,
    door_actions_for,
    door_transition,
)
from webapp.aftersales.state import (
    AGREED,
    FINAL,
    TIMED,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Kind,
    RoleNotAllowed,
    Status,
    actions_for,
    outcome_of,
    transition,
)
from webapp.roles import Role

S, A, R = Status, Action, Role


@pytest.mark.parametrize(("status", "action", "role"),
                         list(itertools.product(Status, Action, Role)))
def test_every_cell_of_the_table(status, action, role):
    entry = TRANSITIONS.get((status, action))
    outcome = outcome_of(Kind.RETURN_REFUND, action, status)
    if entry is None:
        with pytest.raises(IllegalTransition):
            transition(status, action, role, outcome)
    elif entry[0] is not role:
        with pytest.raises(RoleNotAllowed):
            transition(status, action, role, outcome)
    else:
        assert transition(status, action, role, outcome) in entry[1]


@pytest.mark.parametrize(("kind", "target"), [(Kind.REFUND_ONLY, S.REFUNDED),
                                              (Kind.RETURN_REFUND, S.AWAITING_RETURN)])
@pytest.mark.parametrize(("status", "action", "role"), [
    (S.REQUESTED, A.AGREE, R.MERCHANT), (S.REQUESTED, A.TIMEOUT, R.SYSTEM),
    (S.ESCALATED, A.RULE_FOR_BUYER, R.ADMIN)])
def test_agreeing_refunds_or_asks_for_the_goods_back(kind, target, status, action, role):
    assert transition(status, action, role, outcome_of(kind, action, status)) is target
    with pytest.raises(IllegalTransition):
        transition(status, action, role)  # agreeing needs its outcome


def test_final_statuses_have_no_way_out_and_every_other_has_a_way_to_one():
    assert not [key for key in TRANSITIONS if key[0] in FINAL]
    assert FINAL == {S.REFUNDED, S.CLOSED, S.WITHDRAWN}
    reach = {status: {t for (s, _), (_, targets) in TRANSITIONS.items() if s == status
                      for t in targets} for status in Status}
    for status in set(Status) - FINAL:
        seen, todo = set(), [status]
        while todo:
            for nxt in reach[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        assert seen & FINAL, status


def test_only_the_escalated_request_waits_without_a_deadline():
    """Every open status but the platform's has a deadline that moves it on by itself."""
    assert TIMED == set(Status) - FINAL - {S.ESCALATED}
    assert AGREED == {S.REFUNDED, S.AWAITING_RETURN}


def test_actions_for_each_party():
    assert actions_for(S.REQUESTED, R.MERCHANT) == [A.AGREE, A.REFUSE]
    assert actions_for(S.REQUESTED, R.BUYER) == [A.WITHDRAW]
    assert actions_for(S.REFUSED, R.BUYER) == [A.ESCALATE, A.WITHDRAW]
    assert actions_for(S.ESCALATED, R.ADMIN) == [A.RULE_FOR_BUYER, A.RULE_FOR_SHOP]
    assert actions_for(S.RETURNING, R.MERCHANT) == [A.RECEIVE]
    assert actions_for(S.REFUNDED, R.BUYER) == []


@pytest.mark.parametrize(("status", "action", "role"), list(itertools.product(
    [None, *DoorRefund], DoorAction, Role)))
def test_every_cell_of_the_door_refund_table(status, action, role):
    entry = DOOR_TRANSITIONS.get((status, action))
    if entry is None:
        with pytest.raises(DoorIllegal):
            door_transition(status, action, role)
    elif entry[0] is not role:
        with pytest.raises(DoorRoleNotAllowed):
            door_transition(status, action, role)
    else:
        assert door_transition(status, action, role) is entry[1]


def test_a_door_refund_is_owed_then_confirmed_by_its_shop_and_that_is_final():
    assert door_transition(None, DoorAction.OWE, R.SYSTEM) is DoorRefund.OWED
    assert door_transition(DoorRefund.OWED, DoorAction.CONFIRM, R.MERCHANT) is DoorRefund.PAID
    assert not [key for key in DOOR_TRANSITIONS if key[0] in DOOR_FINAL]
    assert door_actions_for(DoorRefund.OWED, R.MERCHANT) == [DoorAction.CONFIRM]
    assert door_actions_for(DoorRefund.OWED, R.BUYER) == []
    assert door_actions_for(DoorRefund.PAID, R.MERCHANT) == []
    assert door_actions_for(None, R.MERCHANT) == []
