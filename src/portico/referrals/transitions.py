"""The referral lifecycle: which status changes are allowed and who may make each one.

    Submitted ──► Approved (plan rules) ──► Used     (visits counted against claims)
        │             │  ▲                  │
        │             │  └──────────────────┘ (a claim's use released)
        │             ├──► Expired  (end date passed, by the nightly task)
        │             └──► Cancelled
        └──► Pending review ──► Approved | Denied   (a UM reviewer decides)
                   ├──► Cancelled
                   └──► Expired  (no decision before the end date)

Provider offices submit and cancel; plan reviewers (staff role UM reviewer) approve, deny and
cancel; the system applies the plan rules, counts visits and expires. An approved referral
whose visits have started being used can no longer be cancelled by the office.
"""

from __future__ import annotations

from portico.referrals.models import Actor, Referral, ReferralStatus

S = ReferralStatus
A = Actor

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.SUBMITTED, S.APPROVED): frozenset({A.SYSTEM, A.REVIEWER}),
    (S.SUBMITTED, S.PENDING_REVIEW): frozenset({A.SYSTEM}),
    (S.SUBMITTED, S.DENIED): frozenset({A.REVIEWER}),
    (S.SUBMITTED, S.CANCELLED): frozenset({A.PROVIDER, A.REVIEWER}),
    (S.SUBMITTED, S.EXPIRED): frozenset({A.SYSTEM}),
    (S.PENDING_REVIEW, S.APPROVED): frozenset({A.REVIEWER}),
    (S.PENDING_REVIEW, S.DENIED): frozenset({A.REVIEWER}),
    (S.PENDING_REVIEW, S.CANCELLED): frozenset({A.PROVIDER, A.REVIEWER}),
    (S.PENDING_REVIEW, S.EXPIRED): frozenset({A.SYSTEM}),
    (S.APPROVED, S.USED): frozenset({A.SYSTEM}),
    (S.APPROVED, S.EXPIRED): frozenset({A.SYSTEM}),
    (S.APPROVED, S.CANCELLED): frozenset({A.PROVIDER, A.REVIEWER}),
    (S.USED, S.APPROVED): frozenset({A.SYSTEM}),
}


class TransitionNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _reason(referral: Referral, target: str, actor: str) -> str | None:
    """None when allowed; otherwise why not, in words a person understands."""
    who = TRANSITIONS.get((referral.status, target))
    current = S(referral.status).label
    if who is None:
        return f"A referral that is {current} can't be changed to {S(target).label}."
    if actor not in who:
        if target == S.CANCELLED:
            return f"A referral that is {current} can't be cancelled."
        return f"Only the plan can change a referral to {S(target).label}."
    if (
        target == S.CANCELLED
        and actor == A.PROVIDER
        and referral.status == S.APPROVED
        and referral.visits_used
    ):
        return (
            "Visits have already been billed against this referral, so it can't be cancelled. "
            "Call Provider Services to shorten it."
        )
    return None


def may(referral: Referral, target: str, actor: str) -> bool:
    return target in S.values and _reason(referral, target, actor) is None


def check_transition(referral: Referral, target: str, actor: str) -> None:
    if target not in S.values:
        raise TransitionNotAllowed("Choose a valid status.")
    reason = _reason(referral, target, actor)
    if reason:
        raise TransitionNotAllowed(reason)
