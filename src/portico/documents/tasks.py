"""Scheduled work: end the availability of documents past their retention."""

from __future__ import annotations

from celery import shared_task

from portico.documents.services import documents_expire


@shared_task(name="portico.documents.expire")
def expire_documents() -> int:
    """Run daily by Celery beat (see docs/documents.md)."""
    return documents_expire()
