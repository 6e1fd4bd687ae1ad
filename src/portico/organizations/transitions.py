"""The access-request lifecycle: one table of allowed status changes and who may make them.

::

    awaiting_signature ──sign (requester: upload / in-browser) ─┐
          │            ──attach_fax (staff) ────────────────────┤
          │                                                     ▼
          │                                                submitted ──start_review──▶ in_review
          │                                                     │  ▲                       │
          │                                     approve / deny / ask_more_info (staff) ◀───┘
          │                                                     ▼  │
          └── deny (staff) ──▶ denied          more_info ──reply (requester)──▶ submitted
                                approved       (terminal: approved, denied)

Approval needs a signature (the form is the signed authorisation), so it is only allowed
from ``submitted`` or ``in_review``, both of which come after a signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portico.organizations.models import AccessRequest

S = AccessRequest.Status


class Actor(StrEnum):
    REQUESTER = "requester"
    STAFF = "staff"


@dataclass(frozen=True)
class Transition:
    action: str
    source: frozenset[str]
    target: str
    actor: Actor


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "sign", frozenset({S.AWAITING_SIGNATURE, S.MORE_INFO}), S.SUBMITTED, Actor.REQUESTER
        ),
        Transition(
            "attach_fax",
            frozenset({S.AWAITING_SIGNATURE, S.MORE_INFO, S.SUBMITTED, S.IN_REVIEW}),
            S.SUBMITTED,
            Actor.STAFF,
        ),
        Transition("start_review", frozenset({S.SUBMITTED}), S.IN_REVIEW, Actor.STAFF),
        Transition("approve", frozenset({S.SUBMITTED, S.IN_REVIEW}), S.APPROVED, Actor.STAFF),
        Transition(
            "deny",
            frozenset({S.AWAITING_SIGNATURE, S.SUBMITTED, S.IN_REVIEW, S.MORE_INFO}),
            S.DENIED,
            Actor.STAFF,
        ),
        Transition(
            "ask_more_info", frozenset({S.SUBMITTED, S.IN_REVIEW}), S.MORE_INFO, Actor.STAFF
        ),
        Transition("reply", frozenset({S.MORE_INFO}), S.SUBMITTED, Actor.REQUESTER),
    ]
}


class TransitionNotAllowed(Exception):
    """The request's status does not allow this action (shown to the user as is)."""


def check(access_request: AccessRequest, action: str, actor: Actor) -> Transition:
    transition = TRANSITIONS[action]
    if transition.actor != actor:
        raise TransitionNotAllowed("You may not do that to this request.")
    if access_request.status not in transition.source:
        raise TransitionNotAllowed(
            f"A request that is “{access_request.get_status_display()}” cannot be changed this way."
        )
    return transition


def allowed_actions(access_request: AccessRequest, actor: Actor) -> set[str]:
    return {
        t.action
        for t in TRANSITIONS.values()
        if t.actor == actor and access_request.status in t.source
    }
