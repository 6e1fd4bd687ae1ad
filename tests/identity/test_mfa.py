"""MFA: required before any application page; passkey/TOTP (allauth) and phone (Portico)
factors; TOTP secrets encrypted at rest; the last factor stays; legacy email-MFA accounts."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client

from portico.core.models import AuditEvent, OutboxMessage
from portico.core.notifications import outbox_answer_call
from portico.identity import crypto, services
from portico.identity.models import PhoneAuthenticator, User
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sms_code(to: str) -> str:
    return OutboxMessage.objects.filter(channel="sms", to=to).order_by("-id").first().codes[0]


@pytest.fixture
def phone_user(db):
    user = UserFactory(username="phoneuser1", phone="+12025550188", phone_verified=True)
    services.phone_factor_enable(user=user)
    return user


def password_login(client, username):
    return client.post("/id/login/", {"login": username, "password": PASSWORD})


def test_gate_sends_a_user_without_any_factor_to_setup(client):
    user = UserFactory(username="nofactor1")
    assert password_login(client, "nofactor1")["Location"] == "/id/mfa/setup/"
    for path in ["/connect/", "/id/profile/", "/id/staff/users/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/id/mfa/setup/")
    # Exempt: identity pages, landing page, outbox, health, terms.
    for path in ["/", "/id/mfa/setup/", "/healthz", "/dev/outbox/", "/id/legal/terms/"]:
        assert client.get(path).status_code == 200, path
    assert user.pk


def test_gate_is_off_when_mfa_is_not_required(client, settings):
    settings.PORTICO_MFA_REQUIRED = False
    UserFactory(username="nofactor2")
    password_login(client, "nofactor2")
    assert client.get("/id/profile/").status_code == 200


def test_phone_factor_sign_in_by_text(client, phone_user):
    response = password_login(client, "phoneuser1")
    assert response["Location"] == "/id/mfa/phone/"
    assert "_auth_user_id" not in client.session  # not signed in until the code
    client.post("/id/mfa/phone/", {"action": "sms"})
    response = client.post("/id/mfa/phone/", {"action": "check", "code": "000000"})
    assert (
        "That code is not correct" in response.content.decode()
        or sms_code("+12025550188") == "000000"
    )
    response = client.post("/id/mfa/phone/", {"action": "check", "code": sms_code("+12025550188")})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(phone_user.pk)
    assert client.get("/id/profile/").status_code == 200
    assert AuditEvent.objects.filter(action="portico.identity.mfa_phone_used").exists()


def test_a_second_sign_in_right_after_the_first_gets_its_own_code(client, phone_user):
    """The resend interval spaces out codes still awaited; a used code does not hold up the
    next sign-in's (signed out and straight back in), while a fresh resend still waits."""
    password_login(client, "phoneuser1")
    client.post("/id/mfa/phone/", {"action": "sms"})
    client.post("/id/mfa/phone/", {"action": "check", "code": sms_code("+12025550188")})
    client.post("/id/logout/")
    assert "_auth_user_id" not in client.session

    password_login(client, "phoneuser1")
    html = client.post("/id/mfa/phone/", {"action": "sms"}, follow=True).content.decode()
    assert "We sent a text message with a code" in html and "sent recently" not in html
    assert OutboxMessage.objects.filter(channel="sms", to="+12025550188").count() == 2
    # Asking again while that code is awaited is a resend: it waits.
    html = client.post("/id/mfa/phone/", {"action": "sms"}, follow=True).content.decode()
    assert re.search(r"A code was sent recently\. Wait \d+ seconds", html)
    assert OutboxMessage.objects.filter(channel="sms", to="+12025550188").count() == 2
    response = client.post("/id/mfa/phone/", {"action": "check", "code": sms_code("+12025550188")})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(phone_user.pk)


def test_phone_factor_sign_in_by_call(client, phone_user):
    password_login(client, "phoneuser1")
    response = client.post("/id/mfa/phone/", {"action": "voice"}, follow=True)
    shown = re.search(r"portico-code--large\">(\d{6})<", response.content.decode()).group(1)
    call = OutboxMessage.objects.get(channel="voice")
    # Another browser polling cannot ride on this call.
    assert Client().get("/id/mfa/phone/status/").status_code == 204
    assert outbox_answer_call(message=call, digits=shown)
    status = client.get("/id/mfa/phone/status/", HTTP_HX_REQUEST="true")
    assert status["HX-Redirect"] == "/id/mfa/phone/?channel=voice"
    response = client.post("/id/mfa/phone/", {"action": "continue"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(phone_user.pk)
    assert client.get("/id/profile/").status_code == 200


def test_unverified_phone_is_not_a_factor(client, phone_user):
    services.phone_update(user=phone_user, phone="+13105550117")
    response = password_login(client, "phoneuser1")
    assert response["Location"] == "/id/mfa/setup/"


@pytest.mark.django_db(transaction=True)  # allauth announces new authenticators on commit
def test_totp_enrolment_encrypts_the_secret_and_then_signs_in(client):
    user = UserFactory(username="totpuser1")
    password_login(client, "totpuser1")
    page = client.get("/id/2fa/totp/activate/").content.decode()
    secret = re.search(r'id="authenticator_secret">([A-Z2-7]+)<', page).group(1)
    response = client.post("/id/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert stored.startswith("fernet:") and secret not in stored
    assert crypto.decrypt(stored) == secret
    # Enrolling proves the factor: the session may now open application pages.
    assert client.get("/id/profile/").status_code == 200
    assert AuditEvent.objects.filter(action="portico.identity.mfa_added").exists()
    # Next sign-in: password, then the app's code.
    other = Client()
    assert password_login(other, "totpuser1")["Location"] == "/id/2fa/authenticate/"
    # Codes are single-use; the next period's code is accepted within the tolerance.
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counters[-1]))
    response = other.post("/id/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert other.get("/id/profile/").status_code == 200


def test_the_last_factor_cannot_be_removed_while_mfa_is_required(client, phone_user):
    mfa_login(client, phone_user)
    response = client.post("/id/mfa/phone/disable/", follow=True)
    assert "before removing your last method" in response.content.decode()
    assert PhoneAuthenticator.objects.filter(user=phone_user).exists()


def test_a_second_factor_can_go_when_another_remains(client, phone_user):
    Authenticator.objects.create(
        user=phone_user, type="totp", data={"secret": crypto.encrypt("JBSWY3DPEHPK3PXP")}
    )
    mfa_login(client, phone_user)
    client.post("/id/mfa/phone/disable/")
    assert not PhoneAuthenticator.objects.filter(user=phone_user).exists()
    assert AuditEvent.objects.filter(action="portico.identity.mfa_removed").exists()


def test_mfa_adapter_refuses_to_delete_the_last_totp(phone_user):
    from portico.identity.adapter import MFAAdapter

    totp = Authenticator.objects.create(user=phone_user, type="totp", data={"secret": "x"})
    assert MFAAdapter().can_delete_authenticator(totp)  # the phone factor remains
    services.phone_factor_disable(user=phone_user)
    assert not MFAAdapter().can_delete_authenticator(totp)


def test_legacy_email_mfa_account_must_enrol_another_method(client):
    UserFactory(username="emailmfa01", legacy_email_mfa=True)
    password_login(client, "emailmfa01")
    response = client.get("/connect/")
    assert response["Location"].startswith("/id/mfa/setup/")
    page = client.get("/id/mfa/setup/").content.decode()
    assert "Codes by email are no longer accepted" in page
    client.post("/id/mfa/phone/enable/")
    user = User.objects.get(username="emailmfa01")
    assert not user.legacy_email_mfa
    assert PhoneAuthenticator.objects.filter(user=user).exists()


def test_signed_in_session_without_mfa_is_sent_to_verify(client, phone_user):
    client.force_login(phone_user)
    response = client.get("/id/profile/")
    assert response["Location"].startswith("/id/mfa/verify/")
    page = client.get(response["Location"]).content.decode()
    assert "Get a code by text or call" in page
    client.post("/id/mfa/phone/", {"action": "sms"})
    client.post("/id/mfa/phone/", {"action": "check", "code": sms_code("+12025550188")})
    assert client.get("/id/profile/").status_code == 200


def test_staff_mfa_reset_needs_a_reason_and_is_audited(world, phone_user):
    admin = mfa_login(Client(), world.users["support_agent"])
    response = admin.post(f"/id/staff/users/{phone_user.pk}/mfa-reset/", {"reset-reason": ""})
    assert response.status_code == 400
    assert PhoneAuthenticator.objects.filter(user=phone_user).exists()
    response = admin.post(
        f"/id/staff/users/{phone_user.pk}/mfa-reset/", {"reset-reason": "Lost phone, ticket 4411"}
    )
    assert response.status_code == 302
    assert not PhoneAuthenticator.objects.filter(user=phone_user).exists()
    event = AuditEvent.objects.get(action="portico.identity.mfa_reset")
    assert event.changes["reason"] == "Lost phone, ticket 4411"
    assert event.actor_id == world.users["support_agent"].pk


def test_email_is_never_a_factor(settings):
    assert "email" not in settings.MFA_SUPPORTED_TYPES
