"""Writes of the plans' provider files, and connecting a practice to a listed provider."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portico.core.audit import audit_record
from portico.members.models import HealthPlan, PlanProvider
from portico.members.provider_file import ProviderFileRow
from portico.organizations.models import Organization, OrganizationProvider, Provider


class ProviderNotListed(Exception):
    """The plan's provider file has no current row for the NPI or Provider ID."""


class ProviderConnectError(Exception):
    """Shown to the user as is."""


@transaction.atomic
def provider_file_import(
    *, plan: HealthPlan, rows: list[ProviderFileRow], actor: Any = None
) -> tuple[int, int]:
    """Upsert providers and the plan's Provider IDs; returns ``(created, updated)``."""
    created = updated = 0
    for row in rows:
        entity = (
            Provider.EntityType.INDIVIDUAL if row.last_name else Provider.EntityType.ORGANIZATION
        )
        provider, _ = Provider.objects.update_or_create(
            npi=row.npi,
            defaults=dict(
                entity_type=entity,
                first_name=row.first_name,
                last_name=row.last_name,
                organization_name=row.organization_name,
                credential=row.credential,
                taxonomy_code=row.taxonomy_code,
            ),
        )
        PlanProvider.objects.filter(plan=plan, plan_provider_id=row.provider_id).exclude(
            provider=provider
        ).delete()
        values: dict[str, Any] = dict(
            plan_provider_id=row.provider_id,
            network=row.network,
            effective_date=row.effective_date,
            termination_date=row.termination_date,
        )
        if row.provider_password:
            values["access_secret"] = make_password(row.provider_password)
        _, was_created = PlanProvider.objects.update_or_create(
            plan=plan, provider=provider, defaults=values
        )
        created += was_created
        updated += not was_created
    audit_record(
        action="portico.provider_file.imported",
        actor=actor,
        obj=plan,
        changes={"created": created, "updated": updated, "rows": len(rows)},
    )
    return created, updated


def plan_provider_find(*, plan: HealthPlan, npi: str = "", provider_id: str = "") -> PlanProvider:
    """The plan's current listing for the NPI or Provider ID; ProviderNotListed otherwise."""
    today = timezone.localdate()
    qs = PlanProvider.objects.filter(plan=plan).select_related("provider")
    qs = qs.filter(Q(effective_date__isnull=True) | Q(effective_date__lte=today))
    qs = qs.filter(Q(termination_date__isnull=True) | Q(termination_date__gte=today))
    if npi:
        qs = qs.filter(provider__npi=npi)
    elif provider_id:
        qs = qs.filter(plan_provider_id__iexact=provider_id.strip())
    else:
        raise ProviderNotListed
    listing = qs.first()
    if listing is None:
        raise ProviderNotListed
    return listing


# ---------------------------------------------------------------------------
# The plan's provider password: a guessable secret, so wrong tries are limited
# ---------------------------------------------------------------------------
PROVIDER_PASSWORD_LOCKED = (
    "Too many wrong Provider ID passwords. Try again in {minutes} minutes, or connect "
    "without a password and an administrator will review the request."
)
PROVIDER_PASSWORD_WRONG = (
    "That Provider ID and password do not match the plan's records. Check them, or connect "
    "without a password and an administrator will review the request."
)


def provider_password_limits() -> tuple[int, int, int]:
    """(failures per Provider ID, failures per practice, window in seconds)."""
    return (
        int(getattr(settings, "PORTICO_PROVIDER_PASSWORD_MAX_FAILURES", 5)),
        int(getattr(settings, "PORTICO_PROVIDER_PASSWORD_MAX_FAILURES_PER_PRACTICE", 10)),
        int(getattr(settings, "PORTICO_PROVIDER_PASSWORD_WINDOW_SECONDS", 15 * 60)),
    )


def _password_failure_keys(listing: PlanProvider, organization: Organization) -> list[str]:
    return [
        f"portico.provider-password:listing:{listing.pk}",
        f"portico.provider-password:practice:{organization.pk}",
    ]


def _provider_password_check(
    *, listing: PlanProvider, organization: Organization, actor: Any, password: str
) -> None:
    """Raise ProviderConnectError unless ``password`` is the listing's. Once the failures
    of the Provider ID or of the practice reach the limit in the window, nothing is checked
    (a right guess would not help). Every failure is an audit event."""
    per_listing, per_practice, window = provider_password_limits()
    keys = _password_failure_keys(listing, organization)
    counts = [int(cache.get(key, 0)) for key in keys]
    if counts[0] >= per_listing or counts[1] >= per_practice:
        _provider_password_failed(listing, organization, actor, locked=True)
        raise ProviderConnectError(PROVIDER_PASSWORD_LOCKED.format(minutes=max(1, window // 60)))
    if listing.access_secret and check_password(password, listing.access_secret):
        cache.delete(keys[0])
        return
    for key in keys:
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
    _provider_password_failed(listing, organization, actor, locked=False)
    raise ProviderConnectError(PROVIDER_PASSWORD_WRONG)


@transaction.atomic
def _provider_password_failed(
    listing: PlanProvider, organization: Organization, actor: Any, *, locked: bool
) -> None:
    audit_record(
        action="portico.practice_provider.password_failed",
        actor=actor,
        obj=listing,
        organization_id=organization.pk,
        changes={"provider_id": listing.plan_provider_id, "refused_as_locked": locked},
    )


def practice_provider_connect(
    *,
    organization: Organization,
    plan: HealthPlan,
    actor: Any,
    npi: str = "",
    provider_id: str = "",
    provider_password: str = "",
) -> OrganizationProvider:
    """Connect a provider listed in the plan's file to the practice.

    With the Provider ID's password the plan issued, the connection is active at once;
    without it, it waits for an access administrator (status pending). Wrong passwords are
    counted per Provider ID and per practice (``_provider_password_check``).
    """
    listing = plan_provider_find(plan=plan, npi=npi, provider_id=provider_id)
    proved = False
    if provider_password:
        _provider_password_check(
            listing=listing, organization=organization, actor=actor, password=provider_password
        )
        proved = True
    return _practice_provider_link(
        organization=organization, plan=plan, listing=listing, actor=actor, proved=proved
    )


@transaction.atomic
def _practice_provider_link(
    *,
    organization: Organization,
    plan: HealthPlan,
    listing: PlanProvider,
    actor: Any,
    proved: bool,
) -> OrganizationProvider:
    link = (
        OrganizationProvider.objects.select_for_update()
        .filter(organization=organization, provider=listing.provider)
        .first()
    )
    status = OrganizationProvider.Status.ACTIVE if proved else OrganizationProvider.Status.PENDING
    if link is not None and link.status == OrganizationProvider.Status.ACTIVE:
        raise ProviderConnectError(f"{listing.provider.display_name} is already connected.")
    if link is not None and link.status == OrganizationProvider.Status.PENDING and not proved:
        raise ProviderConnectError(
            f"A request to connect {listing.provider.display_name} is already waiting for review."
        )
    if link is None:
        link = OrganizationProvider.objects.create(
            organization=organization,
            provider=listing.provider,
            status=status,
            connected_by=actor,
        )
    else:
        link.status = status
        link.connected_by = actor
        link.save(update_fields=["status", "connected_by", "updated_at"])
    audit_record(
        action="portico.practice_provider.connected"
        if proved
        else "portico.practice_provider.requested",
        actor=actor,
        obj=link,
        organization_id=organization.pk,
        changes={
            "npi": listing.provider.npi,
            "plan": plan.payer_id,
            "provider_id": listing.plan_provider_id,
            "proof": "provider_password" if proved else "staff_review",
        },
    )
    return link
