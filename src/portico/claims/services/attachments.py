"""Claim attachments (PWK): files uploaded to a claim, and unsolicited ones that arrive first
and are matched to their claim later by the attachment control number."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.claims.models import Claim, ClaimAttachment, ClaimStatus
from portico.claims.selectors import claims_access
from portico.claims.services.common import ClaimError
from portico.core.audit import audit_record
from portico.core.uploads import UploadRejected, delete_stored, store_upload


def claim_for_control_number(*, organization_id: int, control_number: str) -> Claim | None:
    """The practice's claim whose PWK declared ``control_number`` (newest first)."""
    row = (
        ClaimAttachment.objects.filter(
            organization_id=organization_id,
            control_number=control_number.strip(),
            claim__isnull=False,
        )
        .exclude(claim__status__in=[ClaimStatus.DRAFT, ClaimStatus.VOIDED])
        .select_related("claim")
        .order_by("-claim_id")
        .first()
    )
    return row.claim if row else None


def _store(file: Any) -> Any:
    try:
        return store_upload(file=file, prefix="claims-attachments")
    except UploadRejected as exc:
        raise ClaimError(str(exc.messages[0]), field="file", code=exc.code or "invalid") from exc


def claim_attachment_add(
    *,
    user: Any,
    claim: Claim,
    file: Any,
    report_type: str,
    control_number: str = "",
    description: str = "",
) -> ClaimAttachment:
    """Upload a file to one of the user's claims (the caller fetched it with a selector)."""
    if report_type not in ClaimAttachment.ReportType.values:
        raise ClaimError("Choose the attachment's report type.", field="report_type")
    if claim.status == ClaimStatus.VOIDED:
        raise ClaimError("This claim was voided; attachments can't be added.")
    if not claims_access(user=user).can_submit:
        raise ClaimError("You are not allowed to submit claims or attachments.", code="forbidden")
    stored = _store(file)
    try:
        with transaction.atomic():
            # A file for a control number the claim declared fills that declaration.
            declared = None
            if control_number.strip():
                declared = (
                    ClaimAttachment.objects.select_for_update()
                    .filter(claim=claim, control_number=control_number.strip(), file_key="")
                    .first()
                )
            att = declared or ClaimAttachment(
                claim=claim,
                organization_id=claim.organization_id,
                control_number=control_number.strip()[:50],
            )
            att.report_type = report_type
            att.transmission_code = ClaimAttachment.Transmission.EL
            att.file_key = stored.key
            att.filename = stored.file_name
            att.content_type = stored.content_type
            att.size = stored.size
            att.description = description[:200]
            att.uploaded_by = user
            att.matched_at = timezone.now()
            att.save()
            audit_record(
                action="portico.claim.attachment_added",
                actor=user,
                obj=claim,
                organization_id=claim.organization_id,
                member_ref=claim.member_number,
                changes={"attachment": att.pk, "report_type": report_type, "size": stored.size},
            )
    except Exception:
        delete_stored(stored.key)
        raise
    return att


def attachment_unsolicited_add(
    *,
    user: Any,
    file: Any,
    report_type: str,
    control_number: str,
    organization_id: int | None = None,
    description: str = "",
) -> ClaimAttachment:
    """An attachment sent before (or without) its claim: matched now if a claim of the
    practice declared the control number, otherwise when that claim arrives."""
    access = claims_access(user=user)
    if not access.can_submit:
        raise ClaimError("You are not allowed to submit claims or attachments.", code="forbidden")
    if organization_id is None:
        if len(access.submit) != 1:
            raise ClaimError("Choose the practice.", field="organization")
        organization_id = next(iter(access.submit))
    elif organization_id not in access.submit:
        raise ClaimError("You can't send attachments for this practice.", field="organization")
    control = control_number.strip()
    if not control:
        raise ClaimError(
            "Enter the attachment control number from the claim's PWK segment.",
            field="control_number",
        )
    if len(control) > 50:
        raise ClaimError("At most 50 characters.", field="control_number")
    if report_type not in ClaimAttachment.ReportType.values:
        raise ClaimError("Choose the attachment's report type.", field="report_type")
    claim = claim_for_control_number(organization_id=organization_id, control_number=control)
    if claim is not None:
        return claim_attachment_add(
            user=user,
            claim=claim,
            file=file,
            report_type=report_type,
            control_number=control,
            description=description,
        )
    stored = _store(file)
    try:
        with transaction.atomic():
            att = ClaimAttachment.objects.create(
                claim=None,
                organization_id=organization_id,
                report_type=report_type,
                transmission_code=ClaimAttachment.Transmission.EL,
                control_number=control,
                file_key=stored.key,
                filename=stored.file_name,
                content_type=stored.content_type,
                size=stored.size,
                uploaded_by=user,
                description=description[:200],
            )
            audit_record(
                action="portico.claim.attachment_unsolicited",
                actor=user,
                obj=att,
                organization_id=organization_id,
                changes={"control_number": control, "size": stored.size},
            )
    except Exception:
        delete_stored(stored.key)
        raise
    return att


def attachment_download_record(*, user: Any, attachment: ClaimAttachment) -> None:
    audit_record(
        action="portico.claim.attachment_downloaded",
        actor=user,
        obj=attachment,
        organization_id=attachment.organization_id,
        member_ref=attachment.claim.member_number if attachment.claim else "",
    )
