import datetime as dt

import pytest
from django.utils import timezone

from portico.support.models import Actor, Case, CaseStatus
from portico.support.transitions import (
    TRANSITIONS,
    TransitionNotAllowed,
    allowed_targets,
    check_transition,
    customer_may_reopen,
)

S = CaseStatus


def _case(status, **kw):
    return Case(status=status, **kw)


def test_every_status_pair_is_decided_by_the_table():
    for (src, dst), actors in TRANSITIONS.items():
        assert src != dst
        assert actors <= set(Actor.values)
    # Nothing leaves Closed but a reopen to Working.
    assert {dst for (src, dst) in TRANSITIONS if src == S.CLOSED} == {S.WORKING}


def test_customer_moves_only_back_to_working():
    assert allowed_targets(_case(S.NEW), Actor.CUSTOMER) == []
    assert allowed_targets(_case(S.WORKING), Actor.CUSTOMER) == []
    assert allowed_targets(_case(S.WAITING), Actor.CUSTOMER) == [S.WORKING]
    assert allowed_targets(_case(S.RESOLVED), Actor.CUSTOMER) == [S.WORKING]


def test_agent_may_move_an_open_case_anywhere_forward():
    assert allowed_targets(_case(S.NEW), Actor.AGENT) == [
        S.WORKING,
        S.WAITING,
        S.RESOLVED,
        S.CLOSED,
    ]
    with pytest.raises(TransitionNotAllowed, match="can't be moved"):
        check_transition(_case(S.WORKING), S.NEW, Actor.AGENT)
    with pytest.raises(TransitionNotAllowed, match="Only Customer Support"):
        check_transition(_case(S.WORKING), S.RESOLVED, Actor.CUSTOMER)
    with pytest.raises(TransitionNotAllowed, match="valid status"):
        check_transition(_case(S.WORKING), "bogus", Actor.AGENT)


def test_customer_reopens_within_the_configured_window(settings):
    now = timezone.now()
    recent = _case(S.CLOSED, closed_at=now - dt.timedelta(days=13))
    old = _case(S.CLOSED, closed_at=now - dt.timedelta(days=15))
    assert customer_may_reopen(recent, now=now)
    check_transition(recent, S.WORKING, Actor.CUSTOMER, now=now)
    assert not customer_may_reopen(old, now=now)
    with pytest.raises(TransitionNotAllowed, match="14 days"):
        check_transition(old, S.WORKING, Actor.CUSTOMER, now=now)
    check_transition(old, S.WORKING, Actor.AGENT, now=now)  # agents any time
    settings.SUPPORT_REOPEN_DAYS = 30
    assert customer_may_reopen(old, now=now)


def test_a_merged_duplicate_is_not_reopened_by_the_customer():
    survivor = Case(pk=1, number="CS-2026-000001", status=S.WORKING)
    dup = _case(S.CLOSED, closed_at=timezone.now(), merged_into=survivor)
    assert not customer_may_reopen(dup)
    with pytest.raises(TransitionNotAllowed, match="merged into CS-2026-000001"):
        check_transition(dup, S.WORKING, Actor.CUSTOMER)
