"""Customer users and the customer log-in (First/Last Name, User ID and PFI)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.text import names_match
from portico.organizations.models import Application, Organization
from portico.organizations.selectors import grants_for_user
from portico.support import conf
from portico.support.models import (
    CustomerUser,
)
from portico.support.services._common import (
    CustomerLoginFailed,
    CustomerLoginThrottled,
    SupportError,
)
from portico.support.validators import (
    normalize_pfi,
    normalize_user_id,
)

# ---------------------------------------------------------------------------
# Customer users and the customer log-in
# ---------------------------------------------------------------------------


@transaction.atomic
def customer_user_create(
    *,
    organization: Organization,
    first_name: str,
    last_name: str,
    user_id: str,
    portico_user: Any = None,
    actor: Any = None,
) -> CustomerUser:
    if organization.kind != Organization.Kind.DIRECT_CUSTOMER:
        raise SupportError("Customer users belong to direct-customer organisations only.")
    if not first_name.strip() or not last_name.strip():
        raise SupportError("Enter the customer's first and last name.")
    row = CustomerUser.objects.create(
        organization=organization,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        user_id=normalize_user_id(user_id),
        portico_user=portico_user,
        linked_at=timezone.now() if portico_user else None,
    )
    audit_record(
        action="portico.support.customer_user_created",
        actor=actor,
        obj=row,
        organization_id=organization.pk,
    )
    return row


def _failure_keys(*, user: Any, ip_address: str | None) -> list[tuple[str, int]]:
    keys = [(f"portico:support:login-fail:user:{user.pk}", conf.login_max_failures_per_user())]
    if ip_address:
        keys.append(
            (f"portico:support:login-fail:ip:{ip_address}", conf.login_max_failures_per_ip())
        )
    return keys


def customer_login_throttled(*, user: Any, ip_address: str | None) -> bool:
    return any(
        int(cache.get(key, 0)) >= limit
        for key, limit in _failure_keys(user=user, ip_address=ip_address)
    )


def _record_login_failure(*, user: Any, ip_address: str | None, reason: str, user_id: str) -> None:
    window = conf.login_failure_window_seconds()
    for key, _ in _failure_keys(user=user, ip_address=ip_address):
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
    with transaction.atomic():
        audit_record(
            action="portico.support.customer_login_failed",
            actor=user,
            object_type="support.customeruser",
            object_id=user_id[:64],
            changes={"reason": reason},
        )


def customer_login(
    *,
    user: Any,
    first_name: str,
    last_name: str,
    user_id: str,
    pfi: str,
    ip_address: str | None = None,
) -> CustomerUser:
    """Identify the customer behind a Portico ID (the "Customer log in" form).

    The name, User ID and PFI are not secret, so the Portico ID must hold a Support grant for
    the customer's organisation, and the customer user must be unlinked (the first log-in
    links it) or linked to this Portico ID. Every refusal looks the same to the user, counts
    towards the per-user and per-address limits, and is audited with its reason.
    """
    if customer_login_throttled(user=user, ip_address=ip_address):
        with transaction.atomic():
            audit_record(
                action="portico.support.customer_login_failed",
                actor=user,
                object_type="support.customeruser",
                changes={"reason": "throttled"},
            )
        minutes = max(1, conf.login_failure_window_seconds() // 60)
        raise CustomerLoginThrottled(
            f"Too many incorrect customer log in attempts. Wait {minutes} minutes and try "
            "again, or call Customer Support.",
            code="throttled",
        )
    try:
        user_id = normalize_user_id(user_id)
        pfi = normalize_pfi(pfi)
    except ValidationError as exc:
        _record_login_failure(user=user, ip_address=ip_address, reason="format", user_id="")
        raise CustomerLoginFailed(_LOGIN_FAILED, code="mismatch") from exc

    customer = (
        CustomerUser.objects.select_related("organization")
        .filter(
            user_id=user_id,
            is_active=True,
            organization__is_active=True,
            organization__kind=Organization.Kind.DIRECT_CUSTOMER,
        )
        .first()
    )
    reason = ""
    if customer is None:
        reason = "unknown_user_id"
    elif not (
        names_match(first_name, customer.first_name) and names_match(last_name, customer.last_name)
    ):
        reason = "name_mismatch"
    elif not customer.organization.tins.filter(tin=pfi, is_active=True).exists():
        reason = "pfi_mismatch"
    elif (
        not grants_for_user(user=user, application=Application.SUPPORT)
        .filter(organization=customer.organization)
        .exists()
    ):
        reason = "no_support_grant"
    elif customer.portico_user_id is not None and customer.portico_user_id != user.pk:
        reason = "linked_to_other_portico_id"
    elif (
        customer.portico_user_id is None
        and CustomerUser.objects.filter(portico_user=user).exclude(pk=customer.pk).exists()
    ):
        reason = "portico_id_linked_to_other_customer"
    if reason or customer is None:
        _record_login_failure(
            user=user, ip_address=ip_address, reason=reason or "unknown", user_id=user_id
        )
        raise CustomerLoginFailed(_LOGIN_FAILED, code="mismatch")

    try:
        with transaction.atomic():
            if customer.portico_user_id is None:
                customer.portico_user = user
                customer.linked_at = timezone.now()
                customer.save(update_fields=["portico_user", "linked_at", "updated_at"])
                audit_record(
                    action="portico.support.customer_linked",
                    actor=user,
                    obj=customer,
                    organization_id=customer.organization_id,
                )
            audit_record(
                action="portico.support.customer_verified",
                actor=user,
                obj=customer,
                organization_id=customer.organization_id,
            )
    except IntegrityError as exc:  # linked concurrently by another request
        _record_login_failure(user=user, ip_address=ip_address, reason="race", user_id=user_id)
        raise CustomerLoginFailed(_LOGIN_FAILED, code="mismatch") from exc
    cache.delete(_failure_keys(user=user, ip_address=None)[0][0])
    return customer


_LOGIN_FAILED = (
    "The customer log in information is incorrect. Click Okay and re-enter the correct "
    "customer log in information."
)
LOGIN_FAILED_MESSAGE = _LOGIN_FAILED
