"""Practice self-service: invitations, deactivating users, provider links."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portico.core.audit import audit_record
from portico.organizations.models import (
    ApplicationGrant,
    Membership,
    Organization,
    OrganizationProvider,
    PracticeInvitation,
)
from portico.organizations.services import grant_revoke, grant_set, membership_add

INVITATION_TTL = dt.timedelta(days=14)


class PracticeError(Exception):
    """Shown to the user as is."""


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_send(
    *,
    organization: Organization,
    email: str,
    role: str,
    actor: Any,
    accept_url: str,
    grants: list[dict[str, Any]] | None = None,
    access_request: Any = None,
) -> PracticeInvitation:
    """Invite ``email`` to the practice; ``accept_url`` has a ``{token}`` placeholder.

    ``grants`` ([{"application", "scope"}]) are written when the invitation is accepted (an
    approved access request naming someone without a Portico ID)."""
    email = email.strip()
    if Membership.objects.filter(
        organization=organization, user__email__iexact=email, is_active=True
    ).exists():
        raise PracticeError(f"{email} already uses this practice's portal.")
    PracticeInvitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = PracticeInvitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_TTL,
        grants=list(grants or []),
        access_request=access_request,
    )
    audit_record(
        action="portico.invitation.sent",
        actor=actor,
        obj=invitation,
        organization_id=organization.pk,
        changes={
            "email": email,
            "role": role,
            "applications": [g["application"] for g in grants or []],
        },
    )
    brand = settings.PORTICO_BRAND
    link = accept_url.format(token=token)
    body = (
        f"{actor.get_full_name() or actor.get_username()} invited you to use the "
        f"{brand['site_name']} provider portal for {organization.name}.\n\n"
        f"Accept the invitation: {link}\n\n"
        f"You will sign in with your {brand['idp_name']}, or create one with this email "
        f"address. Every person needs their own {brand['idp_name']}; never share one.\n\n"
        f"The invitation expires on {invitation.expires_at:%B %d, %Y}."
    )
    transaction.on_commit(
        lambda: send_mail(
            f"{brand['site_name']}: invitation from {organization.name}", body, None, [email]
        )
    )
    return invitation


def invitation_for_token(token: str) -> PracticeInvitation | None:
    return (
        PracticeInvitation.objects.select_related("organization")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def invitation_problem(invitation: PracticeInvitation | None) -> str:
    if invitation is None:
        return "This invitation link is not valid."
    if invitation.revoked_at:
        return "This invitation was withdrawn. Ask the practice administrator for a new one."
    if invitation.accepted_at:
        return "This invitation was already used."
    if invitation.expires_at < timezone.now():
        return "This invitation has expired. Ask the practice administrator for a new one."
    return ""


@transaction.atomic
def invitation_accept(*, token: str, user: Any) -> Membership:
    invitation = invitation_for_token(token)
    problem = invitation_problem(invitation)
    if problem:
        raise PracticeError(problem)
    assert invitation is not None
    if invitation.email.lower() != (user.email or "").lower():
        raise PracticeError(
            f"This invitation was sent to {invitation.email}. Sign in with the "
            f"{settings.PORTICO_BRAND['idp_name']} that uses that email address."
        )
    membership = membership_add(
        user=user, organization=invitation.organization, role=invitation.role, actor=user
    )
    for grant in invitation.grants:
        grant_set(
            user=user,
            application=grant["application"],
            organization=invitation.organization,
            scope=dict(grant.get("scope") or {}),
            actor=invitation.invited_by,
        )
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at", "updated_at"])
    audit_record(
        action="portico.invitation.accepted",
        actor=user,
        obj=invitation,
        organization_id=invitation.organization_id,
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: PracticeInvitation, actor: Any) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        action="portico.invitation.revoked",
        actor=actor,
        obj=invitation,
        organization_id=invitation.organization_id,
    )


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: Any) -> Membership:
    """End a user's place in a practice and every grant they hold for it."""
    if membership.user_id == actor.pk:
        raise PracticeError("You cannot deactivate yourself. Ask another administrator.")
    membership.is_active = False
    membership.save(update_fields=["is_active", "updated_at"])
    for grant in ApplicationGrant.objects.filter(
        user_id=membership.user_id, organization_id=membership.organization_id, is_active=True
    ):
        grant_revoke(grant=grant, actor=actor, reason="Deactivated by the practice administrator")
    audit_record(
        action="portico.membership.deactivated",
        actor=actor,
        obj=membership,
        organization_id=membership.organization_id,
        changes={"user": membership.user.get_username()},
    )
    return membership


@transaction.atomic
def practice_provider_remove(*, link: OrganizationProvider, actor: Any) -> OrganizationProvider:
    link.status = OrganizationProvider.Status.REMOVED
    link.save(update_fields=["status", "updated_at"])
    audit_record(
        action="portico.practice_provider.removed",
        actor=actor,
        obj=link,
        organization_id=link.organization_id,
        changes={"npi": link.provider.npi},
    )
    return link


@transaction.atomic
def practice_provider_decide(
    *, link: OrganizationProvider, actor: Any, approve: bool
) -> OrganizationProvider:
    """Staff decide a connection request that came without the plan's provider password."""
    link = OrganizationProvider.objects.select_for_update().get(pk=link.pk)
    if link.status != OrganizationProvider.Status.PENDING:
        raise PracticeError("This connection request was already decided.")
    link.status = (
        OrganizationProvider.Status.ACTIVE if approve else OrganizationProvider.Status.REMOVED
    )
    link.save(update_fields=["status", "updated_at"])
    audit_record(
        action="portico.practice_provider.approved"
        if approve
        else "portico.practice_provider.rejected",
        actor=actor,
        obj=link,
        organization_id=link.organization_id,
        changes={"npi": link.provider.npi},
    )
    return link
