"""Support cases: who may open the customer portal and the agents' console.

The test world has no direct customer organisation, so ``_support_world`` (run through each
route's ``kwargs``) adds two: A, whose customer user is linked to the ``direct_customer``
persona (which gets a Support grant), and B. Practice-A personas have no Support access: a
case URL answers them 404 (never 403), whoever owns the case, so B's case numbers are as
unknown to them as A's. The direct customer persona is signed in but has not done the
customer log-in in this session, so the portal sends it there (302).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portico.organizations.models import Application, Organization, OrganizationTIN
from portico.organizations.services import grant_set
from portico.support.models import Case, CaseAttachment, CustomerUser
from portico.support.services import ClaimDetails, case_attachment_add, case_create
from tests.matrix import ANON, Route

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _customer_org(name: str, tin: str, user_id: str, portico_user: Any) -> Case:
    org, created = Organization.objects.get_or_create(
        name=name, defaults={"kind": Organization.Kind.DIRECT_CUSTOMER}
    )
    if created:
        OrganizationTIN.objects.create(organization=org, tin=tin)
    customer, _ = CustomerUser.objects.get_or_create(
        user_id=user_id,
        defaults={
            "organization": org,
            "first_name": "Casey",
            "last_name": name.split()[-1],
            "portico_user": portico_user,
        },
    )
    case = Case.objects.filter(organization=org).first()
    if case is None:
        case = case_create(
            customer=customer,
            actor=portico_user,
            case_type="claim",
            subject="Claim rejected",
            description="Please check this claim.",
            claim=ClaimDetails(
                payer_id="NYSPARCS",
                patient_name="Pat Doe",
                member_id="AB12345",
                billed_amount=Decimal("100.00"),
                date_submitted=dt.date(2026, 1, 10),
                service_date=dt.date(2026, 1, 5),
            ),
        )
        case_attachment_add(
            case=case,
            actor=portico_user,
            actor_kind="customer",
            file=SimpleUploadedFile("claim.pdf", PDF, content_type="application/pdf"),
        )
    return case


def _support_world(world: Any) -> dict[str, Case]:
    user = world.users["direct_customer"]
    case_a = _customer_org("Direct Customer A", "000123456", "ZCS00001", user)
    org_a = case_a.organization
    grant_set(user=user, application=Application.SUPPORT, organization=org_a, scope={})
    case_b = _customer_org("Direct Customer B", "000654321", "ZCS00002", None)
    return {"a": case_a, "b": case_b}


def _setup(world: Any) -> dict[str, Any]:
    _support_world(world)
    return {}


def _case_a(world: Any) -> dict[str, Any]:
    return {"number": _support_world(world)["a"].number}


def _case_b(world: Any) -> dict[str, Any]:
    return {"number": _support_world(world)["b"].number}


def _file_a(world: Any) -> dict[str, Any]:
    case = _support_world(world)["a"]
    return {"pk": CaseAttachment.objects.filter(case=case).values_list("pk", flat=True)[0]}


def _file_b(world: Any) -> dict[str, Any]:
    case = _support_world(world)["b"]
    return {"pk": CaseAttachment.objects.filter(case=case).values_list("pk", flat=True)[0]}


AGENTS = {"support_agent": 200, "superuser": 200}

PORTAL = {ANON: 302, "direct_customer": 302}
POST_ONLY = Route(default=405, kwargs=_case_a)

ROUTES = {
    "support:home": Route(),
    "support:contact": Route(),
    "support:customer_login": Route(
        expect={ANON: 302, "direct_customer": 200}, default=403, kwargs=_setup
    ),
    "support:customer_logout": Route(default=405),
    "support:case_list": Route(expect=PORTAL, default=403, kwargs=_setup),
    "support:case_create": Route(expect=PORTAL, default=403, kwargs=_setup),
    "support:case_detail": Route(expect=PORTAL, default=404, kwargs=_case_a, other_org=_case_b),
    "support:case_comment": Route(expect=PORTAL, default=404, kwargs=_case_a, other_org=_case_b),
    "support:case_attach": Route(expect=PORTAL, default=404, kwargs=_case_a, other_org=_case_b),
    "support:case_reopen": POST_ONLY,
    "support:attachment_download": Route(
        expect=PORTAL, default=404, kwargs=_file_a, other_org=_file_b
    ),
    "support:staff_queue": Route(expect={ANON: 302, **AGENTS}, default=403, kwargs=_setup),
    "support:staff_case": Route(expect={ANON: 302, **AGENTS}, default=403, kwargs=_case_a),
    "support:staff_case_assign": POST_ONLY,
    "support:staff_case_reply": POST_ONLY,
    "support:staff_case_attach": POST_ONLY,
    "support:staff_case_status": POST_ONLY,
    "support:staff_case_merge": POST_ONLY,
    "support:staff_attachment_download": Route(
        expect={ANON: 302, **AGENTS}, default=403, kwargs=_file_a
    ),
}
