"""Provider-side appeals: file an appeal on a claim or one of its lines (with attachments),
add attachments, withdraw. Decisions and letters are the back office's (appeal_review.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from portico.claims.models import (
    APPEAL_OPEN_STATUSES,
    Appeal,
    AppealAttachment,
    AppealReason,
    AppealStatus,
    AppealStatusEvent,
    Claim,
    ClaimLine,
)
from portico.claims.selectors import claims_access
from portico.claims.services.common import (
    APPEAL_PREFIX,
    ClaimError,
    appeal_status_change,
    numbers_allocate,
)
from portico.claims.transitions import APPEALABLE_CLAIM_STATUSES, Actor
from portico.core.audit import audit_record
from portico.core.decimals import money_problem
from portico.core.uploads import UploadRejected, check_upload, delete_stored, store_upload

MAX_APPEAL_ATTACHMENTS = 5
MAX_EXPLANATION = 4000


def appeal_may_be_filed(claim: Claim) -> str | None:
    """None when an appeal may be filed on ``claim``; otherwise why not."""
    if claim.status not in APPEALABLE_CLAIM_STATUSES:
        return (
            f"This claim is {claim.get_status_display()}; an appeal can be filed once the claim "
            "is finalized."
        )
    return None


def _check_files(files: list[Any], already: int = 0) -> None:
    if len(files) + already > MAX_APPEAL_ATTACHMENTS:
        raise ClaimError(
            f"Attach at most {MAX_APPEAL_ATTACHMENTS} files to an appeal.", field="files"
        )
    for f in files:
        try:
            check_upload(f)
        except UploadRejected as exc:
            raise ClaimError(
                f"{getattr(f, 'name', 'A file')}: {exc.messages[0]}", field="files"
            ) from exc


def _store_all(files: list[Any]) -> list[Any]:
    stored: list[Any] = []
    try:
        for f in files:
            stored.append(store_upload(file=f, prefix="claims-appeals"))
    except Exception:
        for s in stored:
            delete_stored(s.key)
        raise
    return stored


def appeal_file(
    *,
    user: Any,
    claim: Claim,
    reason: str,
    explanation: str,
    line: ClaimLine | None = None,
    files: list[Any] | None = None,
    amount_disputed: Decimal | None = None,
    idempotency_key: str = "",
) -> Appeal:
    """File an appeal. ``claim`` comes from ``claim_get_for_user`` (so it is the user's)."""
    files = list(files or [])
    access = claims_access(user=user)
    if access.org_for_tin(claim.billing_tin) != claim.organization_id:
        raise ClaimError("No such claim.", code="not_found")
    if reason not in AppealReason.values:
        raise ClaimError("Choose the reason for the appeal.", field="reason")
    explanation = explanation.strip()
    if not explanation:
        raise ClaimError("Explain why the decision should change.", field="explanation")
    if len(explanation) > MAX_EXPLANATION:
        raise ClaimError(f"At most {MAX_EXPLANATION} characters.", field="explanation")
    if amount_disputed is not None and amount_disputed < 0:
        raise ClaimError("The amount can't be negative.", field="amount_disputed")
    if amount_disputed is not None and (unfit := money_problem(amount_disputed)):
        raise ClaimError(unfit, field="amount_disputed")
    if line is not None and line.claim_id != claim.pk:
        raise ClaimError("That line is not on this claim.", field="line")
    if amount_disputed is not None:
        # What is disputed is (part of) what was billed: never more than the line's charge,
        # or the claim's total for an appeal of the whole claim.
        billed = line.charge if line is not None else claim.total_charge
        if billed is not None and amount_disputed > billed:
            on = f"line {line.line_number}" if line is not None else "the claim"
            raise ClaimError(
                f"The amount in dispute can't be more than the ${billed:,.2f} billed on {on}.",
                field="amount_disputed",
            )
    problem = appeal_may_be_filed(claim)
    if problem:
        raise ClaimError(problem, code="not_appealable")
    key = idempotency_key.strip()[:64] or None
    if key:
        existing = Appeal.objects.filter(organization_id=claim.organization_id, idempotency_key=key)
        if existing.exists():
            return existing.get()
    open_same = Appeal.objects.filter(claim=claim, status__in=APPEAL_OPEN_STATUSES)
    open_same = open_same.filter(line=line) if line is not None else open_same.filter(line=None)
    if open_same.exists():
        raise ClaimError(
            f"Appeal {open_same.first()} is already open for this "
            f"{'line' if line else 'claim'}; add to it or withdraw it first.",
            code="duplicate",
        )
    _check_files(files)
    stored = _store_all(files)
    try:
        with transaction.atomic():
            now = timezone.now()
            appeal = Appeal.objects.create(
                number=numbers_allocate(prefix=APPEAL_PREFIX)[0],
                claim=claim,
                line=line,
                organization_id=claim.organization_id,
                reason=reason,
                explanation=explanation,
                amount_disputed=amount_disputed,
                status=AppealStatus.RECEIVED,
                status_changed_at=now,
                filed_by=user,
                filed_at=now,
                idempotency_key=key,
            )
            AppealStatusEvent.objects.create(
                appeal=appeal,
                from_status="",
                to_status=AppealStatus.RECEIVED,
                at=now,
                by=user,
                note="Filed online.",
            )
            AppealAttachment.objects.bulk_create(
                AppealAttachment(
                    appeal=appeal,
                    file_key=s.key,
                    filename=s.file_name,
                    content_type=s.content_type,
                    size=s.size,
                    uploaded_by=user,
                )
                for s in stored
            )
            audit_record(
                action="portico.appeal.filed",
                actor=user,
                obj=appeal,
                organization_id=claim.organization_id,
                member_ref=claim.member_number,
                changes={
                    "claim": claim.number,
                    "line": line.line_number if line else None,
                    "reason": reason,
                    "attachments": len(stored),
                },
            )
    except IntegrityError:
        for s in stored:
            delete_stored(s.key)
        if key:
            return Appeal.objects.get(organization_id=claim.organization_id, idempotency_key=key)
        raise
    except Exception:
        for s in stored:
            delete_stored(s.key)
        raise
    return appeal


def appeal_attachment_add(*, user: Any, appeal: Appeal, files: list[Any]) -> list[AppealAttachment]:
    if not appeal.is_open:
        raise ClaimError("Files can be added only while the appeal is open.", code="closed")
    _check_files(files, already=appeal.attachments.count())
    stored = _store_all(files)
    try:
        with transaction.atomic():
            rows = AppealAttachment.objects.bulk_create(
                AppealAttachment(
                    appeal=appeal,
                    file_key=s.key,
                    filename=s.file_name,
                    content_type=s.content_type,
                    size=s.size,
                    uploaded_by=user,
                )
                for s in stored
            )
            audit_record(
                action="portico.appeal.attachment_added",
                actor=user,
                obj=appeal,
                organization_id=appeal.organization_id,
                changes={"files": len(stored)},
            )
    except Exception:
        for s in stored:
            delete_stored(s.key)
        raise
    return rows


def appeal_withdraw(
    *, user: Any, appeal: Appeal, note: str = "", expected_version: int | None = None
) -> Appeal:
    appeal_status_change(
        appeal=appeal,
        to_status=AppealStatus.WITHDRAWN,
        actor_kind=Actor.PROVIDER,
        user=user,
        note=note.strip()[:500] or "Withdrawn by the provider.",
        expected_version=expected_version,
    )
    Appeal.objects.filter(pk=appeal.pk).update(withdrawn_at=timezone.now())
    appeal.refresh_from_db()
    return appeal


def appeal_attachment_download_record(*, user: Any, appeal: Appeal, attachment: Any) -> None:
    audit_record(
        action="portico.appeal.attachment_downloaded",
        actor=user,
        obj=appeal,
        organization_id=appeal.organization_id,
        changes={"attachment": attachment.pk},
    )
