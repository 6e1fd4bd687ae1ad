"""Idle and absolute timeouts, the sessions list, My Profile, the staff back office, and
the voice provider's webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from portico.core.models import AuditEvent
from portico.identity import selectors, services
from portico.identity.models import PhoneVerification, User
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory
from tests.identity.conftest import signup

pytestmark = pytest.mark.django_db


def test_idle_timeout_signs_out_and_says_why(client):
    user = UserFactory()
    mfa_login(client, user)
    start = timezone.now()
    with freeze_time(start) as frozen:
        assert client.get("/id/profile/").status_code == 200
        frozen.tick(14 * 60)
        assert client.get("/id/profile/").status_code == 200  # activity extends
        frozen.tick(14 * 60)
        assert client.get("/id/profile/").status_code == 200
        frozen.tick(15 * 60 + 1)
        response = client.get("/id/profile/", follow=True)
    assert response.redirect_chain[0][0].startswith("/id/login/?next=")
    assert "_auth_user_id" not in client.session
    assert any("without activity" in str(m) for m in response.context["messages"])
    event = AuditEvent.objects.get(action="portico.identity.session_timed_out")
    assert event.changes["reason"] == "idle"


def test_status_polling_does_not_extend_but_extend_does(client):
    user = UserFactory()
    mfa_login(client, user)
    start = timezone.now()
    with freeze_time(start) as frozen:
        client.get("/id/profile/")
        frozen.tick(10 * 60)
        status = client.get("/id/session/status/").json()
        assert 4 * 60 <= status["remaining"] <= 5 * 60 and status["warning"] == 120
        frozen.tick(4 * 60)
        assert client.post("/id/session/extend/").json()["remaining"] == 15 * 60
        frozen.tick(14 * 60)
        assert client.get("/id/profile/").status_code == 200


def test_absolute_timeout(client, settings):
    settings.SESSION_COOKIE_AGE = 3600
    user = UserFactory()
    mfa_login(client, user)
    start = timezone.now()
    with freeze_time(start) as frozen:
        client.get("/id/profile/")
        for _ in range(5):
            frozen.tick(14 * 60)
            client.get("/id/profile/")
        response = client.get("/id/profile/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="portico.identity.session_timed_out", changes__reason="absolute"
    ).exists()


def test_sign_out_other_sessions(client):
    user = UserFactory(username="twosessions")
    services.phone_factor_enable(user=user)
    browsers = [Client(), Client()]
    for browser in browsers:
        mfa_login(browser, user)
        browser.get("/id/profile/")
    assert UserSession.objects.filter(user=user).count() == 2
    page = browsers[0].get("/id/sessions/")
    assert "Sign out other sessions" in page.content.decode()
    browsers[0].post("/id/sessions/")
    assert UserSession.objects.filter(user=user).count() == 1
    assert browsers[1].get("/id/profile/").status_code == 302
    assert browsers[0].get("/id/profile/").status_code == 200
    assert AuditEvent.objects.filter(action="portico.identity.session_ended").count() == 1


def test_profile_shows_the_portico_id_and_recent_activity(client):
    user = UserFactory(username="profile01")
    client.post("/id/login/", {"login": "profile01", "password": PASSWORD})
    mfa_login(client, user)
    page = client.get("/id/profile/").content.decode()
    assert 'id="portico-id-username">profile01<' in page
    assert "Signed in" in page


def test_profile_links_recovery_codes_only_once_there_are_some(client):
    """allauth answers 404 for recovery codes a user has not been given: no dead link."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = UserFactory()
    mfa_login(client, user)
    page = client.get("/id/profile/").content.decode()
    assert "/id/2fa/recovery-codes/" not in page
    assert "none — they come with a passkey or an authenticator app" in page
    RecoveryCodes.activate(user)
    page = client.get("/id/profile/").content.decode()
    assert 'href="/id/2fa/recovery-codes/"' in page
    assert client.get("/id/2fa/recovery-codes/").status_code == 200


def test_profile_username_change_applies_the_rules(client):
    user = UserFactory(username="profile02")
    UserFactory(username="TakenName1")
    mfa_login(client, user)
    response = client.post("/id/profile/username/", {"username": "bad name"})
    assert response.status_code == 400
    assert "Do not use spaces." in response.content.decode()
    response = client.post("/id/profile/username/", {"username": "takenname1"})
    assert "That username is taken" in response.content.decode()
    response = client.post("/id/profile/username/", {"username": "new-name-01"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).username == "new-name-01"


def test_profile_preferences(client):
    user = UserFactory()
    mfa_login(client, user)
    response = client.post(
        "/id/profile/preferences/",
        {"preferred_language": "es", "notify_security_email": "on"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (
        user.preferred_language,
        user.notify_security_email,
        user.notify_password_expiry_email,
    ) == (
        "es",
        True,
        False,
    )
    assert response.cookies["django_language"].value == "es"


def test_profile_phone_change_needs_verification_again(client):
    user = UserFactory(phone="+12025550111", phone_verified=True)
    mfa_login(client, user)
    client.post("/id/phone/update/", {"phone_country": "US", "phone_number": "310-555-0117"})
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == ("+13105550117", False)
    assert AuditEvent.objects.filter(action="portico.identity.phone_changed").exists()


def test_staff_lock_deactivate_reactivate_and_audit_view(world):
    subject = world.users["billing_clerk"]
    staff = mfa_login(Client(), world.users["access_admin"])
    staff.post(f"/id/staff/users/{subject.pk}/lock/", {"lock-minutes": "30"})
    assert selectors.is_locked(user=subject)
    victim = mfa_login(Client(), subject)
    victim.get("/id/profile/")
    response = staff.post(
        f"/id/staff/users/{subject.pk}/deactivate/", {"deactivate-reason": "Left the practice"}
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert not subject.is_active
    assert victim.get("/id/profile/").status_code == 302  # its session was ended
    response = staff.post(
        f"/id/staff/users/{subject.pk}/reactivate/", {"reactivate-reason": "Back, ticket 5120"}
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.is_active
    page = staff.get(f"/id/staff/users/{subject.pk}/").content.decode()
    for text in [
        "Account temporarily locked",
        "Account deactivated by staff",
        "Account reactivated by staff",
    ]:
        assert text in page
    listing = staff.get("/id/staff/users/?q=clerk-a").content.decode()
    assert "clerk-a01" in listing and "clerk-b01" not in listing


def test_staff_cannot_deactivate_themselves(world):
    me = world.users["superuser"]
    staff = mfa_login(Client(), me)
    response = staff.post(f"/id/staff/users/{me.pk}/deactivate/", {"deactivate-reason": "oops"})
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in response.content.decode()
    me.refresh_from_db()
    assert me.is_active


@pytest.mark.parametrize("action", ["lock", "unlock", "mfa-reset", "deactivate", "reactivate"])
def test_only_a_superuser_acts_on_a_staff_account(world, action):
    """Before: a support agent could reset an administrator's sign-in methods (and take the
    account over at its next enrolment), lock or deactivate it."""
    from allauth.mfa.models import Authenticator

    admin = world.users["superuser"]
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={})
    agent = mfa_login(Client(), world.users["support_agent"])
    page = agent.get(f"/id/staff/users/{admin.pk}/").content.decode()
    assert "Staff accounts are managed by a superuser." in page
    assert "Reset sign-in methods</button>" not in page
    data = {"lock-minutes": "30", "reset-reason": "x", "deactivate-reason": "x",
            "reactivate-reason": "x"}  # fmt: skip
    response = agent.post(f"/id/staff/users/{admin.pk}/{action}/", data)
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active and Authenticator.objects.filter(user=admin).exists()
    assert not AuditEvent.objects.filter(
        object_id=str(admin.pk), action__in=[
            "portico.identity.account_locked", "portico.identity.mfa_reset",
            "portico.identity.account_deactivated",
        ],
    ).exists()  # fmt: skip
    # A provider-office account stays the agent's to manage.
    clerk = world.users["billing_clerk"]
    assert (
        agent.post(f"/id/staff/users/{clerk.pk}/lock/", {"lock-minutes": "30"}).status_code == 302
    )


def _sign(token: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(f"{k}{v}" for k, v in sorted(params.items()))
    return base64.b64encode(
        hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


def test_voice_webhook_requires_the_provider_signature(client, settings):
    settings.PORTICO_SMS_GATEWAY_TOKEN = "provider-token"
    user = UserFactory(phone="+12025550177", phone_verified=False)
    sent = services.phone_code_send(user=user, channel=PhoneVerification.Channel.VOICE)
    path = f"/id/phone/voice/{sent.verification.call_ref}/"
    params = {"Digits": sent.code}
    assert client.post(path, params).status_code == 403
    forged = client.post(path, params, HTTP_X_TWILIO_SIGNATURE="bm9wZQ==")
    assert forged.status_code == 403
    signature = _sign("provider-token", settings.PORTICO_BASE_URL + path, params)
    response = client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200
    assert "accepted" in response.content.decode()
    user.refresh_from_db()
    assert user.phone_verified


def test_unverified_phone_reminder_and_later_verification_from_profile(client):
    user = UserFactory(phone="+12025550166", phone_verified=False)
    mfa_login(client, user)
    page = client.get("/id/profile/").content.decode()
    assert "Verify now" in page
    client.post("/id/phone/verify/", {"action": "sms"})
    code = PhoneVerification.objects.get(user=user)
    assert code.purpose == "verify"
    assert timedelta(minutes=9) < code.expires_at - code.created_at <= timedelta(minutes=10)


@pytest.mark.django_db
def test_the_hours_cap_on_codes_says_so_in_minutes(settings):
    """Before: "A code was sent recently. Wait 3541 seconds" when the hour's codes were used
    up, though no code had been sent recently."""
    settings.PORTICO_PHONE_SENDS_PER_HOUR = 1
    settings.PORTICO_PHONE_RESEND_INTERVAL_SECONDS = 0
    user = UserFactory(phone="+12025550146", phone_verified=False)
    services.phone_code_send(user=user, channel="sms")
    with pytest.raises(services.PhoneRateLimited) as limited:
        services.phone_code_send(user=user, channel="sms")
    assert limited.value.hourly
    assert limited.value.message == (
        "Too many codes were sent in the last hour. Wait 60 minutes, then try again."
    )


def test_a_staff_search_that_cannot_run_says_why_and_a_long_list_says_it_is_cut(world):
    """Before: a 101-character or NUL search was dropped silently and every account listed;
    the list stopped at 50 accounts without a word."""
    from tests.factories.identity import UserFactory

    agent = mfa_login(Client(), world.users["support_agent"])
    too_long = agent.get("/id/staff/users/", {"q": "a" * 101})
    assert too_long.status_code == 400
    page = too_long.content.decode()
    assert "Search with at most 100 characters." in page and "Nothing was searched." in page
    assert world.users["billing_clerk"].username not in page
    nul = agent.get("/id/staff/users/", {"q": "clerk\x00"})
    assert nul.status_code == 400 and "Null characters are not allowed." in nul.content.decode()
    for n in range(51):
        UserFactory(username=f"manyaccounts{n:02d}")
    listed = agent.get("/id/staff/users/", {"q": "manyaccounts"}).content.decode()
    assert listed.count("manyaccounts") >= 50
    assert "Showing the first 50 accounts. Narrow the search to find others." in listed
    few = agent.get("/id/staff/users/", {"q": "manyaccounts0"}).content.decode()
    assert "Showing the first" not in few


def test_reactivating_an_active_account_says_it_is_already_active(world):
    """Before: a 400 page whose reactivate form was not shown, so no message at all."""
    agent = mfa_login(Client(), world.users["support_agent"])
    clerk = world.users["billing_clerk"]
    url = f"/id/staff/users/{clerk.pk}/"
    response = agent.post(f"{url}reactivate/", {"reactivate-reason": ""}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "The account is already active; nothing was changed." in response.content.decode()
    agent.post(f"{url}deactivate/", {"deactivate-reason": "left the practice"})
    again = agent.post(f"{url}deactivate/", {"deactivate-reason": "again"}, follow=True)
    assert "The account is already deactivated; nothing was changed." in again.content.decode()
    assert (
        AuditEvent.objects.filter(
            object_id=str(clerk.pk), action="portico.identity.account_deactivated"
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        ("10081", "Lock the account for at most 7 days (10,080 minutes)."),
        ("0", "Lock the account for at least 1 minute."),
        ("half", "Enter the minutes as a whole number, for example 30."),
        ("", "Enter how many minutes to lock the account for."),
    ],
)
def test_lock_minutes_out_of_range_say_the_range_in_words(world, minutes, message):
    agent = mfa_login(Client(), world.users["support_agent"])
    clerk = world.users["billing_clerk"]
    response = agent.post(f"/id/staff/users/{clerk.pk}/lock/", {"lock-minutes": minutes})
    assert response.status_code == 400 and message in response.content.decode()


def test_the_idle_sign_out_and_the_code_page_say_the_configured_times(client, settings):
    """Before: both said "15 minutes" whatever the settings were."""
    settings.PORTICO_SESSION_IDLE_SECONDS = 30 * 60
    user = UserFactory()
    mfa_login(client, user)
    with freeze_time(timezone.now()) as frozen:
        assert client.get("/id/profile/").status_code == 200
        frozen.tick(30 * 60 + 1)
        response = client.get("/id/profile/", follow=True)
    assert any(
        str(m) == "You were signed out after 30 minutes without activity. Sign in again."
        for m in response.context["messages"]
    )
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 10 * 60
    browser = Client()
    signup(browser)
    page = browser.get("/id/confirm-email/").content.decode()
    assert "The code expires in 10 minutes." in page
