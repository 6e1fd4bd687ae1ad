"""Reads of the shared kernel: the compliance view of the audit trail.

Keyset pagination (``id`` descending, ``before``/``after`` cursors) keeps every page as cheap
as the first on a table of millions of rows: no OFFSET and no COUNT(*).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from portico.core.models import AuditEvent, OutboxMessage
from portico.core.text import as_int

AUDIT_PERMISSION = "core.view_auditevent"


def can_view_audit(user: Any) -> bool:
    """Superusers and holders of ``core.view_auditevent`` (the compliance group)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.has_perm(AUDIT_PERMISSION))


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    member: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    organization_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in ("", None)}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all()
    if filters.user:
        term = filters.user.strip()
        cond = Q(actor_label__iexact=term)
        if (actor_id := as_int(term)) is not None:
            cond |= Q(actor_id=actor_id)
        qs = qs.filter(cond)
    if filters.member:
        qs = qs.filter(member_ref__iexact=filters.member.strip())
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type.strip().lower())
    if filters.object_id:
        # The internal ID, or the number people know (a case, claim or request number):
        # objects are recorded as "<number>" or "<number> (<status>)".
        term = filters.object_id.strip()
        qs = qs.filter(
            Q(object_id=term) | Q(object_repr=term) | Q(object_repr__startswith=f"{term} (")
        )
    if filters.action:
        action = filters.action.strip()
        qs = qs.filter(Q(action=action) | Q(action__startswith=action.rstrip(".") + "."))
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(occurred_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    return qs.order_by("-id")


@dataclass
class KeysetPage:
    rows: list[AuditEvent] = field(default_factory=list)
    next_cursor: int | None = None  # older events: ?before=<id>
    prev_cursor: int | None = None  # newer events: ?after=<id>


def audit_page(
    qs: QuerySet[AuditEvent], *, before: int | None, after: int | None, size: int = 50
) -> KeysetPage:
    """One page of ``qs`` (newest first) after a cursor; one extra row tells if more exist."""
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        page = KeysetPage(rows=rows)
        page.prev_cursor = rows[0].id if rows and more_newer else None
        page.next_cursor = rows[-1].id if rows else None
        if rows and not qs.filter(id__lt=rows[-1].id).exists():
            page.next_cursor = None
        return page
    base = qs
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: size + 1])
    page = KeysetPage(rows=rows[:size])
    if len(rows) > size:
        page.next_cursor = page.rows[-1].id
    if before is not None and page.rows and base.filter(id__gt=page.rows[0].id).exists():
        page.prev_cursor = page.rows[0].id
    return page


def audit_export_rows(qs: QuerySet[AuditEvent]) -> Iterator[AuditEvent]:
    """Every event of ``qs``, streamed in chunks (for the CSV export)."""
    return qs.iterator(chunk_size=2000)


def outbox_messages(channel: str = "") -> QuerySet[OutboxMessage]:
    """The development outbox (no tenant data: it exists only in dev and test profiles)."""
    qs = OutboxMessage.objects.all()
    if channel in OutboxMessage.Channel.values:
        qs = qs.filter(channel=channel)
    return qs
