"""Kernel background tasks (schedules: docs/operations.md, "Periodic tasks")."""

from __future__ import annotations

from celery import shared_task

from portico.core.audit import verify_chain
from portico.core.audit_archive import archive_events
from portico.core.outbox import purge_sent, relay_pending
from portico.core.storage_sweep import sweep_orphans


@shared_task(name="portico.core.audit_verify")
def audit_verify() -> dict[str, object]:
    """Nightly check of the audit hash chain; the result names the first broken event."""
    broken = verify_chain()
    return {"intact": broken is None, "event_id": broken.event_id if broken else None}


@shared_task(name="portico.core.audit_archive")
def audit_archive() -> dict[str, object]:
    """Daily: archive audit events older than PORTICO_AUDIT_RETENTION_DAYS."""
    checkpoint = archive_events()
    if checkpoint is None:
        return {"archived": 0}
    return {"archived": checkpoint.archived_count, "through_event": checkpoint.last_event_id}


@shared_task(name="portico.core.outbox_relay")
def outbox_relay() -> dict[str, int]:
    """Every minute: send tasks recorded while the broker was unreachable."""
    result = relay_pending()
    result["purged"] = purge_sent()
    return result


@shared_task(name="portico.core.storage_sweep")
def storage_sweep() -> dict[str, object]:
    """Daily: delete stored files no row refers to, older than the grace period."""
    return sweep_orphans().as_dict()
