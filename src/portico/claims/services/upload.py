"""Upload of an X12 837 file: checks, storage, and the background job that processes it
(``intake.claim_file_process`` through ``tasks.process_claim_file``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from portico.claims import tasks
from portico.claims.models import ClaimSubmissionFile
from portico.claims.selectors import claims_access
from portico.claims.services.common import ClaimError
from portico.core.audit import audit_record
from portico.core.outbox import enqueue
from portico.core.uploads import sanitize_filename


def x12_max_bytes() -> int:
    return int(getattr(settings, "CLAIMS_X12_MAX_BYTES", 2 * 1024**3))


# ---------------------------------------------------------------------------
# Upload
# ---------------------------------------------------------------------------
def claim_file_upload(
    *, user: Any, file: Any, organization_id: int | None = None
) -> ClaimSubmissionFile:
    """Store an uploaded 837 and queue its processing (through the outbox, after commit)."""
    access = claims_access(user=user)
    if not access.can_submit:
        raise ClaimError("You are not allowed to submit claims online.", code="forbidden")
    if organization_id is None:
        if len(access.submit) != 1:
            raise ClaimError("Choose the practice the file is for.", field="organization")
        organization_id = next(iter(access.submit))
    elif organization_id not in access.submit:
        raise ClaimError("You can't submit claims for this practice.", field="organization")
    size = int(getattr(file, "size", 0) or 0)
    if size == 0:
        raise ClaimError("The file is empty. Choose an 837 file.", field="file", code="empty")
    if size > x12_max_bytes():
        raise ClaimError(
            f"The file is too large ({filesizeformat(size)}); at most "
            f"{filesizeformat(x12_max_bytes())}.",
            field="file",
            code="too_large",
        )
    file.seek(0)
    head = bytes(file.read(3))
    file.seek(0)
    if head.lstrip()[:3] != b"ISA" and not head.startswith(b"\xef\xbb\xbf"):
        raise ClaimError(
            "This is not an X12 file: an 837 starts with an ISA segment.",
            field="file",
            code="not_x12",
        )
    digest = hashlib.sha256()
    for chunk in (
        file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(1 << 16), b"")
    ):
        digest.update(chunk)
    file.seek(0)
    name = sanitize_filename(getattr(file, "name", "") or "claims.837")
    now = timezone.now()
    key = default_storage.save(
        f"claims/x12/{now:%Y/%m}/{digest.hexdigest()[:16]}-{now:%H%M%S%f}.x12", File(file)
    )
    with transaction.atomic():
        previous = (
            ClaimSubmissionFile.objects.filter(
                organization_id=organization_id, sha256=digest.hexdigest()
            )
            .order_by("id")
            .first()
        )
        item = ClaimSubmissionFile.objects.create(
            organization_id=organization_id,
            uploaded_by=user,
            file_key=key,
            filename=name,
            sha256=digest.hexdigest(),
            size=size,
            duplicate_of=previous,
        )
        audit_record(
            action="portico.claim_file.uploaded",
            actor=user,
            obj=item,
            organization_id=organization_id,
            changes={"size": size, "sha256": item.sha256, "duplicate_of": previous and previous.pk},
        )
        # Recorded with the file (transactional outbox): a process dying before the task is
        # sent, or in the middle of it when eager, leaves it pending for the relay to retry.
        enqueue(tasks.process_claim_file.name, args=[item.pk])
    return item
