"""Audit retention: archive events older than the retention period, keep the chain verifiable.

HIPAA asks for six years (``PORTICO_AUDIT_RETENTION_DAYS``, default 2192 days). The archive
step exports the oldest contiguous segment of the chain (every event up to the newest one
older than the cut-off) as gzipped JSON lines to private storage, checks the file reads back
with the same hashes, then in one transaction records an ``AuditCheckpoint`` (the segment's
last id and hash) and deletes the segment. ``verify_chain`` starts from the newest checkpoint,
so ``portico audit verify`` stays clean; ``verify_archives`` re-checks the archived files
against their checkpoints (each file's first link is the previous checkpoint's hash).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from portico.core.audit import GENESIS, ChainBreak, audit_record, compute_hash
from portico.core.models import AuditChainHead, AuditCheckpoint, AuditEvent

ARCHIVE_PREFIX = "audit-archive"
FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_label",
    "organization_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "member_ref",
    "changes",
    "ip_address",
    "user_agent",
    "request_id",
    "prev_hash",
    "hash",
)


def retention_days() -> int:
    """Days audit events are kept in the live table (``PORTICO_AUDIT_RETENTION_DAYS``)."""
    value = getattr(settings, "PORTICO_AUDIT_RETENTION_DAYS", None)
    if value is None:
        retention = getattr(settings, "AUDIT_RETENTION", timedelta(days=2192))
        return int(retention.days)
    return int(value)


def _row(event: AuditEvent) -> dict[str, Any]:
    data = {name: getattr(event, name) for name in FIELDS}
    data["occurred_at"] = event.occurred_at.isoformat()
    return data


def event_from_row(data: dict[str, Any]) -> AuditEvent:
    """An unsaved ``AuditEvent`` rebuilt from an archive line (for hash checks)."""
    values = dict(data)
    values["occurred_at"] = datetime.fromisoformat(values["occurred_at"])
    return AuditEvent(**values)


def read_archive(key: str) -> Iterator[dict[str, Any]]:
    with default_storage.open(key, "rb") as handle, gzip.open(handle, "rt") as text:
        for line in text:
            if line.strip():
                yield json.loads(line)


def _check_segment(rows: Iterator[dict[str, Any]], prev: str) -> tuple[ChainBreak | None, str]:
    for data in rows:
        event = event_from_row(data)
        if event.prev_hash != prev:
            return ChainBreak(event.id, "archived event's link does not match"), prev
        if compute_hash(event) != event.hash:
            return ChainBreak(event.id, "archived event's content does not match its hash"), prev
        prev = event.hash
    return None, prev


def archive_events(*, before: datetime | None = None, actor: Any = None) -> AuditCheckpoint | None:
    """Archive and delete events older than ``before`` (default: now − retention).

    Returns the new checkpoint, or None when nothing is old enough.
    """
    cutoff = before or timezone.now() - timedelta(days=retention_days())
    previous = AuditCheckpoint.objects.order_by("-last_event_id").first()
    start_after = previous.last_event_id if previous else 0
    prev_hash = previous.last_hash if previous else GENESIS
    # The segment is the longest run of the chain's oldest events all older than the cut-off.
    first_recent = (
        AuditEvent.objects.filter(id__gt=start_after, occurred_at__gte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    candidates = AuditEvent.objects.filter(id__gt=start_after)
    if first_recent is not None:
        candidates = candidates.filter(id__lt=first_recent)
    last = candidates.order_by("-id").only("id", "hash").first()
    if last is None:
        return None
    segment = AuditEvent.objects.filter(id__gt=start_after, id__lte=last.id).order_by("id")

    # 1. Export to a temporary file, checking the chain while writing.
    digest = hashlib.sha256()
    count = 0
    link = prev_hash
    with tempfile.TemporaryFile() as tmp:
        with gzip.GzipFile(fileobj=tmp, mode="wb", mtime=0) as gz:
            for event in segment.iterator(2000):
                if event.prev_hash != link or compute_hash(event) != event.hash:
                    raise RuntimeError(
                        f"Audit chain broken at event {event.id}; run 'portico audit verify' "
                        "and investigate before archiving."
                    )
                link = event.hash
                gz.write(json.dumps(_row(event), default=str, sort_keys=True).encode() + b"\n")
                count += 1
        tmp.seek(0)
        for chunk in iter(lambda: tmp.read(65536), b""):
            digest.update(chunk)
        tmp.seek(0)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        key = default_storage.save(
            f"{ARCHIVE_PREFIX}/audit-{start_after + 1:012d}-{last.id:012d}-{stamp}.jsonl.gz",
            File(tmp),
        )
    # 2. The file reads back with the same chain before anything is deleted.
    broken, end = _check_segment(read_archive(key), prev_hash)
    if broken is not None or end != last.hash:
        default_storage.delete(key)
        raise RuntimeError("The audit archive did not read back intact; nothing was deleted.")
    # 3. Checkpoint and delete in one transaction (serialised with appends by the head lock).
    with transaction.atomic():
        AuditChainHead.objects.select_for_update().get_or_create(id=1)
        checkpoint = AuditCheckpoint.objects.create(
            last_event_id=last.id,
            last_hash=last.hash,
            archived_count=count,
            archived_before=cutoff,
            archive_key=key,
            archive_sha256=digest.hexdigest(),
        )
        # QuerySet.delete issues SQL; AuditEvent.delete (which refuses) guards single rows.
        AuditEvent.objects.filter(id__gt=start_after, id__lte=last.id).delete()
        audit_record(
            action="portico.audit.archived",
            actor=actor,
            obj=checkpoint,
            changes={
                "archived_count": count,
                "through_event": last.id,
                "archived_before": cutoff.isoformat(),
                "archive_key": key,
            },
        )
    return checkpoint


def verify_archives() -> ChainBreak | None:
    """Check every archive file against its checkpoint, oldest first."""
    prev = GENESIS
    for checkpoint in AuditCheckpoint.objects.order_by("last_event_id"):
        try:
            with default_storage.open(checkpoint.archive_key, "rb") as handle:
                raw = handle.read()
        except OSError:
            return ChainBreak(checkpoint.last_event_id, f"archive {checkpoint.archive_key} missing")
        if hashlib.sha256(raw).hexdigest() != checkpoint.archive_sha256:
            return ChainBreak(checkpoint.last_event_id, "archive file changed since it was made")
        with gzip.open(io.BytesIO(raw), "rt") as text:
            rows = (json.loads(line) for line in text if line.strip())
            broken, prev = _check_segment(rows, prev)
        if broken is not None:
            return broken
        if prev != checkpoint.last_hash:
            return ChainBreak(checkpoint.last_event_id, "archive ends before its checkpoint")
    return None
