"""Scheduled support work: closing cases that stayed Resolved for the configured days."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from portico.support import conf
from portico.support.models import Actor, Case, CaseStatus
from portico.support.services.cases import _email_customer, _set_status


def cases_auto_close(*, now: dt.datetime | None = None, days: int | None = None) -> list[str]:
    """Close every case Resolved for ``days`` (default ``SUPPORT_AUTO_CLOSE_DAYS``) or more,
    as the System actor, one transaction per case, emailing each customer; returns the case
    numbers closed. Idempotent: a second run finds nothing. ``days`` 0 switches it off."""
    now = now or timezone.now()
    days = conf.auto_close_days() if days is None else days
    if days <= 0:
        return []
    cutoff = now - dt.timedelta(days=days)
    closed: list[str] = []
    due = Case.objects.filter(status=CaseStatus.RESOLVED, status_changed_at__lte=cutoff)
    for pk in due.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("customer__portico_user", "merged_into")
                .get(pk=pk)
            )
            if case.status != CaseStatus.RESOLVED or case.status_changed_at > cutoff:
                continue  # a customer or agent acted on it meanwhile
            _set_status(
                case,
                status=CaseStatus.CLOSED,
                actor=None,
                actor_kind=Actor.SYSTEM,
                note=f"Closed automatically {days} days after it was resolved.",
                now=now,
            )
            _email_customer(
                case,
                template="status_changed",
                subject=f"Case {case.number} is now {case.get_status_display()}",
            )
        closed.append(case.number)
    return closed
