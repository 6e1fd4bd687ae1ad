"""Texts people read: the sign-in page's "Create Portico ID" link, My Profile's recent
activity after sign-up, the phone country selector, and the staff account page (audit
details, status, reactivation with a reason)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client

from portico.core.models import AuditEvent, OutboxMessage
from portico.identity import phones, presenters, selectors, services
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD as FACTORY_PASSWORD
from tests.factories.identity import UserFactory
from tests.identity.conftest import (
    SIGNUP,
    email_code,
    password_login,
    signup,
    signup_through_email,
    sms_code,
)

pytestmark = pytest.mark.django_db


# --- sign-in page ---------------------------------------------------------------------
def create_link(html: str) -> str:
    return re.search(r'<a class="usa-button usa-button--secondary" href="([^"]+)">Create', html)[1]


def test_create_portico_id_link_carries_the_next_once(client):
    page = client.get("/id/login/?next=/connect/signup/choose/").content.decode()
    href = create_link(page).replace("&amp;", "&")
    parts = urlsplit(href)
    assert parts.path == "/id/signup/"
    assert parse_qs(parts.query) == {"next": ["/connect/signup/choose/"]}
    assert href.count("next=") == 1
    # Followed, the sign-up form keeps that destination.
    signup_page = client.get(href).content.decode()
    assert 'name="next" value="/connect/signup/choose/"' in signup_page


def test_create_portico_id_link_without_a_next(client):
    assert create_link(client.get("/id/login/").content.decode()) == "/id/signup/"


def test_create_portico_id_link_drops_a_next_to_another_site(client):
    page = client.get("/id/login/?next=https://evil.example/").content.decode()
    assert create_link(page) == "/id/signup/"


# --- recent activity after sign-up ---------------------------------------------------
def finish_signup(client: Client) -> None:
    client.post("/id/phone/verify/", {"action": "sms"})
    client.post("/id/phone/verify/?channel=sms", {"action": "check", "code": sms_code()})
    client.post("/id/phone/verify/", {"action": "continue"})
    client.post("/id/mfa/phone/enable/")
    client.get("/id/mfa/setup/done/")


def activity(client: Client) -> list[str]:
    page = client.get("/id/profile/").content.decode()
    section = re.search(r'id="profile-activity".*?</section>', page, re.S)[0]
    return re.findall(r"</time></td><td>([^<]+)</td>", section)


def test_sign_up_reads_as_sign_up_not_as_an_email_change(client):
    signup_through_email(client)
    finish_signup(client)
    shown = activity(client)
    assert "Verified the email address" in shown
    assert "Changed the email address" not in shown
    assert not AuditEvent.objects.filter(action="portico.identity.email_changed").exists()


def test_correcting_the_address_before_verifying_is_not_a_change(client):
    signup(client)
    client.post("/id/confirm-email/", {"action": "change", "email": "dana@example.net"})
    client.post("/id/confirm-email/", {"action": "verify", "code": email_code("dana@example.net")})
    finish_signup(client)
    assert "Changed the email address" not in activity(client)
    assert "Verified the email address" in activity(client)
    # Nor is the mistyped address told that "its" account's address changed.
    assert not OutboxMessage.objects.filter(to=SIGNUP["email"], subject__icontains="changed")


# --- phone country selector -----------------------------------------------------------
def test_every_country_code_choice_has_a_name():
    for region, label in phones.country_choices():
        name = label.rsplit(" (+", 1)[0]
        assert name and name != region, (region, label)
    assert len(phones.country_choices()) == len(phonenumbers.SUPPORTED_REGIONS)


@pytest.mark.parametrize(
    ("region", "label"),
    [
        ("AC", "Ascension Island (+247)"),
        ("BL", "Saint Barthélemy (+590)"),
        ("EH", "Western Sahara (+212)"),
        ("MF", "Saint Martin (French part) (+590)"),
        ("TA", "Tristan da Cunha (+290)"),
        ("XK", "Kosovo (+383)"),
        ("US", "United States (+1)"),
    ],
)
def test_regions_the_library_leaves_unnamed(region, label):
    assert dict(phones.country_choices())[region] == label


def test_the_sign_up_form_lists_the_names(client):
    page = client.get("/id/signup/").content.decode()
    assert '<option value="XK">Kosovo (+383)</option>' in page
    assert ">XK (+383)<" not in page


# --- staff account page ---------------------------------------------------------------
def test_audit_details_read_as_words():
    assert presenters.audit_details({"methods": ["password", "phone"]}) == [
        ("methods", "password, phone")
    ]
    assert presenters.audit_details(
        {"email": {"from": "a@example.org", "to": "b@example.org"}, "removed": 2}
    ) == [("email", "a@example.org → b@example.org"), ("removed", "2")]
    assert presenters.audit_details({"accepted": {"terms": "1.0"}, "by_staff": True}) == [
        ("accepted", "terms 1.0"),
        ("by staff", "yes"),
    ]
    assert presenters.audit_details({"methods": [], "reason": None}) == [
        ("methods", "—"),
        ("reason", "—"),
    ]
    assert presenters.audit_details(None) == []


def test_staff_page_shows_details_readably_and_status_consistently(world):
    subject = world.users["billing_clerk"]
    staff = mfa_login(Client(), world.users["access_admin"])
    services.auth_event_record(action="signed_in", user=subject, methods=["password", "phone"])
    page = staff.get(f"/id/staff/users/{subject.pk}/").content.decode()
    assert "methods: password, phone" in page
    assert "[&#x27;" not in page and "['" not in page
    assert '<span class="portico-status portico-status--active">Active</span>' in page

    staff.post(f"/id/staff/users/{subject.pk}/deactivate/", {"deactivate-reason": "Left"})
    page = staff.get(f"/id/staff/users/{subject.pk}/").content.decode()
    assert '<span class="portico-status portico-status--inactive">Deactivated</span>' in page
    listing = staff.get("/id/staff/users/?q=clerk-a01").content.decode()
    assert '<span class="portico-status portico-status--inactive">Deactivated</span>' in listing
    assert "usa-tag" not in listing
    others = staff.get("/id/staff/users/?q=clerk-b01").content.decode()
    assert '<span class="portico-status portico-status--active">Active</span>' in others


def test_reactivation_needs_a_reason_which_the_audit_keeps(world):
    subject = world.users["billing_clerk"]
    staff = mfa_login(Client(), world.users["access_admin"])
    staff.post(f"/id/staff/users/{subject.pk}/deactivate/", {"deactivate-reason": "Left"})
    page = staff.get(f"/id/staff/users/{subject.pk}/").content.decode()
    assert 'name="reactivate-reason"' in page

    for data in ({}, {"reactivate-reason": "   "}):
        response = staff.post(f"/id/staff/users/{subject.pk}/reactivate/", data)
        assert response.status_code == 400
        assert "This field is required" in response.content.decode()
        subject.refresh_from_db()
        assert not subject.is_active
    assert not AuditEvent.objects.filter(action="portico.identity.account_reactivated").exists()

    response = staff.post(
        f"/id/staff/users/{subject.pk}/reactivate/", {"reactivate-reason": "Rehired, ticket 77"}
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.is_active
    event = AuditEvent.objects.get(action="portico.identity.account_reactivated")
    assert event.changes["reason"] == "Rehired, ticket 77"
    assert event.actor_id == world.users["access_admin"].pk
    page = staff.get(f"/id/staff/users/{subject.pk}/").content.decode()
    assert "reason: Rehired, ticket 77" in page
    assert "reactivated by staff" not in page.replace("Account reactivated by staff", "")
    assert selectors.staff_user_get(pk=subject.pk).is_active


# --- recent activity after adding an authenticator app ---------------------------------
@pytest.mark.django_db(transaction=True)  # allauth announces new authenticators on commit
def test_adding_an_authenticator_app_reads_as_one_added_method(client):
    user = UserFactory(username="appuser09")
    password_login(client, "appuser09", FACTORY_PASSWORD)
    page = client.get("/id/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', page)[1]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/id/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    shown = activity(client)
    assert shown.count("Added an authenticator app") == 1
    assert shown.count("Recovery codes created") == 1
    assert "Added a sign-in method" not in shown
    # The audit trail keeps both events (the app and its recovery codes).
    added = AuditEvent.objects.filter(action="portico.identity.mfa_added", object_id=str(user.pk))
    assert sorted(e.changes["type"] for e in added) == ["recovery_codes", "totp"]
