"""Reads of the prior-authorization portal, scoped to what the acting user may see.

Practice users see the requests, drafts and legacy cases of practices where they hold an
active Prior Authorization grant; outside them every lookup answers 404. Staff queues are for
UM reviewers (callers check the role).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from portico.documents.models import Document
from portico.documents.selectors import documents_for_subject, documents_for_user
from portico.members.models import HealthPlan
from portico.priorauth.models import (
    CUTOVER_UPCOMING,
    WITHDRAWN,
    LegacyCase,
    PlanPriorAuthSettings,
    PriorAuthRequest,
    RequestAttachment,
    RequestEvent,
    ServiceCategory,
    Status,
    Urgency,
)
from portico.priorauth.services.requests import connected_providers, priorauth_organization_ids


def has_priorauth_access(*, user: Any) -> bool:
    return bool(priorauth_organization_ids(user=user))


def requests_for_user(*, user: Any) -> QuerySet[PriorAuthRequest]:
    return PriorAuthRequest.objects.filter(
        organization_id__in=priorauth_organization_ids(user=user)
    ).select_related("plan", "member", "requesting_provider", "service_category")


def request_get_for_user(*, user: Any, reference: str) -> PriorAuthRequest:
    try:
        return requests_for_user(user=user).get(reference=reference)
    except PriorAuthRequest.DoesNotExist:
        raise Http404("No such request.") from None


def _state_q(state: str) -> Q:
    """Requests in ``state`` as people see it: a withdrawn request is Withdrawn, not the
    status it was withdrawn at (``PriorAuthRequest.state``)."""
    if state == WITHDRAWN:
        return Q(withdrawn_at__isnull=False)
    return Q(status=state, withdrawn_at__isnull=True)


def request_search(
    *, user: Any, status: str = "", query: str = "", include_drafts: bool = True
) -> QuerySet[PriorAuthRequest]:
    qs = requests_for_user(user=user)
    if not include_drafts:
        qs = qs.exclude(status=Status.DRAFT)
    if status:
        qs = qs.filter(_state_q(status))
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(reference__iexact=query)
            | Q(member__member_id__iexact=query)
            | Q(member__last_name__iexact=query)
            | Q(lines__code__iexact=query)
        ).distinct()
    return qs.order_by("-created_at", "-id")


def legacy_cases_for_user(*, user: Any) -> QuerySet[LegacyCase]:
    return LegacyCase.objects.filter(
        organization_id__in=priorauth_organization_ids(user=user)
    ).select_related("plan")


def legacy_case_get_for_user(*, user: Any, pk: int) -> LegacyCase:
    try:
        return legacy_cases_for_user(user=user).get(pk=pk)
    except LegacyCase.DoesNotExist:
        raise Http404("No such case.") from None


def attachment_get_for_user(*, user: Any, pk: int) -> RequestAttachment:
    try:
        return RequestAttachment.objects.select_related("request").get(
            pk=pk, request__organization_id__in=priorauth_organization_ids(user=user)
        )
    except RequestAttachment.DoesNotExist:
        raise Http404("No such file.") from None


def history(*, request: PriorAuthRequest, include_internal: bool = False) -> QuerySet[RequestEvent]:
    qs = request.events.select_related("actor")
    if not include_internal:
        qs = qs.filter(internal=False)
    return qs.order_by("at", "id")


def letters_for_request(
    *, request: PriorAuthRequest, user: Any | None = None
) -> QuerySet[Document]:
    if user is not None:
        return documents_for_user(
            user=user, subject_app="priorauth", subject_type="request", subject_id=str(request.pk)
        )
    return documents_for_subject(
        subject_app="priorauth",
        subject_type="request",
        subject_id=str(request.pk),
        include_mail=True,
    )


def letters_inbox(*, user: Any, unread_only: bool = False) -> QuerySet[Document]:
    return documents_for_user(user=user, subject_app="priorauth", unread_only=unread_only)


def request_references(*, pks: list[str]) -> dict[str, str]:
    """pk → reference for labelling letters in the inbox."""
    return {
        str(pk): ref
        for pk, ref in PriorAuthRequest.objects.filter(pk__in=pks).values_list("pk", "reference")
    }


def plans_for_priorauth() -> QuerySet[HealthPlan]:
    return HealthPlan.objects.filter(priorauth_settings__is_active=True).order_by("name")


def settings_for_plans() -> list[PlanPriorAuthSettings]:
    return list(
        PlanPriorAuthSettings.objects.filter(is_active=True).select_related("plan", "program")
    )


@dataclass(frozen=True)
class CutoverBanner:
    """A plan's cut-over notice: before the date (``upcoming``) or during the notice period
    after it (``recent``, ``PlanPriorAuthSettings.cutover_notice_days``)."""

    settings: PlanPriorAuthSettings
    phase: str

    @property
    def upcoming(self) -> bool:
        return self.phase == CUTOVER_UPCOMING


def cutover_banners(*, today: dt.date | None = None) -> list[CutoverBanner]:
    """Plans whose cut-over to Portico is ahead, or behind by less than the notice period."""
    day = today or timezone.localdate()
    banners = [CutoverBanner(s, s.cutover_notice(day)) for s in settings_for_plans()]
    return [b for b in banners if b.phase]


def categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.filter(is_active=True)


def providers_for_priorauth(*, user: Any) -> list[Any]:
    return list(
        connected_providers(organization_ids=priorauth_organization_ids(user=user)).order_by(
            "last_name", "first_name", "organization_name"
        )
    )


# ---------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------
def review_queue(
    *,
    urgency: str = "",
    status: str = "open",
    assigned: str = "",
    reviewer: Any = None,
    query: str = "",
) -> QuerySet[PriorAuthRequest]:
    """Open requests, expedited first, then by due date (the turnaround clock)."""
    qs = PriorAuthRequest.objects.exclude(status=Status.DRAFT).select_related(
        "plan", "member", "requesting_provider", "assigned_to", "service_category", "organization"
    )
    if status == "open":
        qs = qs.filter(
            status__in=[Status.RECEIVED, Status.IN_REVIEW, Status.SEND_BACK],
            withdrawn_at__isnull=True,
        )
    elif status:
        qs = qs.filter(_state_q(status))
    if urgency in Urgency.values:
        qs = qs.filter(urgency=urgency)
    if assigned == "me" and reviewer is not None:
        qs = qs.filter(assigned_to=reviewer)
    elif assigned == "none":
        qs = qs.filter(assigned_to__isnull=True)
    query = query.strip()
    if query:
        qs = qs.filter(Q(reference__iexact=query) | Q(member__member_id__iexact=query))
    # Expedited before standard ("expedited" sorts before "standard"), then due date.
    return qs.order_by("urgency", "due_at", "id")


def request_get_for_staff(*, reference: str) -> PriorAuthRequest:
    try:
        return PriorAuthRequest.objects.select_related(
            "plan",
            "member",
            "requesting_provider",
            "servicing_provider",
            "assigned_to",
            "service_category",
            "organization",
        ).get(reference=reference)
    except PriorAuthRequest.DoesNotExist:
        raise Http404("No such request.") from None


def attachment_get_for_staff(*, pk: int) -> RequestAttachment:
    try:
        return RequestAttachment.objects.select_related("request").get(pk=pk)
    except RequestAttachment.DoesNotExist:
        raise Http404("No such file.") from None
