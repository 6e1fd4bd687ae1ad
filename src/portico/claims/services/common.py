"""Shared writes: claim/appeal numbers and status changes (used by every claims service and
by the back office's adjudication and appeal review)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.claims.models import (
    Appeal,
    AppealStatusEvent,
    Claim,
    ClaimNumberSequence,
    ClaimStatusEvent,
)
from portico.claims.transitions import check_appeal_transition, check_claim_transition
from portico.core.audit import audit_record

CLAIM_PREFIX = "C"
APPEAL_PREFIX = "A"


class ClaimError(Exception):
    """A business rule refused the request; ``message`` is for the user, ``field`` optional."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class StaleObjectError(ClaimError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this record while you were working on it. Reload and try again.",
            code="stale",
        )


def numbers_allocate(*, prefix: str, count: int = 1) -> list[str]:
    """``count`` new numbers like ``C20260000042`` (prefix + year + 7+ digit sequence)."""
    year = timezone.now().year
    with transaction.atomic():
        ClaimNumberSequence.objects.get_or_create(prefix=prefix, year=year)
        seq = ClaimNumberSequence.objects.select_for_update().get(prefix=prefix, year=year)
        first = seq.last + 1
        seq.last += count
        seq.save(update_fields=["last"])
    return [f"{prefix}{year}{n:07d}" for n in range(first, first + count)]


def claim_status_change(
    *,
    claim: Claim,
    to_status: str,
    actor_kind: str,
    user: Any = None,
    note: str = "",
    category_code: str = "",
    status_code: str = "",
    entity_code: str = "",
    expected_version: int | None = None,
    audit: bool = True,
) -> Claim:
    """Move ``claim`` to ``to_status`` if the lifecycle allows ``actor_kind`` to.

    Locks the row, checks the optimistic ``version`` when given, records the status history
    and the audit event in the caller's transaction.
    """
    with transaction.atomic():
        locked = Claim.objects.select_for_update(of=("self",)).get(pk=claim.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleObjectError()
        check_claim_transition(locked.status, to_status, actor_kind)
        now = timezone.now()
        ClaimStatusEvent.objects.create(
            claim=locked,
            from_status=locked.status,
            to_status=to_status,
            at=now,
            by=user if getattr(user, "is_authenticated", False) else None,
            note=note[:500],
            category_code=category_code,
            status_code=status_code,
            entity_code=entity_code,
        )
        before = locked.status
        locked.status = to_status
        locked.status_changed_at = now
        locked.version += 1
        locked.save(update_fields=["status", "status_changed_at", "version", "updated_at"])
        if audit:
            audit_record(
                action="portico.claim.status_changed",
                actor=user,
                obj=locked,
                organization_id=locked.organization_id,
                member_ref=locked.member_number,
                changes={"status": [before, to_status], "note": note},
            )
    claim.status, claim.status_changed_at, claim.version = (
        locked.status,
        locked.status_changed_at,
        locked.version,
    )
    return locked


def appeal_status_change(
    *,
    appeal: Appeal,
    to_status: str,
    actor_kind: str,
    user: Any = None,
    note: str = "",
    expected_version: int | None = None,
) -> Appeal:
    """Move ``appeal`` along its lifecycle (history + audit), like ``claim_status_change``."""
    with transaction.atomic():
        locked = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleObjectError()
        check_appeal_transition(locked.status, to_status, actor_kind)
        now = timezone.now()
        AppealStatusEvent.objects.create(
            appeal=locked,
            from_status=locked.status,
            to_status=to_status,
            at=now,
            by=user if getattr(user, "is_authenticated", False) else None,
            note=note[:500],
        )
        before = locked.status
        locked.status = to_status
        locked.status_changed_at = now
        locked.version += 1
        locked.save(update_fields=["status", "status_changed_at", "version", "updated_at"])
        audit_record(
            action="portico.appeal.status_changed",
            actor=user,
            obj=locked,
            organization_id=locked.organization_id,
            changes={"status": [before, to_status], "note": note},
        )
    appeal.status, appeal.status_changed_at, appeal.version = (
        locked.status,
        locked.status_changed_at,
        locked.version,
    )
    return locked
