"""Removing a second factor needs a recent (re-)authentication, whichever factor it is: the
phone factor (Portico's view) as much as an authenticator app or a passkey (allauth's views).

A sign-in within ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` counts (AccountAdapter); these tests
age the session past it, as if the user signed in ten minutes ago and walked away.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client

from portico.core.models import AuditEvent
from portico.identity import crypto, services
from portico.identity.middleware import SIGNED_IN_AT_KEY
from portico.identity.models import PhoneAuthenticator
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REAUTH = "/id/reauthenticate/"


def signed_in_a_while_ago(client: Client, user: Any) -> Client:
    """An MFA-verified session whose sign-in is older than the re-authentication window."""
    mfa_login(client, user)
    session = client.session
    then = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 300
    for record in session["account_authentication_methods"]:
        record["at"] = then
    session[SIGNED_IN_AT_KEY] = then
    session.save()
    return client


@pytest.fixture
def user() -> Any:
    """Phone factor and an authenticator app, so either may go (the last one may not)."""
    user = UserFactory(username="twofactor1", phone="+12025550166", phone_verified=True)
    services.phone_factor_enable(user=user)
    Authenticator.objects.create(
        user=user, type="totp", data={"secret": crypto.encrypt("JBSWY3DPEHPK3PXP")}
    )
    return user


def sent_to_reauthenticate(response: Any, then: str) -> bool:
    """Redirected to "Confirm it is you", coming back to ``then`` afterwards."""
    url = urlsplit(response["Location"])
    return url.path == REAUTH and parse_qs(url.query) == {"next": [then]}


def removed_events(user: Any, type_: str) -> int:
    return AuditEvent.objects.filter(
        action="portico.identity.mfa_removed", object_id=str(user.pk), changes__type=type_
    ).count()


def test_phone_factor_stays_until_the_user_confirms_it_is_them(client, user):
    signed_in_a_while_ago(client, user)
    response = client.post("/id/mfa/phone/disable/")
    assert response.status_code == 302
    assert sent_to_reauthenticate(response, "/id/mfa/phone/disable/")
    assert PhoneAuthenticator.objects.filter(user=user).exists()
    assert removed_events(user, "phone") == 0

    page = client.get(response["Location"])
    assert "Confirm it is you" in page.content.decode()

    # A wrong password is not a confirmation.
    wrong = client.post(REAUTH, {"password": "Not-The-One-1", "next": "/id/mfa/phone/disable/"})
    assert wrong.status_code == 200
    assert PhoneAuthenticator.objects.filter(user=user).exists()

    # The right one: the "Turn off" the user asked for is carried out, and recorded.
    done = client.post(REAUTH, {"password": PASSWORD, "next": "/id/mfa/phone/disable/"})
    assert done.status_code == 302
    assert done["Location"] == "/id/profile/"
    assert not PhoneAuthenticator.objects.filter(user=user).exists()
    assert removed_events(user, "phone") == 1
    assert "Sign-in codes by phone are turned off." in client.get("/id/profile/").content.decode()


def test_phone_factor_goes_at_once_right_after_sign_in(client, user):
    mfa_login(client, user)  # signed in just now: that counts as re-authentication
    response = client.post("/id/mfa/phone/disable/")
    assert response["Location"] == "/id/profile/"
    assert not PhoneAuthenticator.objects.filter(user=user).exists()
    assert removed_events(user, "phone") == 1


def test_anonymous_cannot_turn_off_anyones_phone_factor(user):
    response = Client().post("/id/mfa/phone/disable/")
    assert response.status_code == 302
    assert response["Location"].startswith("/id/login/")
    assert PhoneAuthenticator.objects.filter(user=user).exists()


def test_authenticator_app_removal_asks_for_reauthentication_too(client, user):
    signed_in_a_while_ago(client, user)
    response = client.post("/id/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert sent_to_reauthenticate(response, "/id/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=user, type="totp").exists()

    client.post(REAUTH, {"password": PASSWORD, "next": "/id/2fa/totp/deactivate/"})
    assert not Authenticator.objects.filter(user=user, type="totp").exists()
    assert removed_events(user, "totp") == 1


def test_passkey_removal_asks_for_reauthentication_too(client, user):
    passkey = Authenticator.objects.create(
        user=user, type="webauthn", data={"name": "Office laptop", "credential": {}}
    )
    path = f"/id/2fa/webauthn/keys/{passkey.pk}/remove/"
    signed_in_a_while_ago(client, user)
    response = client.post(path)
    assert response.status_code == 302
    assert sent_to_reauthenticate(response, path)
    assert Authenticator.objects.filter(pk=passkey.pk).exists()

    client.post(REAUTH, {"password": PASSWORD, "next": path})
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()
    assert removed_events(user, "webauthn") == 1


def test_turning_phone_codes_on_asks_for_reauthentication_too():
    user = UserFactory(username="phoneonly1", phone="+12025550167", phone_verified=True)
    Authenticator.objects.create(
        user=user, type="totp", data={"secret": crypto.encrypt("JBSWY3DPEHPK3PXP")}
    )
    client = signed_in_a_while_ago(Client(), user)
    response = client.post("/id/mfa/phone/enable/", {"return_to": "profile"})
    assert sent_to_reauthenticate(response, "/id/mfa/phone/enable/")
    assert not PhoneAuthenticator.objects.filter(user=user).exists()

    # Once confirmed, the "Turn on" the user asked for is carried out.
    done = client.post(REAUTH, {"password": PASSWORD, "next": "/id/mfa/phone/enable/"})
    assert done["Location"] == "/id/profile/"
    assert PhoneAuthenticator.objects.filter(user=user).exists()
