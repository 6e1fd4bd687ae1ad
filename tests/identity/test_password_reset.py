"""Forgot password, as a user does it: ask for a link, open it, choose a new password that
meets the policy, sign in with it. Neutral answers for unknown addresses; one use per link."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from portico.core.models import AuditEvent, OutboxMessage
from portico.identity.adapter import CREDENTIALS_MISMATCH
from portico.identity.models import User
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quiet-River-58"
RESET_PATH = "/id/password/reset/key/"


def request_reset(client: Client, email: str) -> Any:
    return client.post("/id/password/reset/", {"email": email}, follow=True)


def reset_link(email: str) -> str:
    """The path of the reset link in the newest email to ``email``."""
    mail = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, to=email).first()
    assert mail is not None, f"no email to {email}"
    links = [link for link in mail.links if RESET_PATH in link]
    assert len(links) == 1, mail.body
    return urlsplit(links[0]).path


def open_link(client: Client, path: str) -> Any:
    """Follow the emailed link to the "Choose a new password" form (allauth moves the key
    from the URL into the session, then shows the form)."""
    response = client.get(path, follow=True)
    response.path = path
    return response


def choose(client: Client, response: Any, password: str) -> Any:
    """Submit the new password on the page ``response`` shows (where the link led)."""
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else response.path
    return client.post(form_path, {"password1": password, "password2": password})


def main_text(response: Any) -> str:
    page = response.content.decode()
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, page
    return match.group(0)


def sign_in(password: str, login: str = "resetuser1") -> Any:
    client = Client()
    return client, client.post("/id/login/", {"login": login, "password": password})


@pytest.fixture
def user() -> Any:
    return UserFactory(username="resetuser1", email="reset.user@example.org")


def test_forgot_password_from_email_to_signing_in_with_the_new_password(user):
    browser = Client()
    page = request_reset(browser, "reset.user@example.org")
    assert page.redirect_chain[-1][0] == "/id/password/reset/done/"
    assert "Check your email" in page.content.decode()

    path = reset_link("reset.user@example.org")
    form = open_link(browser, path)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    assert 'name="password1"' in form.content.decode()

    # A weak password gets the policy's own message and changes nothing.
    weak = choose(browser, form, "short")
    assert weak.status_code == 200
    assert "Use at least 8 characters." in weak.content.decode()
    no_classes = choose(browser, form, "alllowercase")
    assert "at least 3 of these 4" in no_classes.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    done = choose(browser, form, NEW_PASSWORD)
    assert done.status_code == 302
    assert done["Location"] == "/id/password/reset/key/done/"
    assert "_auth_user_id" not in browser.session  # a reset does not sign anyone in

    # The new password signs in (the user has no second factor yet: off to set one up)...
    client, response = sign_in(NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/id/mfa/setup/"
    assert client.session["_auth_user_id"] == str(user.pk)
    # ...and the old one no longer does.
    client, response = sign_in(PASSWORD)
    assert response.status_code == 200
    assert CREDENTIALS_MISMATCH in response.content.decode()
    assert "_auth_user_id" not in client.session

    user.refresh_from_db()
    assert user.password_history.count() == 1  # the history the reuse rule reads
    reset = AuditEvent.objects.get(action="portico.identity.password_reset")
    assert reset.object_id == str(user.pk)
    assert reset.actor_id is None  # nobody was signed in
    assert AuditEvent.objects.filter(
        action="portico.identity.password_changed", object_id=str(user.pk)
    ).exists()


def test_reset_link_works_once(user):
    request_reset(Client(), "reset.user@example.org")
    path = reset_link("reset.user@example.org")
    first = Client()
    assert choose(first, open_link(first, path), NEW_PASSWORD).status_code == 302

    # The same link again, in the same browser and in another one: refused, nothing changes.
    for browser in (first, Client()):
        again = open_link(browser, path)
        page = again.content.decode()
        assert "This link does not work" in page
        assert 'name="password1"' not in page
        response = choose(browser, again, "Other-Field-91")
        assert "This link does not work" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="portico.identity.password_reset").count() == 1


def test_a_tampered_link_does_not_work(user):
    request_reset(Client(), "reset.user@example.org")
    path = reset_link("reset.user@example.org")
    browser = Client()
    page = open_link(browser, path[:-3] + "xx/").content.decode()
    assert "This link does not work" in page
    assert 'name="password1"' not in page
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_new_password_must_differ_from_recent_ones(user):
    """The reuse rule applies to resets too (the history starts with the first change)."""
    from portico.identity import services

    services.password_change(user=user, raw_password="Harbor-Light-73")
    request_reset(Client(), "reset.user@example.org")
    browser = Client()
    form = open_link(browser, reset_link("reset.user@example.org"))
    response = choose(browser, form, "Harbor-Light-73")
    assert response.status_code == 200
    assert "You used this password recently" in response.content.decode()


def test_unknown_email_gets_the_same_answer_and_no_reset_link(user):
    known, unknown = Client(), Client()
    known_page = request_reset(known, "reset.user@example.org")
    unknown_page = request_reset(unknown, "nobody.here@example.org")
    assert unknown_page.redirect_chain == known_page.redirect_chain
    assert unknown_page.status_code == known_page.status_code == 200
    # The page as a reader sees it (per-request CSRF tokens and nonces aside) is the same.
    assert main_text(unknown_page) == main_text(known_page)
    assert "If the address you entered belongs to an account" in main_text(known_page)
    # Whatever reaches the unknown address, it carries no way into an account.
    for mail in OutboxMessage.objects.filter(to="nobody.here@example.org"):
        assert not [link for link in mail.links if RESET_PATH in link]
    assert OutboxMessage.objects.filter(to="reset.user@example.org").count() == 1
