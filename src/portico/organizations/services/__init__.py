"""Writes of practices, memberships and application grants, each with its audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.core.audit import audit_record, model_changes
from portico.organizations.models import (
    ApplicationGrant,
    Membership,
    Organization,
    OrganizationTIN,
)
from portico.organizations.validators import parse_tin


@transaction.atomic
def organization_create(
    *, name: str, tins: list[str], actor: Any = None, **fields: Any
) -> Organization:
    org = Organization.objects.create(name=name, **fields)
    for raw in tins:
        tin = parse_tin(raw)
        OrganizationTIN.objects.create(organization=org, tin=tin.digits, kind=tin.kind)
    audit_record(
        action="portico.organization.created", actor=actor, obj=org, organization_id=org.pk
    )
    return org


ORGANIZATION_CONTACT_FIELDS = (
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
    "phone",
    "fax",
    "email",
)


@transaction.atomic
def organization_update(
    *, organization: Organization, actor: Any = None, reason: str = "", **fields: Any
) -> Organization:
    """Change a practice's address and contact details (only ``ORGANIZATION_CONTACT_FIELDS``;
    a field passed as None is left as it is, "" clears it). Audited with the before/after of
    each change; nothing is written when nothing changes."""
    unknown = set(fields) - set(ORGANIZATION_CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"Not a practice contact field: {', '.join(sorted(unknown))}")
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    wanted = {k: str(v).strip() for k, v in fields.items() if v is not None}
    before = {k: getattr(org, k) for k in wanted}
    changes = model_changes(before, wanted)
    if not changes:
        return org
    for key in changes:
        setattr(org, key, wanted[key])
    org.save(update_fields=[*changes, "updated_at"])
    audit_record(
        action="portico.organization.updated",
        actor=actor,
        obj=org,
        organization_id=org.pk,
        changes={**changes, **({"reason": reason} if reason else {})},
    )
    return org


@transaction.atomic
def organization_tin_add(
    *, organization: Organization, tin: str, actor: Any = None
) -> OrganizationTIN:
    parsed = parse_tin(tin)
    row, _ = OrganizationTIN.objects.update_or_create(
        organization=organization,
        tin=parsed.digits,
        defaults={"kind": parsed.kind, "is_active": True},
    )
    audit_record(
        action="portico.organization.tin_added",
        actor=actor,
        obj=organization,
        organization_id=organization.pk,
        changes={"tin": parsed.display},
    )
    return row


@transaction.atomic
def membership_add(
    *,
    user: Any,
    organization: Organization,
    role: str = Membership.Role.STAFF,
    title: str = "",
    actor: Any = None,
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user,
        organization=organization,
        defaults={"role": role, "title": title, "is_active": True},
    )
    audit_record(
        action="portico.membership.added",
        actor=actor,
        obj=membership,
        organization_id=organization.pk,
        changes={"user": user.get_username(), "role": role},
    )
    return membership


@transaction.atomic
def grant_set(
    *,
    user: Any,
    application: str,
    organization: Organization | None,
    scope: dict[str, Any],
    actor: Any = None,
) -> ApplicationGrant:
    """Create or update the user's active grant for (application, practice)."""
    grant = (
        ApplicationGrant.objects.select_for_update()
        .filter(user=user, application=application, organization=organization, is_active=True)
        .first()
    )
    if grant is None:
        grant = ApplicationGrant.objects.create(
            user=user,
            application=application,
            organization=organization,
            scope=scope,
            granted_by=actor,
        )
        action, changes = "portico.grant.created", {"scope": scope}
    else:
        action, changes = "portico.grant.changed", model_changes(grant.scope, scope)
        grant.scope = scope
        grant.granted_by = actor
        grant.save(update_fields=["scope", "granted_by", "updated_at"])
    audit_record(
        action=action,
        actor=actor,
        obj=grant,
        organization_id=organization.pk if organization else None,
        changes={"user": user.get_username(), "application": application, **changes},
    )
    return grant


@transaction.atomic
def grant_revoke(
    *, grant: ApplicationGrant, actor: Any = None, reason: str = ""
) -> ApplicationGrant:
    grant.is_active = False
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["is_active", "revoked_at", "updated_at"])
    audit_record(
        action="portico.grant.revoked",
        actor=actor,
        obj=grant,
        organization_id=grant.organization_id,
        changes={"user": grant.user.get_username(), "reason": reason},
    )
    return grant
