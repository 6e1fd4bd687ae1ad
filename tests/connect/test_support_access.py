"""Sign Me Up for Support: a direct customer's user asks for Support access with the values
of the customer log in, signs, an access administrator approves, and the customer log in
then lets them in (and only for the customer whose PFI they named)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from portico.identity.roles import StaffRole
from portico.organizations.models import AccessRequest, Application, ApplicationGrant
from portico.support.models import CustomerUser
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory
from tests.support.conftest import _direct_customer

pytestmark = pytest.mark.django_db


def support_data(**overrides: Any) -> dict[str, Any]:
    return {
        "idempotency_key": str(uuid.uuid4()),
        "company_name": "Empire Test Billing",
        "pfi": "123456",
        "user_id": "zcs00001",
        "first_name": "Sam",
        "last_name": "Okafor",
        "title": "Billing lead",
        "phone": "(212) 555-0188",
        "email": "sam@example.org",
        "attest": "on",
        **overrides,
    }


@pytest.fixture
def customer_world(db: Any) -> dict[str, Any]:
    org = _direct_customer("Empire Test Billing", "000123456")
    CustomerUser.objects.create(
        organization=org, first_name="Sam", last_name="Okafor", user_id="ZCS00001"
    )
    sam = UserFactory(username="sam-okafor", first_name="Sam", last_name="Okafor")
    admin = UserFactory(username="access-admin-9", is_staff=True)
    admin.groups.add(Group.objects.get_or_create(name=StaffRole.ACCESS_ADMIN)[0])
    return {"org": org, "sam": sam, "admin": admin}


def _customer_login(client: Client) -> Any:
    return client.post(
        reverse("support:customer_login"),
        {
            "first_name": "Sam",
            "last_name": "Okafor",
            "user_id": "ZCS00001",
            "pfi": "123456",
            "case_type": "claim",
        },
    )


def test_form_is_offered_from_sign_me_up_and_the_customer_log_in(customer_world):
    client = mfa_login(Client(), customer_world["sam"])
    choose = client.get(reverse("connect:signup-choose")).content.decode()
    assert reverse("connect:access-support") in choose
    no_access = client.get(reverse("support:customer_login"))
    assert no_access.status_code == 403
    login_page = no_access.content.decode()
    assert reverse("connect:access-support") in login_page
    form = client.get(reverse("connect:access-support")).content.decode()
    for label in ("Company name", "PFI", "User ID", "First name", "Job title", "Email address"):
        assert label in form


def test_bad_values_get_field_errors_and_save_nothing(customer_world):
    client = mfa_login(Client(), customer_world["sam"])
    response = client.post(
        reverse("connect:access-support"),
        support_data(pfi="12-3456", user_id="ABC1", attest=""),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "digits only" in page
    assert "ZCS followed by 5 digits" in page
    assert "Confirm that you work for this company" in page
    assert not AccessRequest.objects.exists()


def test_requested_signed_approved_then_the_customer_log_in_works(customer_world):
    sam = customer_world["sam"]
    client = mfa_login(Client(), sam)
    # Without the grant the customer log in is refused and says how to get access.
    refused = _customer_login(client)
    assert refused.status_code == 403 and "Support access form" in refused.content.decode()

    response = client.post(reverse("connect:access-support"), support_data())
    request = AccessRequest.objects.get()
    assert response.status_code == 302
    assert (request.application, request.request_type) == (Application.SUPPORT, "support")
    assert request.data["pfi"] == "000123456" and request.data["user_id"] == "ZCS00001"
    pdf = client.get(reverse("connect:request-pdf", args=[request.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.post(
        reverse("connect:request-sign", args=[request.pk]),
        {"typed_name": sam.get_full_name(), "attest": "on"},
    )
    staff = mfa_login(Client(), customer_world["admin"])
    detail = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    assert "000123456" in detail and "ZCS00001" in detail
    staff.post(reverse("connect:staff-review", args=[request.pk]))
    staff.post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    assert request.organization == customer_world["org"]
    assert ApplicationGrant.objects.filter(
        user=sam, application=Application.SUPPORT, organization=customer_world["org"]
    ).exists()
    # A direct customer is no provider office: the Referrals Portal is not offered, and a
    # forged post is refused.
    detail = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    assert "Also grant the Referrals Portal" not in detail
    refused = staff.post(reverse("connect:staff-referrals", args=[request.pk]), follow=True)
    assert "granted from an approved Claims Online Portal or Physician Info" in (
        refused.content.decode()
    )
    assert not ApplicationGrant.objects.filter(user=sam, application=Application.REFERRALS)

    assert _customer_login(client).status_code == 302
    assert CustomerUser.objects.get(user_id="ZCS00001").portico_user == sam


def test_approval_refuses_a_pfi_that_is_no_direct_customer(customer_world):
    sam = customer_world["sam"]
    client = mfa_login(Client(), sam)
    client.post(reverse("connect:access-support"), support_data(pfi="555555555"))
    request = AccessRequest.objects.get()
    client.post(
        reverse("connect:request-sign", args=[request.pk]),
        {"typed_name": sam.get_full_name(), "attest": "on"},
    )
    staff = mfa_login(Client(), customer_world["admin"])
    staff.post(reverse("connect:staff-review", args=[request.pk]))
    page = staff.post(
        reverse("connect:staff-approve", args=[request.pk]), follow=True
    ).content.decode()
    assert "No active direct customer has the PFI 555555555" in page
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.IN_REVIEW
    assert not ApplicationGrant.objects.filter(application=Application.SUPPORT).exists()


def test_access_administrators_filter_the_queue_to_support_requests(customer_world):
    client = mfa_login(Client(), customer_world["sam"])
    client.post(reverse("connect:access-support"), support_data())
    request = AccessRequest.objects.get()
    staff = mfa_login(Client(), customer_world["admin"])
    queue = reverse("connect:staff-queue")
    assert '<option value="support">Support Cases</option>' in staff.get(queue).content.decode()
    assert request.reference in staff.get(queue, {"application": "support"}).content.decode()
    assert request.reference not in staff.get(queue, {"application": "claims"}).content.decode()
