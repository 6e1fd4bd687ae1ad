"""Background work of the Claims Online Portal (eager in the embedded profile)."""

from __future__ import annotations

from celery import shared_task

from portico.claims.services.intake import claim_file_process


@shared_task(name="portico.claims.process_claim_file")
def process_claim_file(file_id: int) -> str:
    """Read an uploaded 837, write its claims, its 999 and its 277CA."""
    return str(claim_file_process(file_id=file_id).status)
