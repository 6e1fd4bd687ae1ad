"""The claim and appeal lifecycles: which status changes are allowed and who may make them.

Claim::

    Draft ──► Received ──► Accepted ──► In process ◄──► Pended
                 │            │             │             │
                 ▼            │             ▼             ▼
              Rejected        └──► Finalized paid / denied / partially paid
                                             │
                                             ▼
                                 Adjusted (re-adjudicated: appeal overturned, replacement
                                 claim 7, examiner correction) ──► Finalized … again
                                 Voided (void claim 8, or provider/examiner void)

* ``provider``: the practice's users (web form, API, X12 upload) — draft → received, and
  voiding a claim that has not yet been finalized through the portal (frequency 8 does the
  same in X12).
* ``system``: intake and automatic adjudication (277CA front-end edits, fee schedule).
* ``examiner``: the claims back office (``StaffRole.CLAIMS_EXAMINER``).

A replacement claim (frequency 7) moves its original to Adjusted (or Voided when the
original was never finalized); a void (8) moves it to Voided. An Adjusted claim may be
finalized again by re-adjudication (an overturned appeal).

Appeal::

    Received ──► In review ──► Upheld / Overturned / Partially overturned
       │             │
       └─────────────┴──► Withdrawn (provider, while open)
"""

from __future__ import annotations

from portico.claims.models import AppealStatus, ClaimStatus


class Actor:
    PROVIDER = "provider"
    SYSTEM = "system"
    EXAMINER = "examiner"


S = ClaimStatus
A = AppealStatus
P, SY, EX = Actor.PROVIDER, Actor.SYSTEM, Actor.EXAMINER

_FINAL = (S.FINALIZED_PAID, S.FINALIZED_DENIED, S.FINALIZED_PARTIAL)

CLAIM_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.DRAFT, S.RECEIVED): frozenset({P, SY}),
    (S.RECEIVED, S.ACCEPTED): frozenset({SY, EX}),
    (S.RECEIVED, S.REJECTED): frozenset({SY, EX}),
    (S.ACCEPTED, S.IN_PROCESS): frozenset({SY, EX}),
    (S.ACCEPTED, S.PENDED): frozenset({SY, EX}),
    (S.IN_PROCESS, S.PENDED): frozenset({SY, EX}),
    (S.PENDED, S.IN_PROCESS): frozenset({SY, EX}),
    # Finalization (automatic adjudication or examiner).
    **{(src, dst): frozenset({SY, EX}) for src in (S.ACCEPTED, S.IN_PROCESS) for dst in _FINAL},
    **{(S.PENDED, dst): frozenset({SY, EX}) for dst in _FINAL},
    # Re-adjudication / replacement / void of a finalized claim.
    **{(src, S.ADJUSTED): frozenset({SY, EX}) for src in _FINAL},
    **{(src, S.VOIDED): frozenset({SY, EX}) for src in _FINAL},
    **{(S.ADJUSTED, dst): frozenset({SY, EX}) for dst in _FINAL},
    (S.ADJUSTED, S.VOIDED): frozenset({SY, EX}),
    (S.ADJUSTED, S.IN_PROCESS): frozenset({SY, EX}),
    # Void before finalization: the provider (void claim / portal), system or examiner.
    **{(src, S.VOIDED): frozenset({P, SY, EX}) for src in (S.RECEIVED, S.ACCEPTED, S.PENDED)},
    (S.IN_PROCESS, S.VOIDED): frozenset({SY, EX}),
}

APPEAL_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (A.RECEIVED, A.IN_REVIEW): frozenset({SY, EX}),
    (A.RECEIVED, A.WITHDRAWN): frozenset({P}),
    (A.IN_REVIEW, A.WITHDRAWN): frozenset({P}),
    **{
        (src, dst): frozenset({EX})
        for src in (A.RECEIVED, A.IN_REVIEW)
        for dst in (A.UPHELD, A.OVERTURNED, A.PARTIALLY_OVERTURNED)
    },
}

# Claim statuses an appeal may be filed against (a decision exists to dispute).
APPEALABLE_CLAIM_STATUSES = frozenset({*_FINAL, S.ADJUSTED, S.REJECTED})
# Statuses whose claim a provider may still edit (web drafts only).
EDITABLE_CLAIM_STATUSES = frozenset({S.DRAFT})
# Statuses a replacement (7) or void (8) may refer to.
REPLACEABLE_CLAIM_STATUSES = frozenset(
    {S.RECEIVED, S.ACCEPTED, S.IN_PROCESS, S.PENDED, *_FINAL, S.ADJUSTED}
)


class TransitionNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def claim_allowed_targets(status: str, actor: str) -> list[str]:
    return [dst for (src, dst), who in CLAIM_TRANSITIONS.items() if src == status and actor in who]


def check_claim_transition(status: str, target: str, actor: str) -> None:
    who = CLAIM_TRANSITIONS.get((status, target))
    if who is None:
        raise TransitionNotAllowed(
            f"A claim that is {S(status).label} can't be moved to {S(target).label}."
        )
    if actor not in who:
        raise TransitionNotAllowed(f"You can't move a claim to {S(target).label}.")


def appeal_allowed_targets(status: str, actor: str) -> list[str]:
    return [dst for (src, dst), who in APPEAL_TRANSITIONS.items() if src == status and actor in who]


def check_appeal_transition(status: str, target: str, actor: str) -> None:
    who = APPEAL_TRANSITIONS.get((status, target))
    if who is None:
        raise TransitionNotAllowed(
            f"An appeal that is {A(status).label} can't be moved to {A(target).label}."
        )
    if actor not in who:
        raise TransitionNotAllowed(f"You can't move an appeal to {A(target).label}.")
