"""The activation-code page ("Verify your email address"): correcting the address, asking for
a new code too soon, and running out of attempts each answer on the page, in words that say
what happened (allauth's own view raised a 500 or showed the sign-in lockout text)."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from freezegun import freeze_time

from portico.core.models import OutboxMessage
from portico.identity.models import User
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory
from tests.identity.conftest import PASSWORD, SIGNUP, email_code, password_login, signup

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("dana.whitfield@example", "Enter a valid email address."),
        ("", "This field is required."),
        ("d" * 250 + "@example.org", "Use no more than 254 characters for your email address."),
    ],
)
def test_a_wrong_corrected_address_is_refused_next_to_the_field(client, typed, message):
    signup(client)
    response = client.post("/id/confirm-email/", {"action": "change", "email": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_email_error">{message}' in page.replace("&#x27;", "'")
    assert '<details class="margin-top-4" open>' in page  # the correction stays open
    # Nothing changed: the first code still verifies the first address.
    response = client.post("/id/confirm-email/", {"action": "verify", "code": email_code()})
    assert response["Location"] == "/id/phone/verify/"
    assert User.objects.get(username=SIGNUP["username"]).email == SIGNUP["email"]


def test_an_address_longer_than_the_column_is_refused_at_sign_up(client):
    long_address = "d" * 250 + "@example.org"
    response = signup(client, email=long_address)
    assert response.status_code == 200
    assert "Use no more than 254 characters for your email address." in response.content.decode()
    assert not User.objects.filter(username=SIGNUP["username"]).exists()


def test_a_new_code_asked_for_too_soon_says_when_on_the_same_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"confirm_email": "1/30s/key"}
    signup(client)
    first = email_code()
    response = client.post("/id/confirm-email/", {"action": "resend"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/id/confirm-email/"
    page = response.content.decode()
    assert re.search(r"A new code can be sent in (30|29|28) seconds\.", page), page
    # Twenty seconds on, the page counts what is left, not the whole 30 seconds.
    with mock.patch("time.time", return_value=time.time() + 20):
        later = client.post("/id/confirm-email/", {"action": "resend"}, follow=True)
    assert re.search(r"A new code can be sent in (10|9|8) seconds\.", later.content.decode())
    assert OutboxMessage.objects.filter(channel="email", to=SIGNUP["email"]).count() == 1
    # The code already sent still works.
    response = client.post("/id/confirm-email/", {"action": "verify", "code": first})
    assert response["Location"] == "/id/phone/verify/"


def test_the_last_wrong_activation_code_says_so_and_how_to_get_a_new_one(client):
    signup(client)
    wrong = "000000" if email_code() != "000000" else "111111"
    for _ in range(5):
        response = client.post("/id/confirm-email/", {"action": "verify", "code": wrong})
    assert response["Location"] == "/id/login/"
    page = client.get("/id/login/").content.decode()
    assert "Too many wrong activation codes. Sign in to receive a new code and link." in page
    assert "Too many failed sign-in attempts" not in page


def test_the_last_wrong_code_of_a_profile_email_change_goes_back_to_the_email_page(client):
    user = UserFactory(username="emailuser2", email="old.address2@example.org")
    mfa_login(client, user)
    client.post("/id/email/", {"action_add": "", "email": "new.address2@example.org"})
    for _ in range(5):
        response = client.post("/id/confirm-email/", {"action": "verify", "code": "000000"})
    assert response["Location"] == "/id/email/"
    page = client.get("/id/email/").content.decode()
    assert "Too many wrong codes. Add the address again to get a new code." in page


@pytest.mark.parametrize("login", [SIGNUP["username"], SIGNUP["email"]])
def test_signing_in_again_too_soon_lands_on_the_code_page_not_the_429_page(client, settings, login):
    settings.ACCOUNT_RATE_LIMITS = {"confirm_email": "1/30s/key"}
    cache.clear()
    with freeze_time() as clock:
        signup(Client())  # another browser; the address is never verified there
        clock.tick(60)
        response = password_login(client, login)
        assert response["Location"] == "/id/confirm-email/"
        first = email_code()
        client.post("/id/logout/", {"next": "/id/login/"})  # "Cancel" on the code page
        clock.tick(10)
        response = client.post("/id/login/", {"login": login, "password": PASSWORD}, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == "/id/confirm-email/"
        page = response.content.decode()
        assert (
            "We sent you a code moments ago. Use the code in that email; a new code can be sent "
            "in 20 seconds."
        ) in page
        assert OutboxMessage.objects.filter(channel="email", to=SIGNUP["email"]).count() == 2
        # The code sent moments ago works.
        response = client.post("/id/confirm-email/", {"action": "verify", "code": first})
    assert response["Location"] == "/id/mfa/setup/"  # verified and signed in


def test_signing_in_too_soon_in_another_browser_says_to_use_the_link_or_wait(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"confirm_email": "1/30s/key"}
    cache.clear()
    with freeze_time() as clock:
        signup(Client())  # the first browser: its code is kept in its own session
        clock.tick(10)
        response = password_login(client, SIGNUP["username"])
        assert response.status_code == 302
        assert response["Location"] == "/id/confirm-email/"
        page = client.get("/id/confirm-email/").content.decode()
        assert (
            f"We sent an activation email to {SIGNUP['email']} moments ago. Select the link in "
            "that email, or wait 20 seconds, then select “Send a new code”."
        ) in page
        sent = OutboxMessage.objects.filter(channel="email", to=SIGNUP["email"])
        assert sent.count() == 1  # nothing sent: the limit holds
        # Once the wait is over, "Send a new code" sends the code of this sign-in.
        clock.tick(21)
        response = client.post("/id/confirm-email/", {"action": "resend"})
        assert response["Location"] == "/id/confirm-email/"
        assert sent.count() == 2
        response = client.post("/id/confirm-email/", {"action": "verify", "code": email_code()})
    assert response["Location"] == "/id/mfa/setup/"  # verified and signed in


def test_a_stale_change_of_address_after_the_last_allowed_one_says_it_cannot_be_changed(client):
    signup(client)
    for address in ("dana.w1@example.org", "dana.w2@example.org"):  # the two corrections
        response = client.post("/id/confirm-email/", {"action": "change", "email": address})
        assert response["Location"] == "/id/confirm-email/"
    assert "Correct your email address" not in client.get("/id/confirm-email/").content.decode()
    # A third correction, from a page opened before (another tab).
    response = client.post(
        "/id/confirm-email/", {"action": "change", "email": "dana.w3@example.org"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/id/confirm-email/"
    page = response.content.decode()
    assert (
        "The email address cannot be changed again. Enter the code we sent to dana.w2@example.org."
    ) in page
    assert "This field is required." not in page
    assert not OutboxMessage.objects.filter(to="dana.w3@example.org").exists()
    # The page still works: the code sent to the last address verifies it.
    code = email_code("dana.w2@example.org")
    response = client.post("/id/confirm-email/", {"action": "verify", "code": code})
    assert response["Location"] == "/id/phone/verify/"
    assert User.objects.get(username=SIGNUP["username"]).email == "dana.w2@example.org"


def test_a_stale_send_a_new_code_after_the_last_allowed_one_says_so(client):
    signup(client)
    for _ in range(3):  # the new codes allowed
        client.post("/id/confirm-email/", {"action": "resend"})
    last = email_code()
    response = client.post("/id/confirm-email/", {"action": "resend"}, follow=True)
    assert response.redirect_chain[-1][0] == "/id/confirm-email/"
    page = response.content.decode()
    assert (
        f"No more new codes can be sent. Enter the last code we sent to {SIGNUP['email']}."
    ) in page
    assert "This field is required." not in page
    response = client.post("/id/confirm-email/", {"action": "verify", "code": last})
    assert response["Location"] == "/id/phone/verify/"
