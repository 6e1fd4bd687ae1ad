"""Create an account: fields, legal acceptance, email by code or link, phone by text or
call (resend, update, skip), then the sign-in methods step."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from portico.core.models import AuditEvent, OutboxMessage
from portico.core.notifications import outbox_answer_call
from portico.identity import services
from portico.identity.models import LegalAcceptance, PasswordHistory, PhoneVerification, User
from tests.factories.identity import UserFactory
from tests.identity.conftest import (
    SIGNUP,
    email_code,
    last_message,
    signup,
    signup_through_email,
    sms_code,
)

pytestmark = pytest.mark.django_db


def test_signup_stores_every_field_and_the_accepted_versions(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(username="dwhitfield")
    assert (user.first_name, user.last_name, user.year_of_birth) == ("Dana", "Whitfield", 1984)
    assert user.phone == "+12025550143"
    assert not user.phone_verified
    assert user.check_password(SIGNUP["password1"])
    accepted = {
        a.document.kind: a.document.version for a in LegalAcceptance.objects.filter(user=user)
    }
    assert accepted == {"terms": "1.0", "privacy": "1.0"}
    assert PasswordHistory.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.filter(action="portico.identity.account_created").exists()


def test_the_email_carries_a_six_digit_code_and_a_link(client):
    signup(client)
    message = last_message(OutboxMessage.Channel.EMAIL, SIGNUP["email"])
    assert re.fullmatch(r"\d{6}", message.codes[0])
    assert any("/id/email/activate/" in link for link in message.links)


def test_code_then_sms_then_mfa_setup(client):
    signup_through_email(client)
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified
    response = client.get("/id/phone/verify/")
    assert "Text message" in response.content.decode()
    response = client.post("/id/phone/verify/", {"action": "sms"})
    assert response["Location"] == "/id/phone/verify/?channel=sms"
    response = client.post("/id/phone/verify/?channel=sms", {"action": "check", "code": sms_code()})
    assert response.status_code == 302
    assert User.objects.get(username="dwhitfield").phone_verified
    response = client.post("/id/phone/verify/", {"action": "continue"})
    assert response["Location"] == "/id/mfa/setup/?next=%2Fid%2Fprofile%2F"
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "Switch to faster and more secure sign-in methods" in response.content.decode()


def test_after_the_sign_in_methods_step_a_new_user_lands_on_my_profile(client):
    """The document: "Now it will take you to the 'My Profile' page where you can find the
    One Healthcare ID"."""
    signup_through_email(client)
    client.post("/id/phone/verify/", {"action": "sms"})
    client.post("/id/phone/verify/?channel=sms", {"action": "check", "code": sms_code()})
    setup = client.post("/id/phone/verify/", {"action": "continue"})["Location"]
    client.get(setup)
    client.post("/id/mfa/phone/enable/", {})
    response = client.get("/id/mfa/setup/done/", follow=True)
    assert response.redirect_chain[-1][0] == "/id/profile/"
    assert "dwhitfield" in response.content.decode()


def test_wrong_expired_and_used_codes_say_which(client):
    signup_through_email(client)
    client.post("/id/phone/verify/", {"action": "sms"})
    code = sms_code()
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/id/phone/verify/", {"action": "check", "code": wrong})
    assert "That code is not correct" in response.content.decode()
    response = client.post("/id/phone/verify/", {"action": "check", "code": "12"})
    assert "Enter the 6-digit code." in response.content.decode()
    with freeze_time(timezone.now() + timedelta(minutes=11)):
        response = client.post("/id/phone/verify/", {"action": "check", "code": code})
    assert "That code has expired. Send a new code." in response.content.decode()
    # A new code (after the resend interval) works once; using it again says so.
    with freeze_time(timezone.now() + timedelta(minutes=12)):
        client.post("/id/phone/verify/", {"action": "sms"})
        fresh = sms_code()
        client.post("/id/phone/verify/", {"action": "check", "code": fresh})
        user = User.objects.get(username="dwhitfield")
        assert user.phone_verified
        assert services.phone_code_check(user=user, code=fresh) is services.PhoneCheck.USED


def test_too_many_wrong_codes_lock_the_code(client):
    signup_through_email(client)
    client.post("/id/phone/verify/", {"action": "sms"})
    code = sms_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post("/id/phone/verify/", {"action": "check", "code": wrong})
    assert "Too many wrong codes. Send a new code." in response.content.decode()
    response = client.post("/id/phone/verify/", {"action": "check", "code": code})
    assert "Too many wrong codes" in response.content.decode()
    assert not User.objects.get(username="dwhitfield").phone_verified


def test_resend_is_rate_limited_and_says_when(client):
    signup_through_email(client)
    client.post("/id/phone/verify/", {"action": "sms"})
    response = client.post("/id/phone/verify/", {"action": "sms"}, follow=True)
    assert re.search(r"Wait \d+ seconds, then try again", response.content.decode())
    assert OutboxMessage.objects.filter(channel="sms").count() == 1


def test_voice_call_verification_by_keying_the_code_shown(client):
    signup_through_email(client)
    response = client.post("/id/phone/verify/", {"action": "voice"}, follow=True)
    page = response.content.decode()
    shown = re.search(r"portico-code--large[^>]*>(\d{6})<", page).group(1)
    call = last_message(OutboxMessage.Channel.VOICE, "+12025550143")
    assert shown not in call.body  # the call reads nothing secret aloud
    status = client.get("/id/phone/verify/status/", HTTP_HX_REQUEST="true")
    assert "Waiting for you to key in the code" in status.content.decode()
    assert not outbox_answer_call(message=call, digits="999999" if shown != "999999" else "111111")
    call.refresh_from_db()
    call.voice_state = OutboxMessage.VoiceState.RINGING
    call.save()
    assert outbox_answer_call(message=call, digits=shown)
    status = client.get("/id/phone/verify/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Redirect"] == "/id/phone/verify/"
    assert User.objects.get(username="dwhitfield").phone_verified
    response = client.post("/id/phone/verify/", {"action": "continue"})
    assert response["Location"] == "/id/mfa/setup/?next=%2Fid%2Fprofile%2F"


def test_update_phone_number_returns_to_verification(client):
    signup_through_email(client)
    response = client.post(
        "/id/phone/update/", {"phone_country": "US", "phone_number": "(310) 555-0117"}
    )
    assert response["Location"] == "/id/phone/verify/"
    assert User.objects.get(username="dwhitfield").phone == "+13105550117"
    client.post("/id/phone/verify/", {"action": "sms"})
    assert sms_code("+13105550117")


def test_skip_creates_the_account_with_the_phone_unverified_and_reminds(client):
    signup_through_email(client)
    response = client.post("/id/phone/verify/", {"action": "skip"})
    assert response["Location"] == "/id/mfa/setup/?next=%2Fid%2Fprofile%2F"
    user = User.objects.get(username="dwhitfield")
    assert not user.phone_verified
    assert AuditEvent.objects.filter(action="portico.identity.phone_verification_skipped").exists()
    # At the next sign-in: a reminder, not a wall.
    other = Client()
    response = other.post(
        "/id/login/", {"login": "dwhitfield", "password": SIGNUP["password1"]}, follow=True
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("Your phone number is not verified" in t for t in texts)


def test_email_link_instead_of_code_continues_the_flow(client):
    signup(client)
    link = next(
        link
        for link in last_message(OutboxMessage.Channel.EMAIL, SIGNUP["email"]).links
        if "/id/email/activate/" in link
    )
    path = link.split("testserver", 1)[-1]
    assert client.get(path).status_code == 200  # a confirm button, not a GET side effect
    assert not EmailAddress.objects.get(email=SIGNUP["email"]).verified
    response = client.post(path)
    assert response["Location"] == "/id/phone/verify/"
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified
    # A second use says the address is already verified.
    assert client.get(path).status_code == 400


def test_email_link_from_another_browser_verifies_and_asks_to_sign_in(client):
    signup(client)
    link = last_message(OutboxMessage.Channel.EMAIL, SIGNUP["email"]).links[0]
    response = Client().post(link.split("testserver", 1)[-1])
    assert response.status_code == 200
    assert "Email address verified" in response.content.decode()


def test_email_link_expires_with_the_code(client):
    signup(client)
    link = last_message(OutboxMessage.Channel.EMAIL, SIGNUP["email"]).links[0]
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        response = client.get(link.split("testserver", 1)[-1])
    assert response.status_code == 400
    assert "has expired" in response.content.decode()


def test_wrong_email_code_and_resend_keeps_the_failure_count(client):
    signup(client)
    code = email_code()
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/id/confirm-email/", {"action": "verify", "code": wrong})
    assert "That code is not correct" in response.content.decode()
    client.post("/id/confirm-email/", {"action": "resend"})
    state = client.session["account_email_verification_code"]
    assert state["failed_attempts"] == 1
    assert email_code() != code or state["resend_count"] == 1


def test_email_can_be_corrected_before_verification(client):
    signup(client)
    response = client.post("/id/confirm-email/", {"action": "change", "email": "dana@example.net"})
    assert response.status_code == 302
    assert email_code("dana@example.net")
    response = client.post(
        "/id/confirm-email/", {"action": "verify", "code": email_code("dana@example.net")}
    )
    assert response["Location"] == "/id/phone/verify/"
    assert User.objects.get(username="dwhitfield").email == "dana@example.net"


def test_one_account_per_email_regardless_of_case_without_enumeration(client):
    UserFactory(username="existing01", email="dana.whitfield@example.org")
    response = signup(client, email="Dana.Whitfield@Example.org", username="another01")
    # The page looks the same as for a new address; the owner gets an email instead.
    assert response.status_code == 302
    assert not User.objects.filter(username="another01").exists()
    notice = last_message(OutboxMessage.Channel.EMAIL, "dana.whitfield@example.org")
    assert "already has an account" in notice.body


def test_unverified_signups_are_purged_after_the_configured_time(client):
    signup(client)
    keep = UserFactory(username="verified01")
    keep.date_joined = timezone.now() - timedelta(days=10)
    keep.save()
    assert services.unverified_accounts_purge(older_than=timedelta(hours=72)) == 0
    with freeze_time(timezone.now() + timedelta(hours=73)):
        assert services.unverified_accounts_purge(older_than=timedelta(hours=72)) == 1
    assert not User.objects.filter(username="dwhitfield").exists()
    assert User.objects.filter(username="verified01").exists()


def test_terms_and_privacy_pages_show_the_published_version(client):
    for path, title in [
        ("/id/legal/terms/", "Terms of Use"),
        ("/id/legal/privacy/", "Website Privacy Policy"),
    ]:
        page = client.get(path).content.decode()
        assert title in page and "Version 1.0" in page and "demonstration text" in page


def test_phone_verification_records_are_hashed(client):
    signup_through_email(client)
    client.post("/id/phone/verify/", {"action": "sms"})
    verification = PhoneVerification.objects.get()
    assert sms_code() not in verification.code_hash


def test_expired_activation_code_says_so_and_sign_in_sends_a_new_one(client):
    signup(client)
    old = email_code()
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        response = client.post("/id/confirm-email/", {"action": "verify", "code": old}, follow=True)
        texts = [str(m) for m in response.context["messages"]]
        assert any("activation code has expired" in t for t in texts)
        assert response.redirect_chain[-1][0].startswith("/id/login/")
        response = client.post(
            "/id/login/", {"login": "dwhitfield", "password": SIGNUP["password1"]}
        )
        assert response["Location"] == "/id/confirm-email/"
        assert OutboxMessage.objects.filter(channel="email").count() == 2


def test_the_activation_email_and_consent_screen_use_the_configured_identity_name(client, settings):
    settings.PORTICO_BRAND = {**settings.PORTICO_BRAND, "idp_name": "Harbor Key"}
    signup(client)
    message = last_message(OutboxMessage.Channel.EMAIL, SIGNUP["email"])
    assert message.subject == "Verify your email address for Harbor Key"
    from portico.identity.oidc import PorticoOIDCAdapter

    assert PorticoOIDCAdapter().scope_display["openid"] == "Know who you are (your Harbor Key)"
