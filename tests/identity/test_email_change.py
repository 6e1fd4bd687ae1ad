"""Changing the email address from My Profile (``ACCOUNT_CHANGE_EMAIL``): the new address is
verified by the email sent to it (code or link), then replaces the old one; an unverified
address never becomes the primary one; the page needs an MFA-verified session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from portico.core.models import AuditEvent, OutboxMessage
from portico.identity.models import User
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OLD = "old.address@example.org"
NEW = "new.address@example.org"


@pytest.fixture
def user() -> Any:
    return UserFactory(username="emailuser1", email=OLD)


def addresses(user: Any) -> list[tuple[str, bool, bool]]:
    """(email, verified, primary) of every stored address of the user."""
    return list(
        EmailAddress.objects.filter(user=user)
        .order_by("email")
        .values_list("email", "verified", "primary")
    )


def verification_mail(to: str = NEW) -> OutboxMessage:
    mail = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, to=to).first()
    assert mail is not None, f"no email to {to}"
    return mail


def start_change(client: Client, email: str = NEW) -> Any:
    """From My Profile's "Change" link to the "Change email address" form."""
    profile = client.get("/id/profile/").content.decode()
    assert 'href="/id/email/"' in profile
    assert "Change email address" in client.get("/id/email/").content.decode()
    return client.post("/id/email/", {"action_add": "", "email": email})


def assert_changed(user: Any) -> None:
    assert addresses(user) == [(NEW, True, True)]  # the old address is gone
    assert User.objects.get(pk=user.pk).email == NEW
    event = AuditEvent.objects.get(action="portico.identity.email_changed")
    assert event.object_id == str(user.pk)
    assert event.changes["email"] == {"from": OLD, "to": NEW}


def test_change_email_with_the_code_from_the_verification_mail(client, user):
    mfa_login(client, user)
    response = start_change(client)
    assert response.status_code == 302
    assert response["Location"] == "/id/confirm-email/"
    # Nothing changes before the new address is verified.
    assert addresses(user) == [(OLD, True, True)]
    mail = verification_mail()
    assert "Verify your email address" in mail.subject
    [code] = mail.codes

    wrong = client.post("/id/confirm-email/", {"action": "verify", "code": "000000"})
    assert wrong.status_code == 200
    assert addresses(user) == [(OLD, True, True)]

    response = client.post("/id/confirm-email/", {"action": "verify", "code": code})
    assert response.status_code == 302
    assert_changed(user)
    assert NEW in client.get("/id/profile/").content.decode()
    # The new address signs in; the old one names no account any more.
    assert Client().post("/id/login/", {"login": NEW, "password": PASSWORD}).status_code == 302
    refused = Client().post("/id/login/", {"login": OLD, "password": PASSWORD})
    assert refused.status_code == 200


def test_change_email_with_the_link_from_the_verification_mail(client, user):
    mfa_login(client, user)
    start_change(client)
    [link] = [url for url in verification_mail().links if "/id/email/activate/" in url]
    path = urlsplit(link).path

    # Someone else opening the link (another browser) changes nothing.
    other = Client().post(path)
    assert other.status_code == 400
    assert addresses(user) == [(OLD, True, True)]

    page = client.get(path)
    assert page.status_code == 200
    assert f"confirm that <strong>{NEW}</strong> is your email address" in page.content.decode()
    assert addresses(user) == [(OLD, True, True)]  # a GET (a mail scanner) verifies nothing

    done = client.post(path)
    assert done.status_code == 200
    assert f"{NEW} is verified." in done.content.decode()
    assert_changed(user)
    # Used once: the link does not verify again.
    assert client.post(path).status_code == 400


def test_unverified_address_cannot_become_primary(client, user):
    mfa_login(client, user)
    start_change(client)
    response = client.post("/id/email/", {"action_primary": "", "email": NEW})
    assert response.status_code == 302
    assert addresses(user) == [(OLD, True, True)]
    assert User.objects.get(pk=user.pk).email == OLD
    assert not AuditEvent.objects.filter(action="portico.identity.email_changed").exists()


def test_unverified_stored_address_cannot_become_primary(client, user):
    """Even an unverified address already stored for the user (as sign-up's "correct the
    address" or an import leaves) is refused as primary while a verified one exists."""
    EmailAddress.objects.create(user=user, email=NEW, verified=False, primary=False)
    mfa_login(client, user)
    page = client.post("/id/email/", {"action_primary": "", "email": NEW}, follow=True)
    assert addresses(user) == [(NEW, False, False), (OLD, True, True)]
    assert User.objects.get(pk=user.pk).email == OLD
    assert "verified" in page.content.decode().lower()


def test_email_page_needs_an_mfa_verified_session(client, user):
    client.force_login(user)  # no MFA
    for response in (client.get("/id/email/"), start_change_without_profile(client)):
        assert response.status_code == 302
        assert response["Location"].startswith("/id/mfa/")
    assert addresses(user) == [(OLD, True, True)]
    assert not OutboxMessage.objects.filter(to=NEW).exists()


def start_change_without_profile(client: Client) -> Any:
    return client.post("/id/email/", {"action_add": "", "email": NEW})


def test_address_of_another_account_is_refused(client, user):
    UserFactory(username="emailuser2", email=NEW, first_name="Olivia")
    user.first_name = "Requester"
    user.save(update_fields=["first_name"])
    mfa_login(client, user)
    response = client.post("/id/email/", {"action_add": "", "email": NEW})
    # No enumeration: the form answers as for any address...
    assert response.status_code == 302
    assert response["Location"] == "/id/confirm-email/"
    # ...while the owner is told, without the requester's name and without a code or link.
    mail = verification_mail()
    assert mail.subject == "Someone tried to use your email address for another account"
    assert "nothing was changed: it stays yours" in mail.body
    assert "Requester" not in mail.body
    assert not mail.codes
    assert not [url for url in mail.links if "/id/email/activate/" in url]
    # A guessed code cannot take the address from its owner.
    client.post("/id/confirm-email/", {"action": "verify", "code": "123456"})
    assert addresses(user) == [(OLD, True, True)]
    assert EmailAddress.objects.get(email=NEW).user.username == "emailuser2"
    assert not AuditEvent.objects.filter(action="portico.identity.email_changed").exists()


def test_changing_the_email_of_an_old_session_asks_to_confirm_it_is_you_first(client, user):
    """A session left open (signed in longer ago than the re-authentication window) cannot
    change the address that password resets go to without the password again."""
    from tests.identity.test_factor_removal_reauth import signed_in_a_while_ago

    signed_in_a_while_ago(client, user)
    response = client.post("/id/email/", {"action_add": "", "email": NEW})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/id/reauthenticate/"
    assert OutboxMessage.objects.filter(to=NEW).count() == 0
    assert addresses(user) == [(OLD, True, True)]
