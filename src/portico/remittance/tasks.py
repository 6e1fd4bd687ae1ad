"""Background work of payments and remittance (eager in the embedded profile).

* ``portico.remittance.payment_run``: the scheduled payment run (Celery beat).
* ``portico.claims.adjudication_cycle``: the adjudication cycle (every 15 minutes): every
  claim waiting for adjudication is priced from its plan's fee schedule or pended for an
  examiner, as a payer's claims system runs its cycles.
* ``portico.claims.auto_adjudicate``: automatic adjudication of one claim (operators re-run
  one with it).

Both live here until the claims app's ``tasks.py`` takes them over.
"""

from __future__ import annotations

from celery import shared_task

from portico.claims.models import Claim
from portico.claims.services.adjudication import (
    AUTO_ADJUDICATE_TASK,
    claim_auto_adjudicate,
    claims_auto_adjudicate_pending,
)
from portico.remittance.services import NothingToPay, payment_run_execute


@shared_task(name="portico.remittance.payment_run")
def payment_run(auto_adjudicate: bool = True) -> str:
    """The run's number, or "" when nothing awaited payment (no run is made then)."""
    if auto_adjudicate:
        claims_auto_adjudicate_pending()
    try:
        return payment_run_execute().run.number
    except NothingToPay:
        return ""


@shared_task(name="portico.claims.adjudication_cycle")
def adjudication_cycle() -> dict[str, int]:
    return claims_auto_adjudicate_pending()


@shared_task(name=AUTO_ADJUDICATE_TASK)
def auto_adjudicate(claim_id: int) -> str:
    return str(claim_auto_adjudicate(claim=Claim(pk=claim_id)).status)
