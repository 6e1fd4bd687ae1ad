"""Practice self-service: invitations, users, Manage Providers; other practices are 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from portico.core.models import OutboxMessage
from portico.members.models import HealthPlan, PlanProvider
from portico.organizations.models import ApplicationGrant, Membership, OrganizationProvider
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory
from tests.factories.organizations import ProviderFactory

pytestmark = pytest.mark.django_db


def users_url(world, org=None):
    return reverse("connect:practice-users", args=[(org or world.practice_a).pk])


def test_practice_index_sends_an_admin_to_their_practice(world, persona_client):
    response = persona_client("practice_admin").get(reverse("connect:practice"))
    assert response["Location"] == users_url(world)
    page = persona_client("billing_clerk").get(reverse("connect:practice")).content.decode()
    assert "not an administrator" in page


def test_invite_accept_and_join(world, persona_client, django_capture_on_commit_callbacks):
    admin = persona_client("practice_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            users_url(world), {"email": "new.person@example.org", "role": "staff"}
        )
    assert response.status_code == 302
    mail = OutboxMessage.objects.get(to="new.person@example.org")
    link = next(url for url in mail.links if "/connect/invitations/" in url)
    path = re.sub(r"^https?://[^/]+", "", link)
    anonymous = Client().get(path).content.decode()
    assert "Sign in with Portico ID" in anonymous and "Create a Portico ID" in anonymous

    wrong = mfa_login(Client(), world.users["new_user"])
    wrong.post(path)
    assert not Membership.objects.filter(user=world.users["new_user"]).exists()

    person = UserFactory(username="new.person", email="new.person@example.org")
    client = mfa_login(Client(), person)
    assert client.post(path)["Location"] == reverse("connect:home")
    assert Membership.objects.filter(
        user=person, organization=world.practice_a, is_active=True
    ).exists()
    assert "already used" in client.get(path).content.decode()


def test_invite_refuses_an_existing_member_and_bad_email(world, persona_client):
    admin = persona_client("practice_admin")
    clerk_email = world.users["billing_clerk"].email
    assert (
        "already uses"
        in admin.post(users_url(world), {"email": clerk_email, "role": "staff"}).content.decode()
    )
    assert (
        "Enter an email address"
        in admin.post(users_url(world), {"email": "x", "role": "staff"}).content.decode()
    )


def test_deactivate_a_user_revokes_their_grants(world, persona_client):
    admin = persona_client("practice_admin")
    membership = Membership.objects.get(user=world.users["billing_clerk"])
    url = reverse("connect:practice-user-deactivate", args=[world.practice_a.pk, membership.pk])
    assert admin.post(url).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    assert not ApplicationGrant.objects.filter(
        user=world.users["billing_clerk"], is_active=True
    ).exists()
    own = Membership.objects.get(user=world.users["practice_admin"])
    admin.post(reverse("connect:practice-user-deactivate", args=[world.practice_a.pk, own.pk]))
    own.refresh_from_db()
    assert own.is_active


def test_another_practices_users_and_providers_are_not_found(world, persona_client):
    admin = persona_client("practice_admin")
    member_b = Membership.objects.get(user=world.users["billing_clerk_b"])
    assert (
        admin.post(
            reverse("connect:practice-user-deactivate", args=[world.practice_b.pk, member_b.pk])
        ).status_code
        == 404
    )
    # Practice A's URL with practice B's membership id is not found either.
    assert (
        admin.post(
            reverse("connect:practice-user-deactivate", args=[world.practice_a.pk, member_b.pk])
        ).status_code
        == 404
    )
    link_b = OrganizationProvider.objects.create(
        organization=world.practice_b, provider=ProviderFactory()
    )
    assert (
        admin.post(
            reverse("connect:practice-provider-remove", args=[world.practice_a.pk, link_b.pk])
        ).status_code
        == 404
    )
    assert persona_client("billing_clerk").get(users_url(world)).status_code == 404


@pytest.fixture
def plan_file(db):
    plan = HealthPlan.objects.create(
        name="Harbor Test Plan", payer_id="HTP01", provider_services_phone="1-800-555-0160"
    )
    listed = ProviderFactory(first_name="Robin", last_name="Hartwell")
    PlanProvider.objects.create(
        plan=plan,
        provider=listed,
        plan_provider_id="HTP000123",
        access_secret=make_password("Plan-Pass-1"),
    )
    termed = ProviderFactory()
    PlanProvider.objects.create(
        plan=plan,
        provider=termed,
        plan_provider_id="HTP000999",
        termination_date=dt.date(2020, 1, 1),
    )
    return plan, listed, termed


def providers_url(world):
    return reverse("connect:practice-providers", args=[world.practice_a.pk])


def test_connect_with_provider_id_and_password_is_immediate(world, persona_client, plan_file):
    plan, listed, _ = plan_file
    admin = persona_client("practice_admin")
    response = admin.post(
        providers_url(world),
        {"plan": plan.pk, "provider_id": "htp000123", "provider_password": "Plan-Pass-1"},
    )
    assert response.status_code == 302
    link = OrganizationProvider.objects.get(organization=world.practice_a, provider=listed)
    assert link.status == "active"
    assert "Robin Hartwell" in admin.get(providers_url(world)).content.decode()
    admin.post(reverse("connect:practice-provider-remove", args=[world.practice_a.pk, link.pk]))
    link.refresh_from_db()
    assert link.status == "removed"


def test_wrong_provider_password_is_refused(world, persona_client, plan_file):
    plan, listed, _ = plan_file
    response = persona_client("practice_admin").post(
        providers_url(world),
        {"plan": plan.pk, "provider_id": "HTP000123", "provider_password": "no"},
    )
    assert response.status_code == 400 and "do not match" in response.content.decode()
    assert not OrganizationProvider.objects.filter(provider=listed).exists()


def test_connect_by_npi_without_password_waits_for_staff(world, persona_client, plan_file):
    plan, listed, _ = plan_file
    persona_client("practice_admin").post(
        providers_url(world), {"plan": plan.pk, "npi": listed.npi}
    )
    link = OrganizationProvider.objects.get(provider=listed)
    assert link.status == "pending"
    staff = persona_client("access_admin")
    assert "Robin Hartwell" in staff.get(reverse("connect:staff-providers")).content.decode()
    # A missing or altered decision is not read as a rejection (before, it rejected).
    url = reverse("connect:staff-provider-decide", args=[link.pk])
    for decision in ({}, {"decision": "maybe"}):
        page = staff.post(url, decision, follow=True).content.decode()
        assert "Choose Approve or Reject" in page
    link.refresh_from_db()
    assert link.status == "pending"
    staff.post(url, {"decision": "approve"})
    link.refresh_from_db()
    assert link.status == "active"


def test_the_page_asking_for_a_provider_id_and_password_says_where_to_get_them(
    world, persona_client, plan_file
):
    """The FAQ: "The portal is asking for Provider ID and Password. How do I find this
    information?" — the plan's mailbox or its Provider Services, on the page that asks."""
    plan, _, _ = plan_file
    plan.provider_file_email = "provider.ids@harbor.example"
    plan.provider_services_hours = "Monday–Friday, 8:30 AM – 5:30 PM ET"
    plan.save()
    HealthPlan.objects.create(name="Quiet Plan", payer_id="QP01")  # no contacts of its own
    page = persona_client("practice_admin").get(providers_url(world)).content.decode()
    assert "No Provider ID or password?" in page
    assert 'href="mailto:provider.ids@harbor.example"' in page
    assert 'href="tel:1-800-555-0160"' in page and "8:30 AM – 5:30 PM ET" in page
    assert "<strong>Quiet Plan</strong>" in page and "support@portico.example" in page


def test_a_provider_not_in_the_file_shows_the_help_desk(world, persona_client, plan_file):
    plan, _, termed = plan_file
    admin = persona_client("practice_admin")
    for data in ({"npi": ProviderFactory().npi}, {"npi": termed.npi}, {"provider_id": "NOPE"}):
        page = admin.post(providers_url(world), {"plan": plan.pk, **data}).content.decode()
        assert "not listed" in page and "1-800-555-0160" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the provider&#x27;s NPI or the plan&#x27;s Provider ID"),
        ({"npi": "1234567890"}, "check digit is wrong"),
        ({"provider_password": "x"}, "Enter the Provider ID that goes with the password"),
    ],
)
def test_manage_providers_validation(world, persona_client, plan_file, data, message):
    plan, _, _ = plan_file
    page = persona_client("practice_admin").post(providers_url(world), {"plan": plan.pk, **data})
    assert message in page.content.decode()


def test_provider_password_guessing_is_limited_and_audited(
    world, persona_client, plan_file, settings
):
    """After the allowed wrong tries for a Provider ID, even the right password is not
    checked until the window passes; each failure is audited; the request path without a
    password stays open."""
    from django.core.cache import cache

    from portico.core.models import AuditEvent

    cache.clear()
    settings.PORTICO_PROVIDER_PASSWORD_MAX_FAILURES = 3
    plan, listed, _ = plan_file
    admin = persona_client("practice_admin")

    def attempt(password):
        return admin.post(
            providers_url(world),
            {"plan": plan.pk, "provider_id": "HTP000123", "provider_password": password},
        ).content.decode()

    for guess in ("guess-1", "guess-2", "guess-3"):
        assert "do not match" in attempt(guess)
    locked = attempt("Plan-Pass-1")  # the right one, too late
    assert "Too many wrong Provider ID passwords" in locked and "Try again in 15 minutes" in locked
    assert not OrganizationProvider.objects.filter(provider=listed).exists()
    events = AuditEvent.objects.filter(action="portico.practice_provider.password_failed")
    assert events.count() == 4 and events.filter(changes__refused_as_locked=True).count() == 1
    # Asking staff to review instead still works.
    admin.post(providers_url(world), {"plan": plan.pk, "provider_id": "HTP000123"})
    assert OrganizationProvider.objects.get(provider=listed).status == "pending"
    cache.clear()  # the window passed
    assert "do not match" not in attempt("Plan-Pass-1")
    assert OrganizationProvider.objects.get(provider=listed).status == "active"


def test_add_tax_id_opens_the_claims_form_for_the_practice(world, persona_client):
    """Before: "Add Tax ID" on the practice pages opened an empty claims access form: no
    request type chosen and the practice's name, address and phone numbers to type again."""
    practice = world.practice_a
    practice.address_line1, practice.city, practice.state = "12 Elm Street", "Lakeport", "NY"
    practice.zip_code, practice.phone = "10990", "(212) 555-0170"
    practice.email = "front@practice-a.example"
    practice.save()
    admin = persona_client("practice_admin")
    page = admin.get(users_url(world)).content.decode()
    link = re.search(r'href="([^"]+)">Add Tax ID</a>', page).group(1).replace("&amp;", "&")
    assert link == f"{reverse('connect:access-claims')}?request_type=add_tin&practice={practice.pk}"
    form = admin.get(link).content.decode()
    assert re.search(r'value="add_tin"[^>]*checked', form)
    for value in ("Practice A", "12 Elm Street", "Lakeport", "10990", "(212) 555-0170"):
        assert f'value="{value}"' in form, value
    assert 'value="front@practice-a.example"' in form
    assert re.search(r'<option value="NY"[^>]*selected', form)


@pytest.mark.parametrize("query", ["practice={b}", "practice=abc", "practice=%C2%B2"])
def test_the_claims_form_is_not_filled_from_another_practice(world, persona_client, query):
    url = f"{reverse('connect:access-claims')}?request_type=add_tin&" + query.format(
        b=world.practice_b.pk
    )
    assert persona_client("practice_admin").get(url).status_code == 404
    # Not an administrator of the practice: nothing of it is shown either.
    own = f"{reverse('connect:access-claims')}?practice={world.practice_a.pk}"
    assert persona_client("billing_clerk").get(own).status_code == 404


def test_an_unknown_request_type_in_the_link_is_ignored(world, persona_client):
    url = f"{reverse('connect:access-claims')}?request_type=superuser"
    page = persona_client("practice_admin").get(url)
    assert (
        page.status_code == 200
        and "checked"
        not in page.content.decode().split('name="request_type"', 1)[1].split("</fieldset>", 1)[0]
    )
