"""The one table of allowed status changes and who may make them.

Actors: ``office`` (a practice user with the Prior Authorization grant), ``system``
(automatic answers such as Submission not required), ``reviewer`` (UM_REVIEWER) and
``clinical`` (CLINICAL_REVIEWER: the only role that may deny, fully or partly).
"""

from __future__ import annotations

from typing import Any

from portico.identity.roles import StaffRole, has_staff_role
from portico.priorauth.models import Status

OFFICE, SYSTEM, REVIEWER, CLINICAL = "office", "system", "reviewer", "clinical"

DECISIONS = (Status.APPROVED, Status.DENIED, Status.PARTIALLY_APPROVED)

TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.DRAFT, Status.RECEIVED): frozenset({OFFICE, REVIEWER}),
    (Status.DRAFT, Status.NOT_REQUIRED): frozenset({SYSTEM}),
    (Status.RECEIVED, Status.IN_REVIEW): frozenset({REVIEWER, CLINICAL}),
    (Status.RECEIVED, Status.SEND_BACK): frozenset({REVIEWER, CLINICAL}),
    (Status.IN_REVIEW, Status.SEND_BACK): frozenset({REVIEWER, CLINICAL}),
    (Status.SEND_BACK, Status.IN_REVIEW): frozenset({OFFICE}),
    (Status.RECEIVED, Status.APPROVED): frozenset({REVIEWER, CLINICAL}),
    (Status.IN_REVIEW, Status.APPROVED): frozenset({REVIEWER, CLINICAL}),
    (Status.RECEIVED, Status.DENIED): frozenset({CLINICAL}),
    (Status.IN_REVIEW, Status.DENIED): frozenset({CLINICAL}),
    (Status.SEND_BACK, Status.DENIED): frozenset({CLINICAL}),  # lack of information
    (Status.RECEIVED, Status.PARTIALLY_APPROVED): frozenset({CLINICAL}),
    (Status.IN_REVIEW, Status.PARTIALLY_APPROVED): frozenset({CLINICAL}),
}


class TransitionNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def staff_actor(user: Any) -> str | None:
    """The strongest review role ``user`` holds, or None for non-reviewers."""
    if has_staff_role(user, StaffRole.CLINICAL_REVIEWER):
        return CLINICAL
    if has_staff_role(user, StaffRole.UM_REVIEWER):
        return REVIEWER
    return None


def may(current: str, target: str, actor: str) -> bool:
    allowed = TRANSITIONS.get((current, target), frozenset())
    # A clinical reviewer may do everything a reviewer may.
    return actor in allowed or (actor == CLINICAL and REVIEWER in allowed)


def check(current: str, target: str, actor: str) -> None:
    if may(current, target, actor):
        return
    if target in (Status.DENIED, Status.PARTIALLY_APPROVED) and actor == REVIEWER:
        raise TransitionNotAllowed(
            "Only clinical reviewers may deny a request in whole or in part."
        )
    raise TransitionNotAllowed(
        f"A request that is {Status(current).label} cannot be changed to {Status(target).label}."
    )
