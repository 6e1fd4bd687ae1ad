"""Sign-in by username or email, enumeration-safe messages, lockout and unlock, rate limits,
"Forgot username"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from portico.core.models import AuditEvent, OutboxMessage
from portico.identity import services
from portico.identity.adapter import CREDENTIALS_MISMATCH
from portico.identity.models import LoginThrottle
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, who, password=PASSWORD):
    return client.post("/id/login/", {"login": who, "password": password})


def form_errors(response):
    return response.context["form"].non_field_errors()


@pytest.fixture
def clerk(db):
    return UserFactory(username="FrontDesk01", email="front.desk@example.org")


@pytest.mark.parametrize(
    "identifier", ["FrontDesk01", "frontdesk01", "front.desk@example.org", "FRONT.DESK@example.org"]
)
def test_sign_in_by_username_or_email_any_case(client, clerk, identifier):
    response = login(client, identifier)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(clerk.pk)


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("FrontDesk01", "Wrong-Password-1"),  # wrong password
        ("nobody-here", PASSWORD),  # unknown username
        ("nobody@example.org", PASSWORD),  # unknown email
        ("front.desk@example.org", "Wrong-Password-1"),
    ],
)
def test_same_response_for_unknown_account_and_wrong_password(client, clerk, identifier, password):
    response = login(client, identifier, password)
    assert response.status_code == 200
    assert form_errors(response) == [CREDENTIALS_MISMATCH]


def test_lockout_after_consecutive_failures_with_the_same_message(client, clerk, settings):
    settings.PORTICO_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        login(client, "FrontDesk01", "Wrong-Password-1")
    throttle = LoginThrottle.objects.get(user=clerk)
    assert throttle.is_locked and throttle.lockouts == 1
    # Even the right password is refused while locked, with the wrong-password message.
    response = login(client, "FrontDesk01")
    assert form_errors(response) == [CREDENTIALS_MISMATCH]
    assert "_auth_user_id" not in client.session
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "portico.identity.sign_in_failed",
        "portico.identity.account_locked",
        "portico.identity.sign_in_refused_locked",
    } <= actions


def test_waits_grow_with_each_lockout_and_success_resets(client, clerk, settings):
    settings.PORTICO_LOCKOUT_THRESHOLD = 2
    settings.PORTICO_LOCKOUT_BASE_SECONDS = 60
    settings.PORTICO_LOCKOUT_MAX_SECONDS = 300
    assert [services.lockout_wait(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [
        60,
        120,
        240,
        300,
        300,
    ]
    start = timezone.now()
    with freeze_time(start) as frozen:
        for _ in range(2):
            login(client, "FrontDesk01", "bad-password-x1")
        first = LoginThrottle.objects.get(user=clerk).locked_until
        assert first == start + timedelta(seconds=60)
        frozen.tick(61)
        for _ in range(2):
            login(client, "FrontDesk01", "bad-password-x1")
        second = LoginThrottle.objects.get(user=clerk)
        assert second.lockouts == 2
        assert second.locked_until - timezone.now() == timedelta(seconds=120)
        frozen.tick(121)
        assert login(client, "FrontDesk01").status_code == 302
    throttle = LoginThrottle.objects.get(user=clerk)
    assert (throttle.consecutive_failures, throttle.lockouts, throttle.locked_until) == (0, 0, None)


def test_staff_unlock(client, clerk, settings, world):
    settings.PORTICO_LOCKOUT_THRESHOLD = 2
    for _ in range(2):
        login(client, "FrontDesk01", "bad-password-x1")
    admin = mfa_login(Client(), world.users["access_admin"])
    response = admin.post(f"/id/staff/users/{clerk.pk}/unlock/")
    assert response.status_code == 302
    assert not LoginThrottle.objects.get(user=clerk).is_locked
    assert AuditEvent.objects.filter(action="portico.identity.account_unlocked").exists()
    assert login(Client(), "FrontDesk01").status_code == 302


def test_allauth_rate_limit_says_to_wait(client, clerk, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip"}
    cache.clear()
    try:
        login(client, "FrontDesk01", "bad-password-x1")
        login(client, "FrontDesk01", "bad-password-x1")
        response = login(client, "FrontDesk01", "bad-password-x1")
        assert "Wait a few minutes, then try again" in response.content.decode()
    finally:
        cache.clear()


def test_inactive_accounts_cannot_sign_in(client, clerk):
    clerk.is_active = False
    clerk.save()
    response = login(client, "FrontDesk01")
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)


def test_forgot_username_page_is_the_same_for_known_and_unknown_addresses(client, clerk):
    known = client.post("/id/forgot-username/", {"email": "front.desk@example.org"})
    unknown = client.post("/id/forgot-username/", {"email": "nobody@example.org"})
    strip = lambda r, e: r.content.decode().replace(e, "EMAIL")  # noqa: E731
    import re

    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|content="[A-Za-z0-9]{64}"')
    assert token.sub("", strip(known, "front.desk@example.org")) == token.sub(
        "", strip(unknown, "nobody@example.org")
    )
    to_known = OutboxMessage.objects.get(to="front.desk@example.org")
    assert "FrontDesk01" in to_known.body
    to_unknown = OutboxMessage.objects.get(to="nobody@example.org")
    assert "No verified account uses this address" in to_unknown.body


def test_successful_sign_in_is_audited(client, clerk):
    login(client, "FrontDesk01")
    event = AuditEvent.objects.filter(action="portico.identity.signed_in").get()
    assert event.actor_id == clerk.pk


def test_forgot_username_is_rate_limited_per_address(client, clerk, settings):
    settings.ACCOUNT_RATE_LIMITS = {"forgot_username": "2/h/key"}
    cache.clear()
    try:
        for _ in range(2):
            client.post("/id/forgot-username/", {"email": "front.desk@example.org"})
        response = client.post("/id/forgot-username/", {"email": "front.desk@example.org"})
        assert response.status_code == 429
        assert "Wait an hour" in response.content.decode()
        assert OutboxMessage.objects.filter(to="front.desk@example.org").count() == 2
    finally:
        cache.clear()


@pytest.mark.parametrize(
    ("identifier", "password", "signed_in"),
    [
        ("FrontDesk01", PASSWORD, True),
        ("frontdesk01", PASSWORD, True),
        ("FRONT.DESK@example.org", PASSWORD, True),
        ("front.desk@example.org", "Wrong-Password-1", False),
        ("nobody-here", PASSWORD, False),
        ("nobody@example.org", PASSWORD, False),
    ],
)
def test_every_sign_in_hashes_the_password_exactly_once(
    client, clerk, monkeypatch, identifier, password, signed_in
):
    """One password hash per attempt, whatever the identifier: a second backend (Django's
    ModelBackend) used to hash once more for email addresses, other cases and unknown names."""
    from portico.identity.models import User

    hashes: list[str] = []
    for name in ("check_password", "set_password"):
        original = getattr(User, name)

        def counted(self, raw, _original=original, _name=name):
            hashes.append(_name)
            return _original(self, raw)

        monkeypatch.setattr(User, name, counted)
    response = login(client, identifier, password)
    assert (response.status_code == 302) is signed_in
    assert len(hashes) == 1, hashes


def test_rate_limited_pages_are_the_sites_own(client, settings):
    """Before: allauth's bare "429 Too Many Requests" page, without the portal's layout or a
    word about what to do."""
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    cache.clear()
    try:
        client.post("/id/signup/", {"email": "first@example.org"})
        response = client.post("/id/signup/", {"email": "second@example.org"})
        page = response.content.decode()
        assert response.status_code == 429
        assert "Too many attempts — please wait" in page and "Wait a few minutes" in page
        assert settings.PORTICO_BRAND["site_name"] in page
    finally:
        cache.clear()
