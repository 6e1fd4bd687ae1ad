"""The one table of allowed status changes and who may make them.

States are the statuses plus ``WITHDRAWN``: administrative withdrawal is an event that keeps
the status (decision 0021) but closes the request, so it is a row of this table and nothing
leaves it. Callers pass ``request.state``, not ``request.status``.

Actors: ``office`` (a practice user with the Prior Authorization grant), ``system``
(automatic answers such as Submission not required), ``reviewer`` (UM_REVIEWER) and
``clinical`` (CLINICAL_REVIEWER: the only role that may deny, fully or partly).
"""

from __future__ import annotations

from typing import Any

from portico.identity.roles import StaffRole, has_staff_role
from portico.priorauth.models import WITHDRAWN, Status, state_label

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
    # Administrative withdrawal of an open request (the status stays; the request closes).
    (Status.RECEIVED, WITHDRAWN): frozenset({REVIEWER, CLINICAL}),
    (Status.IN_REVIEW, WITHDRAWN): frozenset({REVIEWER, CLINICAL}),
    (Status.SEND_BACK, WITHDRAWN): frozenset({REVIEWER, CLINICAL}),
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
    check_not_withdrawn(current)
    if target in (Status.DENIED, Status.PARTIALLY_APPROVED) and actor == REVIEWER:
        raise TransitionNotAllowed(
            "Only clinical reviewers may deny a request in whole or in part."
        )
    raise TransitionNotAllowed(
        f"A request that is {state_label(current)} cannot be changed to {state_label(target)}."
    )


def check_not_withdrawn(current: str) -> None:
    """Refuse any change to a withdrawn request (before looking at what was asked)."""
    if current == WITHDRAWN:
        raise TransitionNotAllowed(
            "This request was administratively withdrawn and is closed; it cannot be changed."
        )
