"""The provider-level adjustment (835 PLB) lifecycle: which status changes are allowed and who
may make them.

::

    Queued ──► Applied     (system: the payment run puts it in a payment and its 835)
       │
       └─────► Cancelled   (examiner, while it is still queued)

Applied and cancelled are final: an applied adjustment is in a payment's 835 already (undo it
with an opposite adjustment in a later run).
"""

from __future__ import annotations

from portico.remittance.models import ProviderAdjustmentStatus


class Actor:
    SYSTEM = "system"
    EXAMINER = "examiner"


S = ProviderAdjustmentStatus
SY, EX = Actor.SYSTEM, Actor.EXAMINER

PROVIDER_ADJUSTMENT_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.QUEUED, S.APPLIED): frozenset({SY}),
    (S.QUEUED, S.CANCELLED): frozenset({EX}),
}


class TransitionNotAllowed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def provider_adjustment_can(status: str, target: str, actor: str) -> bool:
    return actor in PROVIDER_ADJUSTMENT_TRANSITIONS.get((status, target), frozenset())


def check_provider_adjustment_transition(status: str, target: str, actor: str) -> None:
    who = PROVIDER_ADJUSTMENT_TRANSITIONS.get((status, target))
    if who is None:
        raise TransitionNotAllowed(
            f"A provider-level adjustment that is {S(status).label.lower()} can't be "
            f"{S(target).label.lower()}."
        )
    if actor not in who:
        raise TransitionNotAllowed(
            f"You can't mark a provider-level adjustment {S(target).label.lower()}."
        )
