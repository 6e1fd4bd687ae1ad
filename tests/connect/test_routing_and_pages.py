"""After sign-in routing, the landing page's request status, Help and Contact."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portico.connect.models import FaqEntry, FaqTopic
from portico.connect.views import portal
from portico.connect.views._common import application_url
from portico.members.models import HealthPlan
from tests.connect.helpers import submit_cop

pytestmark = pytest.mark.django_db


def test_one_application_goes_straight_to_it(world, persona_client):
    response = persona_client("billing_clerk").get(reverse("connect:home"))
    assert response.status_code == 302
    assert response["Location"] == application_url("claims")  # the portal's own home


def test_connect_shows_the_grant_of_an_application_without_a_home(
    world, persona_client, monkeypatch
):
    """Until an application has its own home page, Connect's page shows the grant."""
    monkeypatch.setattr(
        portal, "application_url", lambda app: reverse("connect:application", args=[app])
    )
    page = persona_client("billing_clerk").get(reverse("connect:application", args=["claims"]))
    html = page.content.decode()
    assert "Claims Online Portal" in html and "111111111" in html
    assert "May submit claims online" in html


def test_several_applications_show_a_chooser(world, persona_client):
    page = persona_client("physician").get(reverse("connect:home")).content.decode()
    assert "Choose an application" in page
    for app in ("patientinfo", "referrals", "priorauth"):
        assert application_url(app) in page
    assert application_url("claims") not in page
    # Each card says what the application is for.
    for tagline in ("Find patient data", "Search • View • Submit", "Spine • Pain • Joint requests"):
        assert f"<p>{tagline}</p>" in page


def test_no_application_offers_sign_me_up_and_pending_status(world, persona_client):
    client = persona_client("new_user")
    page = client.get(reverse("connect:home")).content.decode()
    assert "You have no access yet" in page and "Sign Me Up" in page
    request = submit_cop(client)
    page = client.get(reverse("connect:home")).content.decode()
    assert request.reference in page and "Awaiting signature" in page


STAFF_CONSOLES = {
    "access_admin": {"Access requests", "User access", "Portico ID accounts"},
    "claims_examiner": {"Claims back office", "Payment runs", "Mail room"},
    "um_reviewer": {"Prior authorization review", "Referrals review", "Mail room"},
    "support_agent": {"Support case queue", "Portico ID accounts"},
}
ALL_CONSOLES = set().union(*STAFF_CONSOLES.values()) | {"Audit log", "Django admin"}


@pytest.mark.parametrize("who", sorted(STAFF_CONSOLES))
def test_staff_home_lists_the_consoles_of_their_roles_and_each_opens(world, persona_client, who):
    """Staff land on their work, not on "You have no access yet"."""
    client = persona_client(who)
    page = client.get(reverse("connect:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Back office" in html and "You have no access yet" not in html
    assert "Sign Me Up" not in html
    shown = {label for label in ALL_CONSOLES if f"Open {label}<" in html}
    assert shown == STAFF_CONSOLES[who]
    for console in page.context["consoles"]:
        assert client.get(console.url).status_code == 200, console.label


def test_superuser_home_lists_every_console(world, persona_client):
    html = persona_client("superuser").get(reverse("connect:home")).content.decode()
    for label in ALL_CONSOLES:
        assert f"Open {label}<" in html


def test_staff_member_with_one_grant_still_sees_the_chooser(world, persona_client):
    from portico.organizations.models import Application
    from portico.organizations.services import grant_set

    grant_set(
        user=world.users["claims_examiner"],
        application=Application.CLAIMS,
        organization=world.practice_a,
        scope={"tins": ["111111111"]},
    )
    page = persona_client("claims_examiner").get(reverse("connect:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert application_url("claims") in html and "Open Claims back office<" in html


def test_an_application_without_a_grant_is_not_found(world, persona_client):
    assert (
        persona_client("billing_clerk")
        .get(reverse("connect:application", args=["patientinfo"]))
        .status_code
        == 404
    )
    assert persona_client("billing_clerk").get("/connect/apps/nonsense/").status_code == 404


def test_landing_shows_entries_and_pending_requests(world, persona_client, client):
    page = client.get("/").content.decode()
    for text in [
        "Link your existing username to Portico ID and sign in",
        "New user",
        "Claims Online Portal",
        "File appeals • View EOBs",
        "Physician Info Portal",
        "Find patient data",
        "Referrals Portal",
        "Search • View • Submit",
        "Log in with Portico ID",
        "Existing user — register to Portico ID",
        "Sign Me Up",
        "Validate with Portico ID",
        "/id/login/?next=%2Fconnect%2Fsignup%2Fchoose%2F",
        'href="/support/">Direct Customers — support cases',
    ]:
        assert text in page, text
    signed_in = persona_client("new_user")
    request = submit_cop(signed_in)
    page = signed_in.get("/").content.decode()
    assert request.reference in page and "Which portal do you want to register for?" in page


def test_sign_me_up_pages_work_without_javascript(world, client, persona_client):
    page = client.get(reverse("connect:signup")).content.decode()
    assert "Validate with Portico ID" in page and "next=%2Fconnect%2Fsignup%2Fchoose%2F" in page
    choose = client.get(reverse("connect:signup-choose"))
    assert choose.status_code == 302 and "/id/login/" in choose["Location"]
    page = persona_client("new_user").get(reverse("connect:signup-choose")).content.decode()
    assert "portico-no-js" in page
    assert reverse("connect:access-claims") in page
    assert reverse("connect:access-patientinfo") in page


def test_help_center_groups_searches_and_fills_in_contacts(client, db, settings):
    page = client.get(reverse("connect:help")).content.decode()
    assert FaqEntry.objects.count() >= 15  # the defaults from the data migration
    for text in [
        "Signing in and your Portico ID",
        "What if I have a shared account?",
        "How do I connect a provider to my account?",
        "What if my provider is not listed?",
        "How often do I need to update my password?",
        "(310) 555-0117",
        "1-800-555-0199",
    ]:
        assert text in page, text
    assert "{idp_name}" not in page and "{support_phone}" not in page
    found = client.get(reverse("connect:help"), {"q": "Provider ID"}).content.decode()
    assert "Where do I find them?" in found and "shared account" not in found
    empty = client.get(reverse("connect:help"), {"q": "zzzz-nothing"}).content.decode()
    assert "No answers match" in empty
    settings.PORTICO_BRAND = {**settings.PORTICO_BRAND, "service_desk_fax": "(999) 555-0000"}
    assert "(999) 555-0000" in client.get(reverse("connect:help")).content.decode()


def test_unpublished_entries_are_hidden_and_staff_get_an_edit_link(world, persona_client):
    topic = FaqTopic.objects.first()
    FaqEntry.objects.create(topic=topic, question="Draft question?", answer="x", is_published=False)
    assert "Draft question?" not in persona_client("anonymous").get("/help/").content.decode()
    admin = persona_client("access_admin")
    assert "Edit the questions and answers" in admin.get("/help/").content.decode()
    # The link opens the editor (the role's group holds the Help Center's permissions).
    assert admin.get(reverse("admin:connect_faqentry_changelist")).status_code == 200
    assert admin.get(reverse("admin:connect_faqentry_add")).status_code == 200
    assert (
        "Edit the questions and answers"
        not in persona_client("support_agent").get("/help/").content.decode()
    )
    assert (
        "Edit the questions and answers"
        not in persona_client("billing_clerk").get("/help/").content.decode()
    )


def test_contact_lists_brand_and_plan_numbers(client, db):
    HealthPlan.objects.create(
        name="Harbor Test Plan", payer_id="HTP01", provider_services_phone="1-800-555-0160"
    )
    page = client.get(reverse("connect:contact")).content.decode()
    assert "1-800-555-0142" in page and "Harbor Test Plan" in page and "1-800-555-0160" in page


def test_footer_links_reach_help_and_contact(client, db):
    page = Client().get("/").content.decode()
    assert 'href="/help/"' in page and 'href="/contact/"' in page


def test_each_portal_card_on_the_landing_page_opens_its_portal_or_the_way_to_ask_for_it(
    world, client, persona_client
):
    page = client.get("/").content.decode()
    for key in ("claims", "patientinfo", "referrals"):
        assert f'href="{reverse("connect:open-application", args=[key])}"' in page
    # Signed out: sign in first, then back to the card's portal.
    response = client.get(reverse("connect:open-application", args=["claims"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/id/login/?next=/connect/open/claims/")
    # With the grant: the portal itself.
    response = persona_client("billing_clerk").get("/connect/open/claims/")
    assert response["Location"] == application_url("claims")
    # Without it: the access form, or the portal choice for the Referrals Portal.
    new_user = persona_client("new_user")
    response = new_user.get("/connect/open/claims/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("connect:access-claims")
    assert "You don&#x27;t have access to the Claims Online Portal yet" in response.content.decode()
    response = new_user.get("/connect/open/patientinfo/")
    assert response["Location"] == reverse("connect:access-patientinfo")
    response = new_user.get("/connect/open/referrals/")
    assert response["Location"] == reverse("connect:signup-choose")
    assert new_user.get("/connect/open/nonsense/").status_code == 404


def test_practice_administration_and_my_access_are_found_from_the_home_page(world, persona_client):
    admin = persona_client("practice_admin")
    home = admin.get(reverse("connect:home")).content.decode()
    assert f'href="{reverse("connect:practice")}">Practice administration</a>' in home
    assert f'href="{reverse("connect:request-list")}">My access</a>' in home  # the user menu
    assert "Ask for access to another portal" in home
    mine = admin.get(reverse("connect:request-list")).content.decode()
    assert "Your portals" in mine and "Claims Online Portal" in mine
    assert "Practice administration" in mine and "Ask for access to a portal" in mine
    # A clinician of the same practice is no administrator: no such link.
    doctor = persona_client("physician")
    assert "Practice administration" not in doctor.get(reverse("connect:home")).content.decode()
    mine = doctor.get(reverse("connect:request-list")).content.decode()
    assert "Practice administration" not in mine and "Physician Info Portal" in mine


def test_a_colleague_who_is_no_administrator_is_told_whom_to_ask(world, persona_client):
    admin = world.users["practice_admin"]
    page = persona_client("physician").get(reverse("connect:practice")).content.decode()
    assert "You are not an administrator of a practice" in page
    assert f"Practice A: {admin.get_full_name() or admin.get_username()}" in page
    assert f"mailto:{admin.email}" in page
    assert reverse("connect:request-list") in page
