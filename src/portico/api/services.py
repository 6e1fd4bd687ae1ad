"""System API clients: register a client-credentials client bound to an organisation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from allauth.idp.oidc.models import Client
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from portico.api.models import ApiClientBinding
from portico.core.audit import audit_record
from portico.identity.oidc import oidc_client_create, oidc_client_delete
from portico.organizations.models import Application, Membership, Organization
from portico.organizations.services import grant_set

# OAuth scope a system client needs for each application's API.
APPLICATION_SCOPES: dict[str, str] = {
    Application.CLAIMS: "claims",
    Application.PATIENT_INFO: "patients",
    Application.REFERRALS: "referrals",
    Application.PRIOR_AUTH: "priorauth",
    Application.SUPPORT: "support",
}
SERVICE_EMAIL_DOMAIN = "api-clients.invalid"  # RFC 2606: never delivered


@dataclass(frozen=True)
class CreatedApiClient:
    binding: ApiClientBinding
    client: Client
    secret: str


def _grant_scope(application: str, organization: Organization, options: dict[str, Any]) -> dict:
    if application == Application.CLAIMS:
        tins = options.get("tins") or list(
            organization.tins.filter(is_active=True).values_list("tin", flat=True)
        )
        return {"tins": list(tins), "submit_claims": bool(options.get("submit_claims", False))}
    if application == Application.PATIENT_INFO:
        regions = list(options.get("regions") or [])
        if not regions:
            raise ValidationError("A Physician Info Portal grant needs at least one --region.")
        return {"regions": regions, "roles": ["staff"], "cap_report": False, "add_terms": False}
    return {}


@transaction.atomic
def api_client_create(
    *,
    name: str,
    organization: Organization,
    applications: Sequence[str],
    options: dict[str, Any] | None = None,
    actor: Any = None,
) -> CreatedApiClient:
    """Register a confidential client-credentials client acting for ``organization``.

    Creates the OIDC client (scopes: one per application), its service account (a user who
    cannot sign in) with a membership and a grant per application, and the binding. The
    secret is returned once.
    """
    options = options or {}
    apps = list(dict.fromkeys(applications))
    unknown = [a for a in apps if a not in APPLICATION_SCOPES]
    if not apps or unknown:
        raise ValidationError(
            f"Choose applications among {', '.join(APPLICATION_SCOPES)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            + "."
        )
    if not organization.is_active:
        raise ValidationError("The organisation is not active.")
    scopes = [APPLICATION_SCOPES[a] for a in apps]
    client, secret = oidc_client_create(
        name=name, grant_types=["client_credentials"], scopes=scopes, actor=actor
    )
    assert secret is not None  # confidential
    user_model = get_user_model()
    username = f"api-client-{client.id[:12].lower()}"
    service_user = user_model(
        username=username,
        email=f"{username}@{SERVICE_EMAIL_DOMAIN}",
        first_name="API client",
        last_name=name[:150],
        is_active=True,
    )
    service_user.set_unusable_password()
    service_user.save()
    Membership.objects.create(
        user=service_user, organization=organization, role=Membership.Role.STAFF,
        title="API client",
    )  # fmt: skip
    for application in apps:
        grant_set(
            user=service_user,
            application=application,
            organization=organization,
            scope=_grant_scope(application, organization, options),
            actor=actor,
        )
    binding = ApiClientBinding.objects.create(
        client=client, service_user=service_user, organization=organization, created_by=actor
    )
    audit_record(
        action="portico.api.client_bound",
        actor=actor,
        obj=binding,
        organization_id=organization.pk,
        object_repr=name,
        changes={"client_id": client.id, "applications": apps, "scopes": scopes},
    )
    return CreatedApiClient(binding=binding, client=client, secret=secret)


@transaction.atomic
def api_client_delete(*, client_id: str, actor: Any = None) -> None:
    """Delete the client (its tokens go with it) and deactivate its service account."""
    binding = (
        ApiClientBinding.objects.select_for_update()
        .select_related("service_user")
        .filter(client_id=client_id)
        .first()
    )
    if binding is None:
        raise ValidationError(f"No API client {client_id!r}.")
    user = binding.service_user
    audit_record(
        action="portico.api.client_unbound",
        actor=actor,
        obj=binding,
        organization_id=binding.organization_id,
        changes={"client_id": client_id},
    )
    binding.delete()
    oidc_client_delete(client_id=client_id, actor=actor)
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.grants.filter(is_active=True).update(is_active=False)
    Membership.objects.filter(user=user).update(is_active=False)
