"""Support fixtures: two direct-customer organisations, their people, and signed-in clients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from portico.identity.roles import StaffRole
from portico.organizations.models import Application, Organization, OrganizationTIN
from portico.organizations.services import grant_set
from portico.support.models import Case, CustomerUser
from portico.support.services import ClaimDetails, case_create
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class SupportWorld:
    org: Organization
    other_org: Organization
    user: Any  # Portico ID with a Support grant for ``org``
    customer: CustomerUser  # ZCS00001, not linked yet
    colleague_user: Any
    colleague: CustomerUser  # ZCS00003, same organisation, linked to colleague_user
    other_user: Any
    other_customer: CustomerUser  # ZCS00002 of other_org, linked to other_user
    agent: Any


def claim(**overrides: Any) -> ClaimDetails:
    values: dict[str, Any] = {
        "payer_id": "NYSPARCS",
        "patient_name": "Pat Doe",
        "member_id": "AB12345",
        "billed_amount": Decimal("1250.00"),
        "date_submitted": dt.date(2026, 1, 10),
        "service_date": dt.date(2026, 1, 5),
    }
    values.update(overrides)
    return ClaimDetails(**values)


def open_case(customer: CustomerUser, user: Any, **overrides: Any) -> Case:
    return case_create(
        customer=customer,
        actor=user,
        case_type=overrides.pop("case_type", "claim"),
        subject=overrides.pop("subject", "Claim rejected by the payer"),
        description=overrides.pop("description", "The 277CA rejected the claim; please check."),
        claim=overrides.pop("claim", claim()),
        **overrides,
    )


def _direct_customer(name: str, tin: str) -> Organization:
    org = Organization.objects.create(name=name, kind=Organization.Kind.DIRECT_CUSTOMER)
    OrganizationTIN.objects.create(organization=org, tin=tin)
    return org


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def sw(db: Any) -> SupportWorld:
    org = _direct_customer("Empire Test Billing", "000123456")
    other = _direct_customer("Other Submitter", "000987654")
    user = UserFactory(username="empire-sam", email="sam@example.org")
    colleague_user = UserFactory(username="empire-kim")
    other_user = UserFactory(username="other-lee")
    for u, o in ((user, org), (colleague_user, org), (other_user, other)):
        grant_set(user=u, application=Application.SUPPORT, organization=o, scope={})
    customer = CustomerUser.objects.create(
        organization=org, first_name="Sam", last_name="Okafor", user_id="ZCS00001"
    )
    colleague = CustomerUser.objects.create(
        organization=org,
        first_name="Kim",
        last_name="Adams",
        user_id="ZCS00003",
        portico_user=colleague_user,
    )
    other_customer = CustomerUser.objects.create(
        organization=other,
        first_name="Lee",
        last_name="Brown",
        user_id="ZCS00002",
        portico_user=other_user,
    )
    agent = UserFactory(username="agent-riley", is_staff=True, first_name="Riley")
    agent.groups.add(Group.objects.get_or_create(name=StaffRole.SUPPORT_AGENT)[0])
    return SupportWorld(
        org=org,
        other_org=other,
        user=user,
        customer=customer,
        colleague_user=colleague_user,
        colleague=colleague,
        other_user=other_user,
        other_customer=other_customer,
        agent=agent,
    )


LOGIN = {
    "first_name": "Sam",
    "last_name": "Okafor",
    "user_id": "ZCS00001",
    "pfi": "123456",
    "case_type": "claim",
}


def customer_client(user: Any, **login: str) -> Client:
    """A client signed in with MFA that has passed the customer log-in."""
    client = mfa_login(Client(), user)
    response = client.post("/support/customer/login/", {**LOGIN, **login})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def sam(sw: SupportWorld) -> Client:
    return customer_client(sw.user)


@pytest.fixture
def agent_client(sw: SupportWorld) -> Client:
    return mfa_login(Client(), sw.agent)
