"""The back-office consoles a staff member may open, listed on the signed-in home.

Each console is offered by the same rule its own views enforce (the module's access
predicate), so the home never links to a page that would answer 403, and a staff member who
holds no application grant still finds their work from the first page after sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from portico.core.selectors import can_view_audit
from portico.documents.access import may_work_mail_queue
from portico.identity.roles import StaffRole, has_staff_role, may_manage_accounts
from portico.priorauth.transitions import staff_actor
from portico.referrals.selectors import user_is_reviewer


@dataclass(frozen=True)
class Console:
    label: str
    description: str
    url: str


def consoles_for(user: Any) -> list[Console]:
    """The consoles ``user`` may open, in the order the work flows: access, claims and
    payments, reviews, letters, support, accounts, audit, the Django admin."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return []
    examiner = has_staff_role(user, StaffRole.CLAIMS_EXAMINER)
    offered = [
        (
            has_staff_role(user, StaffRole.ACCESS_ADMIN),
            "Access requests",
            "Review access forms and approve or deny them; practices' provider requests.",
            "connect:staff-queue",
        ),
        (
            has_staff_role(user, StaffRole.ACCESS_ADMIN),
            "User access",
            "Find a user: the portals they hold, for which practice; remove access.",
            "connect:staff-access",
        ),
        (
            examiner,
            "Claims back office",
            "Work queue, adjudication and appeals.",
            "claims_staff:queue",
        ),
        (
            examiner,
            "Payment runs",
            "Remittance runs, 835 files and provider-level adjustments.",
            "remittance:staff_runs",
        ),
        (
            staff_actor(user) is not None,
            "Prior authorization review",
            "Spine, pain and joint requests: assignment, review, determinations, fax intake.",
            "priorauth:staff_queue",
        ),
        (
            user_is_reviewer(user=user),
            "Referrals review",
            "Referrals waiting for a decision.",
            "referrals:staff_queue",
        ),
        (
            may_work_mail_queue(user),
            "Mail room",
            "Letters and notices to print and mail.",
            "documents:staff_mail_queue",
        ),
        (
            has_staff_role(user, StaffRole.SUPPORT_AGENT),
            "Support case queue",
            "Direct customers' support cases: assign, reply, close.",
            "support:staff_queue",
        ),
        (
            may_manage_accounts(user),
            f"{settings.PORTICO_BRAND['idp_name']} accounts",
            "Find a user; lock, unlock, reset sign-in methods, deactivate.",
            "identity:staff_users",
        ),
        (
            can_view_audit(user),
            "Audit log",
            "Every sign-in, PHI view and change, searchable and exportable.",
            "core:audit",
        ),
        (
            user.is_superuser,
            "Django admin",
            "Every table, for administrators: OIDC clients, staff roles, settings.",
            "admin:index",
        ),
    ]
    return [
        Console(label, text, reverse(name)) for allowed, label, text, name in offered if allowed
    ]
