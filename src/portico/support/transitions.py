"""The case lifecycle: which status changes are allowed and who may make each one.

    New ──► Working ◄──► Waiting on customer
     │         │               │
     └────► Resolved ◄─────────┘
               │
               ▼
             Closed ──► Working   (customer: within SUPPORT_REOPEN_DAYS; agent: any time)

Customers never set a status directly: commenting on a Waiting or Resolved case moves it
back to Working, and "Reopen" moves a recently Closed case to Working. Agents make every
other change. A case closed as a merged duplicate is reopened only by an agent.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portico.support import conf
from portico.support.models import Actor, Case, CaseStatus

S = CaseStatus
A = Actor

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.NEW, S.WORKING): frozenset({A.AGENT}),
    (S.NEW, S.WAITING): frozenset({A.AGENT}),
    (S.NEW, S.RESOLVED): frozenset({A.AGENT}),
    (S.NEW, S.CLOSED): frozenset({A.AGENT}),
    (S.WORKING, S.WAITING): frozenset({A.AGENT}),
    (S.WORKING, S.RESOLVED): frozenset({A.AGENT}),
    (S.WORKING, S.CLOSED): frozenset({A.AGENT}),
    (S.WAITING, S.WORKING): frozenset({A.AGENT, A.CUSTOMER}),
    (S.WAITING, S.RESOLVED): frozenset({A.AGENT}),
    (S.WAITING, S.CLOSED): frozenset({A.AGENT}),
    (S.RESOLVED, S.WORKING): frozenset({A.AGENT, A.CUSTOMER}),
    (S.RESOLVED, S.CLOSED): frozenset({A.AGENT, A.SYSTEM}),
    (S.CLOSED, S.WORKING): frozenset({A.AGENT, A.CUSTOMER}),
}


class TransitionNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def reopen_deadline(case: Case) -> dt.datetime | None:
    if case.status != S.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + dt.timedelta(days=conf.reopen_days())


def customer_may_reopen(case: Case, *, now: dt.datetime | None = None) -> bool:
    deadline = reopen_deadline(case)
    if deadline is None or case.merged_into_id is not None:
        return False
    return (now or timezone.now()) <= deadline


def customer_may_comment(case: Case) -> bool:
    return case.status != S.CLOSED


def allowed_targets(case: Case, actor: str, *, now: dt.datetime | None = None) -> list[str]:
    """Statuses ``actor`` may move ``case`` to now, in the order of ``CaseStatus``."""
    return [
        target
        for target in S.values
        if target != case.status and _allowed(case, target, actor, now=now) is None
    ]


def _allowed(case: Case, target: str, actor: str, *, now: dt.datetime | None) -> str | None:
    """None when allowed; otherwise the reason, in words a person understands."""
    who = TRANSITIONS.get((case.status, target))
    if who is None:
        return f"A case that is {S(case.status).label} can't be moved to {S(target).label}."
    if actor not in who:
        return f"Only Customer Support can move a case to {S(target).label}."
    if case.status == S.CLOSED and actor == A.CUSTOMER:
        if case.merged_into_id is not None:
            return f"This case was merged into {case.merged_into}; comment on that case instead."
        if not customer_may_reopen(case, now=now):
            return (
                f"Closed cases can be reopened for {conf.reopen_days()} days after closing. "
                "Open a new case instead."
            )
    return None


def check_transition(
    case: Case, target: str, actor: str, *, now: dt.datetime | None = None
) -> None:
    if target not in S.values:
        raise TransitionNotAllowed("Choose a valid status.")
    reason = _allowed(case, target, actor, now=now)
    if reason:
        raise TransitionNotAllowed(reason)
