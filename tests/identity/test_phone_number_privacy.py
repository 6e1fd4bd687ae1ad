"""Before sign-in is complete (the MFA stage, or a password alone) the phone is named by its
last four digits only, in messages, on the page and in the call; the sign-up's verification
step, where the user has just typed the number, shows it in full."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from portico.core.models import OutboxMessage
from portico.identity import services
from tests.factories.identity import PASSWORD, UserFactory
from tests.identity.conftest import signup_through_email

pytestmark = pytest.mark.django_db

NUMBER = "+12125550105"
FULL_FORMS = ("+1 212-555-0105", "212-555-0105", "212 555 0105", "2125550105")


def full_number_shown(html: str) -> bool:
    return any(form in html for form in FULL_FORMS)


@pytest.fixture
def phone_user(db):
    user = UserFactory(username="privacy01", phone=NUMBER, phone_verified=True)
    services.phone_factor_enable(user=user)
    return user


def password_only(client: Client) -> None:
    response = client.post("/id/login/", {"login": "privacy01", "password": PASSWORD})
    assert response["Location"] == "/id/mfa/phone/"


def test_text_message_at_the_mfa_stage_names_the_last_four_digits_only(client, phone_user):
    password_only(client)
    assert not full_number_shown(client.get("/id/mfa/phone/").content.decode())
    response = client.post("/id/mfa/phone/", {"action": "sms"}, follow=True)
    html = response.content.decode()
    flashed = [str(m) for m in response.context["messages"]]
    assert flashed == ["We sent a text message with a code to your phone ending in 0105."]
    assert "your phone ending in 0105" in html
    assert not full_number_shown(html)
    # The text itself carries the code, not the number.
    sms = OutboxMessage.objects.get(channel="sms", to=NUMBER)
    assert not full_number_shown(sms.body)


def test_call_at_the_mfa_stage_names_the_last_four_digits_only(client, phone_user):
    password_only(client)
    response = client.post("/id/mfa/phone/", {"action": "voice"}, follow=True)
    html = response.content.decode()
    flashed = [str(m) for m in response.context["messages"]]
    assert flashed == ["We are calling your phone ending in 0105 now."]
    assert not full_number_shown(html)
    call = OutboxMessage.objects.get(channel="voice", to=NUMBER)
    assert not full_number_shown(call.body)
    assert "finish signing in" in call.body


def test_a_signed_in_session_still_without_its_second_step_sees_four_digits(client, phone_user):
    client.force_login(phone_user)  # a password, no second step yet
    page = client.get("/id/mfa/verify/").content.decode()
    assert "ending in 0105" in page and not full_number_shown(page)
    response = client.post("/id/mfa/phone/", {"action": "sms"}, follow=True)
    assert not full_number_shown(response.content.decode())


def test_the_set_up_step_before_any_second_step_shows_four_digits(client):
    UserFactory(username="privacy02", phone=NUMBER, phone_verified=True)
    response = client.post("/id/login/", {"login": "privacy02", "password": PASSWORD})
    assert response["Location"] == "/id/mfa/setup/"
    page = client.get("/id/mfa/setup/").content.decode()
    assert "the phone number ending in 0105" in page
    assert not full_number_shown(page)


def test_sign_up_verification_may_show_the_number_just_typed(client):
    signup_through_email(client, phone_number="212 555 0105")
    page = client.get("/id/phone/verify/").content.decode()
    assert "We need to verify +1 212-555-0105" in page
    response = client.post("/id/phone/verify/", {"action": "sms"}, follow=True)
    flashed = [str(m) for m in response.context["messages"]]
    assert flashed == ["We sent a text message with a code to +1 212-555-0105."]
    assert re.search(r"verification code to \+1 212-555-0105", response.content.decode())
