"""The transactional outbox for background work: a broker outage never loses a task.

``enqueue`` records the task (an ``OutboxTask`` row) in the caller's transaction, so the task
exists exactly when the change that needs it committed. After commit it is handed to Celery
straight away; when the broker is down the row stays pending and the periodic relay
(``relay_pending``: task ``portico.core.outbox_relay`` every minute, or ``portico outbox
relay``) sends it when the broker is back.

Delivery is at least once: a process killed between the broker accepting a task and the row
being marked sent resends it. Every send uses the row's ``task_id`` as the Celery task id, so
tasks that must not run twice check it (or are idempotent by their own keys).

    from portico.core.outbox import enqueue

    with transaction.atomic():
        batch = ...
        enqueue("portico.claims.ingest_batch", kwargs={"batch_id": batch.pk})
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.core.models import OutboxTask

log = logging.getLogger(__name__)


def _celery_app() -> Any:
    from celery import current_app

    return current_app


def _send(row: OutboxTask) -> None:
    """Hand one task to Celery (run in-process when eager); raises when the broker is down."""
    app = _celery_app()
    if app.conf.task_always_eager:
        task = app.tasks[row.task_name]
        task.apply(args=row.args, kwargs=row.kwargs, task_id=str(row.task_id), throw=True)
        return
    app.send_task(
        row.task_name,
        args=row.args,
        kwargs=row.kwargs,
        task_id=str(row.task_id),
        retry=False,
    )


def _dispatch(row_id: int) -> bool:
    """Send one pending row and mark it sent; False (row kept pending) on any failure."""
    with transaction.atomic():
        row = (
            OutboxTask.objects.select_for_update(of=("self",))
            .filter(pk=row_id, dispatched_at__isnull=True)
            .first()
        )
        if row is None:
            return True  # already sent by another relay
        try:
            with transaction.atomic():  # an eager task's own writes roll back on failure
                _send(row)
        except Exception as exc:  # noqa: BLE001 - broker errors vary by transport
            OutboxTask.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, last_error=f"{exc.__class__.__name__}: {exc}"[:255]
            )
            log.warning("outbox: task %s (%s) not sent yet: %s", row.pk, row.task_name, exc)
            return False
        OutboxTask.objects.filter(pk=row.pk).update(
            dispatched_at=timezone.now(), attempts=row.attempts + 1, last_error=""
        )
        return True


def enqueue(
    task_name: str,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
) -> OutboxTask:
    """Record a task in the current transaction; it is sent after commit (or by the relay)."""
    row = OutboxTask.objects.create(
        task_id=uuid.uuid4(),
        task_name=task_name,
        args=list(args),
        kwargs=dict(kwargs or {}),
    )
    transaction.on_commit(lambda: _dispatch(row.pk))
    return row


def pending_count() -> int:
    return OutboxTask.objects.filter(dispatched_at__isnull=True).count()


def relay_pending(*, limit: int = 500) -> dict[str, int]:
    """Send pending tasks oldest first.

    With a broker, the first failure stops the run: the broker is down and the rest would fail
    the same way. When tasks run in-process (eager), a failure is that task's own, so it stays
    pending (with its error) and the tasks behind it still run.
    """
    eager = bool(_celery_app().conf.task_always_eager)
    sent = 0
    ids = list(
        OutboxTask.objects.filter(dispatched_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for row_id in ids:
        if _dispatch(row_id):
            sent += 1
        elif not eager:
            break
    return {"sent": sent, "pending": pending_count()}


def purge_sent(*, older_than_days: int = 30) -> int:
    """Delete rows sent more than ``older_than_days`` ago (they are only a delivery log)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = OutboxTask.objects.filter(dispatched_at__lt=cutoff).delete()
    return deleted
