"""Staff roles of the back office, held as Django groups so admins manage them in one place."""

from __future__ import annotations

from typing import Any

from django.db import models


class StaffRole(models.TextChoices):
    ACCESS_ADMIN = "access_admin", "Access administrator"
    CLAIMS_EXAMINER = "claims_examiner", "Claims examiner"
    UM_REVIEWER = "um_reviewer", "Utilization-management reviewer"
    CLINICAL_REVIEWER = "clinical_reviewer", "Clinical reviewer (may deny)"
    SUPPORT_AGENT = "support_agent", "Support agent"
    COMPLIANCE = "compliance", "Compliance officer"


def has_staff_role(user: Any, role: str) -> bool:
    """True for active staff in the role's group (superusers hold every role)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    if user.is_superuser:
        return True
    cache = getattr(user, "_portico_staff_roles", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._portico_staff_roles = cache
    return role in cache


# Who works the Portico ID accounts console (find, lock/unlock, reset MFA, deactivate).
ACCOUNT_CONSOLE_ROLES = (StaffRole.ACCESS_ADMIN, StaffRole.SUPPORT_AGENT)


def may_manage_accounts(user: Any) -> bool:
    return any(has_staff_role(user, role) for role in ACCOUNT_CONSOLE_ROLES)


def may_act_on_account(actor: Any, subject: Any) -> bool:
    """Whether ``actor`` may lock, unlock, reset the sign-in methods of, or (de)activate
    ``subject`` in the accounts console. Staff accounts (and superusers) are a superuser's to
    manage: otherwise a support agent could reset an administrator's sign-in methods and
    take over the account through its next enrolment."""
    if not (subject.is_staff or subject.is_superuser):
        return True
    return bool(getattr(actor, "is_superuser", False))
