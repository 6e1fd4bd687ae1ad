"""While MFA is required the last sign-in method stays, whichever kind it is, and the page
says why in words (allauth removed the last passkey without asking, and refused the last
authenticator app with "You cannot deactivate two-factor authentication")."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from portico.identity.adapter import LAST_FACTOR_MESSAGE
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def only_factor(type_: str, data: dict) -> tuple:
    user = UserFactory(username=f"only{type_}1", phone="")
    Authenticator.objects.filter(user=user).delete()
    return user, Authenticator.objects.create(user=user, type=type_, data=data)


def test_the_last_passkey_cannot_be_removed(client):
    user, passkey = only_factor("webauthn", {"name": "Office laptop", "credential": {}})
    mfa_login(client, user)
    response = client.post(f"/id/2fa/webauthn/keys/{passkey.pk}/remove/", follow=True)
    assert Authenticator.objects.filter(pk=passkey.pk).exists()
    assert LAST_FACTOR_MESSAGE in response.content.decode()


def test_a_passkey_goes_when_another_method_stays(client):
    user, passkey = only_factor("webauthn", {"name": "Office laptop", "credential": {}})
    Authenticator.objects.create(user=user, type="totp", data={"secret": "x"})
    mfa_login(client, user)
    client.post(f"/id/2fa/webauthn/keys/{passkey.pk}/remove/")
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()


def test_the_last_authenticator_app_says_why_it_stays(client):
    user, app = only_factor("totp", {"secret": "x"})
    mfa_login(client, user)
    response = client.post("/id/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(pk=app.pk).exists()
    page = response.content.decode()
    assert LAST_FACTOR_MESSAGE in page
    assert "You cannot deactivate two-factor authentication" not in page
