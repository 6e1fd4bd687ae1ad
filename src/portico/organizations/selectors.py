"""Reads of practices, providers and grants, always scoped to the acting user."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portico.core.lookups import same_ignoring_case
from portico.core.models import AuditEvent
from portico.organizations.models import (
    AccessRequest,
    AccessRequestSignature,
    Application,
    ApplicationGrant,
    LegacyAccount,
    Membership,
    Organization,
    OrganizationProvider,
    PracticeInvitation,
    Provider,
)


def organization_names(ids: Iterable[int]) -> dict[int, str]:
    """Practice names by number (the audit trail names the practice of each event)."""
    return dict(Organization.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def organizations_for_user(*, user: Any) -> QuerySet[Organization]:
    """Practices the user belongs to (active memberships only)."""
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    return Organization.objects.filter(
        memberships__user=user, memberships__is_active=True, is_active=True
    ).distinct()


def organization_ids_for_user(*, user: Any) -> list[int]:
    return list(organizations_for_user(user=user).values_list("id", flat=True))


def memberships_for_user(*, user: Any) -> QuerySet[Membership]:
    """The user's active memberships of active practices, by practice name."""
    return (
        Membership.objects.filter(user=user, is_active=True, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def admin_organizations_for_user(*, user: Any) -> QuerySet[Organization]:
    return organizations_for_user(user=user).filter(
        memberships__user=user, memberships__role=Membership.Role.ADMIN
    )


def practice_administrators_for_user(*, user: Any) -> list[tuple[Organization, list[Any]]]:
    """For each practice the user belongs to, its active administrators (whom a colleague
    asks to be invited, or to connect a provider)."""
    organizations = list(organizations_for_user(user=user).order_by("name"))
    admins = (
        Membership.objects.filter(
            organization__in=organizations, role=Membership.Role.ADMIN, is_active=True
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    by_org: dict[int, list[Any]] = {}
    for membership in admins:
        if membership.user.is_active:
            by_org.setdefault(membership.organization_id, []).append(membership.user)
    return [(org, by_org.get(org.pk, [])) for org in organizations]


def grants_for_user(*, user: Any, application: str | None = None) -> QuerySet[ApplicationGrant]:
    if not getattr(user, "is_authenticated", False):
        return ApplicationGrant.objects.none()
    qs = ApplicationGrant.objects.filter(user=user, is_active=True).select_related("organization")
    if application:
        qs = qs.filter(application=application)
    return qs


def applications_for_user(*, user: Any) -> list[str]:
    """The distinct applications the user may open, in the order Application lists them."""
    granted = set(grants_for_user(user=user).values_list("application", flat=True))
    return [app for app in Application.values if app in granted]


def tins_for_user(*, user: Any, application: str = Application.CLAIMS) -> set[str]:
    """Every TIN the user's grants for ``application`` cover (claims scope by TIN)."""
    tins: set[str] = set()
    for grant in grants_for_user(user=user, application=application):
        tins.update(grant.scope.get("tins", []))
    return tins


def providers_for_user(*, user: Any) -> QuerySet[Provider]:
    """Providers connected to any practice the user belongs to."""
    return Provider.objects.filter(
        practice_links__organization__in=organizations_for_user(user=user),
        practice_links__status=OrganizationProvider.Status.ACTIVE,
    ).distinct()


# ---------------------------------------------------------------------------
# Access requests, practices' users and providers, legacy accounts
# ---------------------------------------------------------------------------
def access_requests_for_user(*, user: Any) -> QuerySet[AccessRequest]:
    """The user's own access requests (each person submits their own form)."""
    if not getattr(user, "is_authenticated", False):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(requester=user)


def access_request_get_for_user(*, user: Any, pk: int) -> AccessRequest:
    return get_object_or_404(access_requests_for_user(user=user), pk=pk)


def access_request_by_reference_for_user(*, user: Any, reference: str) -> AccessRequest:
    """The user's own request by its reference (the API's identifier); 404 for any other."""
    return get_object_or_404(access_requests_for_user(user=user), reference__iexact=reference)


def claims_form_user(*, access_request: AccessRequest) -> Any:
    """Whom a Claims Online Portal form's User section names: the requester when it describes
    them (their email or their Portico ID), else the active Portico ID with that (verified)
    email; None when that person has no Portico ID yet (approval then invites them)."""
    data = access_request.data
    requester = access_request.requester
    email = (data.get("user_email") or "").strip().lower()
    login = (data.get("login_user_id") or "").strip().lower()
    if not email or email == requester.email.lower() or login == requester.get_username().lower():
        return requester
    return (
        get_user_model().objects.filter(same_ignoring_case("email", email), is_active=True).first()
    )


REFERRALS_FROM: dict[str, set[str]] = {
    Application.CLAIMS: {
        AccessRequest.RequestType.NEW,
        AccessRequest.RequestType.UPDATE,
        AccessRequest.RequestType.ADD_TIN,
        AccessRequest.RequestType.REACTIVATE,
    },
    Application.PATIENT_INFO: {AccessRequest.RequestType.PIP},
}


def referrals_grantee(*, access_request: AccessRequest) -> Any:
    """Who may be given the Referrals Portal from this request: the person a provider
    practice's Claims Online Portal or Physician Info Portal form gave access to. None for
    Support (direct customers are not provider offices), for a request that removes access,
    and for a form whose user has no Portico ID."""
    if access_request.request_type not in REFERRALS_FROM.get(access_request.application, set()):
        return None
    if access_request.application == Application.CLAIMS:
        return claims_form_user(access_request=access_request)
    return access_request.requester


def grants_of_user_for_staff(*, user: Any) -> QuerySet[ApplicationGrant]:
    """Every grant of ``user``, the active ones first (access administrators; callers check
    the staff role first)."""
    return (
        ApplicationGrant.objects.filter(user=user)
        .select_related("organization", "granted_by")
        .order_by("-is_active", "application", "organization__name")
    )


def grant_get_for_staff(*, pk: int) -> ApplicationGrant:
    return get_object_or_404(ApplicationGrant.objects.select_related("user", "organization"), pk=pk)


def access_requests_for_staff(
    *, status: str = "", application: str = "", query: str = "", requester: Any = None
) -> QuerySet[AccessRequest]:
    """The access administrators' queue (or one user's requests, for their access page);
    callers check the staff role first."""
    qs = AccessRequest.objects.select_related("requester", "organization")
    if requester is not None:
        qs = qs.filter(requester=requester)
    if status:
        qs = qs.filter(status=status)
    if application:
        qs = qs.filter(application=application)
    query = query.strip()
    if query:
        digits = "".join(c for c in query if c.isdigit())
        condition = (
            Q(reference__iexact=query)
            | Q(practice_name__icontains=query)
            | Q(contact_email__icontains=query)
            | Q(requester__username__icontains=query)
            | Q(requester__email__icontains=query)
            | Q(requester__last_name__icontains=query)
        )
        if len(digits) == 9:
            condition |= Q(tins__contains=digits)
        qs = qs.filter(condition)
    return qs


def access_request_get_for_staff(*, pk: int) -> AccessRequest:
    return get_object_or_404(
        AccessRequest.objects.select_related("requester", "organization", "decided_by"), pk=pk
    )


def access_request_by_reference_for_staff(*, reference: str) -> AccessRequest:
    return get_object_or_404(
        AccessRequest.objects.select_related("requester", "organization", "decided_by"),
        reference__iexact=reference,
    )


def access_request_history(*, access_request: AccessRequest) -> QuerySet[AuditEvent]:
    """What happened to the request, oldest first. Staff page views are audited but are not
    history (every reload would add one); the audit log keeps them."""
    return (
        AuditEvent.objects.filter(
            object_type=access_request._meta.label_lower, object_id=str(access_request.pk)
        )
        .exclude(action="portico.access_request.viewed")
        .order_by("occurred_at", "id")
    )


def admin_organization_get_for_user(*, user: Any, pk: int) -> Organization:
    """A practice the user administers; 404 for every other practice."""
    return get_object_or_404(admin_organizations_for_user(user=user).distinct(), pk=pk)


def practice_memberships(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name")
    )


def practice_membership_get(*, organization: Organization, pk: int) -> Membership:
    return get_object_or_404(practice_memberships(organization=organization), pk=pk)


def practice_invitations_open(*, organization: Organization) -> QuerySet[PracticeInvitation]:
    return PracticeInvitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )


def practice_invitation_get(*, organization: Organization, pk: int) -> PracticeInvitation:
    return get_object_or_404(practice_invitations_open(organization=organization), pk=pk)


def practice_provider_links(*, organization: Organization) -> QuerySet[OrganizationProvider]:
    return (
        OrganizationProvider.objects.filter(organization=organization)
        .exclude(status=OrganizationProvider.Status.REMOVED)
        .select_related("provider")
        .order_by("provider__last_name", "provider__first_name")
    )


def practice_provider_link_get(*, organization: Organization, pk: int) -> OrganizationProvider:
    return get_object_or_404(practice_provider_links(organization=organization), pk=pk)


def provider_links_pending() -> QuerySet[OrganizationProvider]:
    """Connection requests waiting for an access administrator (staff only)."""
    return OrganizationProvider.objects.filter(
        status=OrganizationProvider.Status.PENDING
    ).select_related("organization", "provider", "connected_by")


def legacy_accounts_matching(*, user: Any) -> QuerySet[LegacyAccount]:
    """Unlinked legacy accounts whose email on file is the user's (offered pre-filled)."""
    if not getattr(user, "is_authenticated", False) or not user.email:
        return LegacyAccount.objects.none()
    return LegacyAccount.objects.filter(email__iexact=user.email, linked_at__isnull=True)


# ---------------------------------------------------------------------------
# Electronic signatures of an access form
# ---------------------------------------------------------------------------
def signature_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def access_request_signatures(*, access_request: AccessRequest) -> list[AccessRequestSignature]:
    """The form's e-signature lines in the form's order (empty when none were asked for)."""
    return list(access_request.signatures.order_by("position"))


def signature_for_token(*, token: str) -> AccessRequestSignature | None:
    """The signature line a link names, or None for an unknown (or replaced) token."""
    return (
        AccessRequestSignature.objects.select_related("access_request")
        .filter(token_hash=signature_token_hash(token))
        .first()
    )


def signature_problem(*, signature: AccessRequestSignature | None) -> str:
    """Why the link cannot be used now ("" when it can)."""
    if signature is None:
        return (
            "This link is not valid. Check that you copied the whole link from the email, "
            "and use the newest email if the link was sent again."
        )
    access_request = signature.access_request
    if signature.is_signed:
        return "This link was already used: your signature is recorded. Thank you."
    if access_request.is_signed:
        return (
            "This access form was already signed (the signed form was uploaded or faxed), so "
            "your signature in the browser is no longer needed. Thank you."
        )
    open_for_signing = {AccessRequest.Status.AWAITING_SIGNATURE, AccessRequest.Status.MORE_INFO}
    if access_request.status not in open_for_signing:
        return "This access request is closed; it no longer needs your signature."
    if signature.expires_at is None or signature.expires_at <= timezone.now():
        return (
            "This link has expired. Ask the person who sent the form to send you the link "
            "again from their request page."
        )
    return ""
