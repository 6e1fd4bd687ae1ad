"""Reads of the support portal, scoped to the verified customer's organisation or to agents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portico.core.text import as_int
from portico.identity.roles import StaffRole
from portico.organizations.models import Application, Organization
from portico.organizations.selectors import grants_for_user
from portico.support import conf
from portico.support.models import (
    Case,
    CaseAttachment,
    CaseComment,
    CaseEvent,
    CaseStatus,
    CustomerUser,
)


def user_has_support_access(*, user: Any) -> bool:
    return grants_for_user(user=user, application=Application.SUPPORT).exists()


def customer_for_user(*, user: Any, customer_user_id: int | None) -> CustomerUser | None:
    """The customer user remembered in the session, if it is still valid for ``user``."""
    if not customer_user_id or not getattr(user, "is_authenticated", False):
        return None
    customer = (
        CustomerUser.objects.select_related("organization")
        .filter(
            pk=customer_user_id,
            portico_user=user,
            is_active=True,
            organization__is_active=True,
            organization__kind=Organization.Kind.DIRECT_CUSTOMER,
        )
        .first()
    )
    if customer is None:
        return None
    if (
        not grants_for_user(user=user, application=Application.SUPPORT)
        .filter(organization=customer.organization)
        .exists()
    ):
        return None
    return customer


def customer_pfi(customer: CustomerUser) -> str:
    tin = customer.organization.tins.filter(is_active=True).order_by("tin").first()
    return tin.tin if tin else ""


def _customer_cases(customer: CustomerUser) -> QuerySet[Case]:
    return Case.objects.filter(organization_id=customer.organization_id).select_related(
        "customer", "merged_into"
    )


def cases_for_customer(
    *, customer: CustomerUser, scope: str = "all", number: str = ""
) -> QuerySet[Case]:
    """All Cases (the organisation's), My Cases (opened by this customer) or one number."""
    qs = _customer_cases(customer)
    if scope == "mine":
        qs = qs.filter(customer=customer)
    elif scope == "number":
        qs = qs.filter(number__iexact=(number or "").strip())
    return qs.order_by("-last_activity_at", "-id")


def _case_number(text: str) -> str:
    """A case number as stored (CS-2026-000001), however it was typed into the address."""
    return (text or "").strip().upper()


def case_get_for_customer(*, customer: CustomerUser, number: str) -> Case:
    case = _customer_cases(customer).filter(number=_case_number(number)).first()
    if case is None:
        raise Http404("No such case.")
    return case


def attachment_get_for_customer(*, customer: CustomerUser, pk: int) -> CaseAttachment:
    row = (
        CaseAttachment.objects.select_related("case")
        .filter(pk=pk, case__organization_id=customer.organization_id)
        .first()
    )
    if row is None:
        raise Http404("No such file.")
    return row


def case_family_ids(case: Case) -> list[int]:
    """The case and every case merged into it, directly or through other merged cases."""
    ids = [case.pk]
    frontier = [case.pk]
    while frontier:
        frontier = list(
            Case.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "comment" | "attachment" | "event"
    at: dt.datetime
    item: Any
    from_case: str  # number of the merged duplicate it came from, or ""
    is_internal: bool


def case_timeline(*, case: Case, include_internal: bool) -> list[TimelineEntry]:
    """Comments, attachments and status changes of the case and its merged duplicates.

    ``include_internal`` is for agents only: customers never get internal notes or internal
    events (assignments), whatever the caller does with the result.
    """
    ids = case_family_ids(case)
    comments = CaseComment.objects.filter(case_id__in=ids).select_related("case")
    events = CaseEvent.objects.filter(case_id__in=ids).select_related("case", "related_case")
    if not include_internal:
        comments = comments.filter(is_internal=False)
        events = events.filter(is_internal=False)
    attachments = CaseAttachment.objects.filter(case_id__in=ids).select_related("case")
    entries: list[TimelineEntry] = []
    for c in comments:
        entries.append(
            TimelineEntry("comment", c.created_at, c, _origin(c.case, case), c.is_internal)
        )
    for a in attachments:
        entries.append(TimelineEntry("attachment", a.created_at, a, _origin(a.case, case), False))
    for e in events:
        if e.case_id != case.pk and e.kind != CaseEvent.Kind.CREATED:
            continue  # a duplicate's own status history stays on the duplicate
        entries.append(
            TimelineEntry("event", e.created_at, e, _origin(e.case, case), e.is_internal)
        )
    entries.sort(key=lambda e: (e.at, e.kind != "event", e.item.pk))
    return entries


def _origin(of: Case, case: Case) -> str:
    return "" if of.pk == case.pk else of.number


# ---------------------------------------------------------------------------
# Agents' console
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaClock:
    target_hours: int
    due_at: dt.datetime
    overdue: bool

    @property
    def label(self) -> str:
        return "Overdue" if self.overdue else "On time"


def sla_clock(case: Case, *, now: dt.datetime | None = None) -> SlaClock | None:
    target = conf.sla_target_hours().get(case.status)
    if not target or case.status == CaseStatus.CLOSED:
        return None
    due = case.status_changed_at + dt.timedelta(hours=target)
    return SlaClock(target_hours=target, due_at=due, overdue=(now or timezone.now()) > due)


def _overdue_q(now: dt.datetime) -> Q:
    q = Q(pk__in=[])
    for status, hours in conf.sla_target_hours().items():
        if status == CaseStatus.CLOSED:
            continue
        q |= Q(status=status, status_changed_at__lt=now - dt.timedelta(hours=hours))
    return q


AGE_FILTERS: dict[str, tuple[str, int | None, int | None]] = {
    # code: (label, min hours, max hours)
    "lt1d": ("Less than 1 day", None, 24),
    "1to3d": ("1 to 3 days", 24, 72),
    "3to7d": ("3 to 7 days", 72, 168),
    "gt7d": ("More than 7 days", 168, None),
}


def support_agents() -> QuerySet[Any]:
    user_model = get_user_model()
    return (
        user_model.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name=StaffRole.SUPPORT_AGENT) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def staff_queue(
    *,
    agent: Any,
    status: str = "open",
    case_type: str = "",
    age: str = "",
    assignee: str = "",
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> QuerySet[Case]:
    """The case queue, oldest status change first, with the console's filters.

    status: "open" (New, Working, Waiting), "all", or one status; assignee: "me",
    "unassigned", or a user's id.
    """
    now = now or timezone.now()
    qs = Case.objects.select_related("organization", "customer", "assignee")
    if status == "open":
        qs = qs.filter(status__in=[CaseStatus.NEW, CaseStatus.WORKING, CaseStatus.WAITING])
    elif status in CaseStatus.values:
        qs = qs.filter(status=status)
    if case_type and conf.is_case_type(case_type):
        qs = qs.filter(case_type=case_type)
    if age in AGE_FILTERS:
        _, lo, hi = AGE_FILTERS[age]
        if lo is not None:
            qs = qs.filter(created_at__lte=now - dt.timedelta(hours=lo))
        if hi is not None:
            qs = qs.filter(created_at__gt=now - dt.timedelta(hours=hi))
    if assignee == "me":
        qs = qs.filter(assignee=agent)
    elif assignee == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif (agent_id := as_int(assignee)) is not None:
        qs = qs.filter(assignee_id=agent_id)
    if overdue:
        qs = qs.filter(_overdue_q(now))
    return qs.order_by("status_changed_at", "id")


def case_get_for_staff(*, number: str) -> Case:
    case = (
        Case.objects.select_related("organization", "customer", "assignee", "merged_into")
        .filter(number=_case_number(number))
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    return case


def attachment_get_for_staff(*, pk: int) -> CaseAttachment:
    row = CaseAttachment.objects.select_related("case").filter(pk=pk).first()
    if row is None:
        raise Http404("No such file.")
    return row
