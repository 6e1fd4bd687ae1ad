"""Reads of the Referrals Portal, scoped to what the acting user may see.

Provider offices see the referrals of the practices their Referrals grants name (404 for every
other referral); UM reviewers (staff) see all of them in the review queue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as DbCase
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from portico.identity.roles import StaffRole, has_staff_role
from portico.members.models import Member
from portico.organizations.models import Application, Organization, OrganizationProvider, Provider
from portico.organizations.selectors import grants_for_user
from portico.referrals.models import (
    OPEN_STATUSES,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    ReferralStatus,
    Urgency,
)


def referral_organization_ids_for_user(*, user: Any) -> list[int]:
    """Practices named by the user's active Referrals grants (active practices only)."""
    return list(
        grants_for_user(user=user, application=Application.REFERRALS)
        .filter(organization__isnull=False, organization__is_active=True)
        .values_list("organization_id", flat=True)
    )


def referral_organizations_for_user(*, user: Any) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=referral_organization_ids_for_user(user=user))


def user_has_referrals_access(*, user: Any) -> bool:
    return bool(referral_organization_ids_for_user(user=user))


def user_is_reviewer(*, user: Any) -> bool:
    return has_staff_role(user, StaffRole.UM_REVIEWER)


def practice_providers(*, organization: Organization) -> QuerySet[Provider]:
    """Providers connected to the practice: who may be named as the referring PCP."""
    return Provider.objects.filter(
        practice_links__organization=organization,
        practice_links__status=OrganizationProvider.Status.ACTIVE,
    ).order_by("last_name", "first_name")


@dataclass(frozen=True)
class ReferralFilters:
    """Search criteria of the portal and the API (all optional)."""

    member_id: str = ""
    number: str = ""
    provider_npi: str = ""
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def is_empty(self) -> bool:
        return not any(
            (
                self.member_id,
                self.number,
                self.provider_npi,
                self.status,
                self.date_from,
                self.date_to,
            )
        )

    def as_session(self) -> dict[str, str]:
        return {
            "member_id": self.member_id,
            "number": self.number,
            "provider_npi": self.provider_npi,
            "status": self.status,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }

    @classmethod
    def from_session(cls, data: Any) -> ReferralFilters:
        if not isinstance(data, dict):
            return cls()

        def day(value: Any) -> dt.date | None:
            try:
                return dt.date.fromisoformat(str(value)) if value else None
            except ValueError:
                return None

        return cls(
            member_id=str(data.get("member_id", ""))[:30],
            number=str(data.get("number", ""))[:20],
            provider_npi=str(data.get("provider_npi", ""))[:10],
            status=str(data.get("status", "")) if data.get("status") in ReferralStatus else "",
            date_from=day(data.get("date_from")),
            date_to=day(data.get("date_to")),
        )


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "member", "plan", "referring_provider", "referred_to_provider", "organization"
    )


def apply_filters(qs: QuerySet[Referral], filters: ReferralFilters) -> QuerySet[Referral]:
    """Search by member ID, referral number, either provider's NPI, status and date range.

    The dates select referrals whose date range overlaps ``date_from``–``date_to``.
    """
    if filters.member_id:
        qs = qs.filter(member__member_id=filters.member_id.strip().upper())
    if filters.number:
        qs = qs.filter(number=filters.number.strip().upper())
    if filters.provider_npi:
        npi = filters.provider_npi.strip()
        qs = qs.filter(Q(referred_to_npi=npi) | Q(referring_provider__npi=npi))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(end_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(start_date__lte=filters.date_to)
    return qs


def referrals_for_user(*, user: Any, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    qs = _base().filter(organization_id__in=referral_organization_ids_for_user(user=user))
    return apply_filters(qs, filters or ReferralFilters())


def referral_get_for_user(*, user: Any, number: str) -> Referral:
    referral = referrals_for_user(user=user).filter(number=str(number).strip().upper()).first()
    if referral is None:
        raise Http404("No such referral.")
    return referral


def referrals_for_staff(*, filters: ReferralFilters | None = None) -> QuerySet[Referral]:
    """Every referral (callers check the UM reviewer role first)."""
    return apply_filters(_base(), filters or ReferralFilters())


def referral_get_for_staff(*, number: str) -> Referral:
    referral = _base().filter(number=str(number).strip().upper()).first()
    if referral is None:
        raise Http404("No such referral.")
    return referral


def review_queue() -> QuerySet[Referral]:
    """Referrals waiting for a reviewer: emergent first, then urgent, then oldest first."""
    rank = DbCase(
        When(urgency=Urgency.EMERGENT, then=Value(0)),
        When(urgency=Urgency.URGENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        _base()
        .filter(status__in=OPEN_STATUSES)
        .annotate(urgency_rank=rank)
        .order_by("urgency_rank", "created_at", "id")
    )


def referral_history(*, referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.select_related("actor").order_by("at", "id")


def referrals_for_member(*, member: Member) -> QuerySet[Referral]:
    """A member's referrals from every practice, newest first.

    For the Physician Info Portal, whose own selectors decide first whether the user may see
    the member at all; this selector does no user scoping of its own.
    """
    return _base().filter(member=member).order_by("-start_date", "-id")


def attachment_get_for_user(*, user: Any, pk: int) -> ReferralAttachment:
    row = (
        ReferralAttachment.objects.select_related("referral")
        .filter(pk=pk, referral__organization_id__in=referral_organization_ids_for_user(user=user))
        .first()
    )
    if row is None:
        raise Http404("No such file.")
    return row


def attachment_get_for_staff(*, pk: int) -> ReferralAttachment:
    row = ReferralAttachment.objects.select_related("referral__member").filter(pk=pk).first()
    if row is None:
        raise Http404("No such file.")
    return row


def member_ids_referred_to(*, provider_ids: list[int]) -> QuerySet[Referral]:
    """Referrals that send members to any of ``provider_ids`` (for PIP's "treated by")."""
    return Referral.objects.filter(
        referred_to_provider_id__in=provider_ids,
        status__in=[ReferralStatus.APPROVED, ReferralStatus.USED, ReferralStatus.EXPIRED],
    )
