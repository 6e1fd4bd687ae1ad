"""Periodic support work (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from portico.support import services


@shared_task(name="portico.support.auto_close_resolved")
def auto_close_resolved() -> int:
    """Close cases Resolved for SUPPORT_AUTO_CLOSE_DAYS; idempotent."""
    return len(services.cases_auto_close())
