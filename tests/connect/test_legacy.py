"""Legacy usernames: the import validates everything first; linking moves access once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from portico.connect.views._common import application_url
from portico.core.models import OutboxMessage
from portico.organizations.models import ApplicationGrant, LegacyAccount, Membership, Organization
from portico.organizations.services.legacy import (
    LegacyLinkError,
    legacy_code_send,
    legacy_link_with_code,
    legacy_link_with_password,
)
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "username,email,first_name,last_name,practice_tin,practice_name,applications,"
    "submit_claims,regions,pip_role,password_hash\n"
)


def pbkdf2(password: str) -> str:
    return PBKDF2PasswordHasher().encode(password, "legacysalt123", iterations=1000)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "legacy.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_import_loads_rows_and_is_idempotent(tmp_path):
    path = write(
        tmp_path,
        "oldclerk,clerk@old.example,Casey,Morgan,12-3456789,Old Practice,claims,Y,,,"
        f"{pbkdf2('Secret-1')}\n"
        "olddoc,doc@old.example,Robin,Hartwell,,,patientinfo;referrals,,R1;SJ,pcp,\n",
    )
    out = io.StringIO()
    call_command("import_legacy_users", str(path), stdout=out)
    assert "Imported 2 legacy users (2 new, 0 updated)" in out.getvalue()
    clerk = LegacyAccount.objects.get(username="oldclerk")
    assert clerk.applications == ["claims"]
    assert clerk.scope == {"claims": {"submit_claims": True, "tins": ["123456789"]}}
    doc = LegacyAccount.objects.get(username="olddoc")
    assert doc.scope["patientinfo"]["regions"] == ["R1", "SJ"]
    call_command("import_legacy_users", str(path), stdout=out)
    assert LegacyAccount.objects.count() == 2


def test_import_reports_every_bad_row_with_its_line_and_writes_nothing(tmp_path):
    path = write(
        tmp_path,
        "good,good@old.example,A,B,12-3456789,P,claims,N,,,\n"
        "bad1,not-an-email,A,B,12-345678,P,claims,maybe,,,\n"
        "bad2,b2@old.example,A,B,,,billing,,,,md5$abc$def\n"
        "good,dup@old.example,A,B,,,patientinfo,,R9,boss,argon2$nope\n",
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_legacy_users", str(path), stderr=err)
    messages = err.getvalue()
    for expected in [
        "line 3: email 'not-an-email' is not an email address",
        "line 3: practice_tin '12-345678' is not a Tax ID",
        "line 3: submit_claims must be Y or N",
        "line 4: unknown application(s) billing",
        "line 4: password_hash algorithm 'md5'",
        "line 5: username 'good' repeats line 2",
        "line 5: unknown region(s) R9",
        "line 5: pip_role must be one of",
        "line 5: password_hash is not a well-formed argon2 hash",
    ]:
        assert expected in messages, expected
    assert not LegacyAccount.objects.exists()


def _legacy(**fields) -> LegacyAccount:
    values = dict(
        username="oldclerk",
        email="casey@old.example",
        practice_tin="123456789",
        practice_name="Old Practice",
        applications=["claims"],
        scope={"claims": {"submit_claims": True, "tins": ["123456789"]}},
        password_hash=pbkdf2("Secret-1"),
    )
    values.update(fields)
    return LegacyAccount.objects.create(**values)


def test_link_with_password_moves_grants_and_spends_the_username(world):
    account = _legacy()
    user = world.users["new_user"]
    with pytest.raises(LegacyLinkError):
        legacy_link_with_password(user=user, username="oldclerk", password="wrong")
    account.refresh_from_db()
    assert account.failed_password_attempts == 1
    legacy_link_with_password(user=user, username="OLDCLERK", password="Secret-1")
    account.refresh_from_db()
    assert account.linked_user == user and account.password_hash == ""
    grant = ApplicationGrant.objects.get(user=user, application="claims", is_active=True)
    assert grant.scope == {"submit_claims": True, "tins": ["123456789"]}
    org = Organization.objects.get(tins__tin="123456789")
    assert grant.organization == org and org.name == "Old Practice"
    assert Membership.objects.filter(user=user, organization=org, is_active=True).exists()
    # The legacy username cannot be linked (or proved) again, by anyone.
    other = world.users["billing_clerk"]
    with pytest.raises(LegacyLinkError):
        legacy_link_with_password(user=other, username="oldclerk", password="Secret-1")
    assert legacy_code_send(user=other, username="oldclerk") is None


def test_password_attempts_are_limited(world):
    _legacy()
    user = world.users["new_user"]
    for _ in range(5):
        with pytest.raises(LegacyLinkError):
            legacy_link_with_password(user=user, username="oldclerk", password="wrong")
    with pytest.raises(LegacyLinkError):
        legacy_link_with_password(user=user, username="oldclerk", password="Secret-1")
    assert not LegacyAccount.objects.get().is_linked


def test_unknown_and_wrong_password_read_the_same(world):
    _legacy()
    user = world.users["new_user"]
    with pytest.raises(LegacyLinkError) as unknown:
        legacy_link_with_password(user=user, username="nobody", password="x")
    with pytest.raises(LegacyLinkError) as wrong:
        legacy_link_with_password(user=user, username="oldclerk", password="x")
    assert str(unknown.value) == str(wrong.value)


def test_link_with_an_emailed_code_has_attempt_and_expiry_limits(
    world, django_capture_on_commit_callbacks
):
    _legacy(password_hash="")
    user = world.users["new_user"]
    with django_capture_on_commit_callbacks(execute=True):
        challenge = legacy_code_send(user=user, username="oldclerk")
    assert challenge is not None
    mail = OutboxMessage.objects.get(to="casey@old.example")
    code = mail.codes[0]
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(LegacyLinkError, match="4 more tries"):
        legacy_link_with_code(user=user, challenge_id=challenge.pk, code=wrong)
    # Another user cannot use this challenge.
    with pytest.raises(LegacyLinkError):
        legacy_link_with_code(
            user=world.users["billing_clerk"], challenge_id=challenge.pk, code=code
        )
    legacy_link_with_code(user=user, challenge_id=challenge.pk, code=code)
    assert LegacyAccount.objects.get().linked_user == user
    with pytest.raises(LegacyLinkError):
        legacy_link_with_code(user=user, challenge_id=challenge.pk, code=code)


def test_code_expires(world):
    _legacy(password_hash="")
    user = world.users["new_user"]
    challenge = legacy_code_send(user=user, username="oldclerk")
    challenge.expires_at = challenge.created_at
    challenge.save()
    with pytest.raises(LegacyLinkError, match="expired"):
        legacy_link_with_code(user=user, challenge_id=challenge.pk, code="123456")


def test_link_page_prefills_the_matching_username_and_links(world, persona_client):
    user = UserFactory(username="casey.new", email="casey@old.example")
    _legacy()
    client = mfa_login(Client(), user)
    page = client.get(reverse("connect:legacy-link")).content.decode()
    assert 'value="oldclerk"' in page
    response = client.post(
        reverse("connect:legacy-link"),
        {"username": "oldclerk", "method": "password", "password": "Secret-1"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("connect:home")
    home = client.get(reverse("connect:home"))
    assert home["Location"] == application_url("claims")
    # Once linked, the username is no longer offered.
    assert 'value="oldclerk"' not in client.get(reverse("connect:legacy-link")).content.decode()


def test_link_page_code_flow(world, persona_client, django_capture_on_commit_callbacks):
    _legacy(password_hash="")
    client = persona_client("new_user")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("connect:legacy-link"), {"username": "oldclerk", "method": "code"}
        )
    assert response["Location"] == reverse("connect:legacy-code")
    code = OutboxMessage.objects.get(to="casey@old.example").codes[0]
    bad = client.post(reverse("connect:legacy-code"), {"code": "12ab"})
    assert bad.status_code == 400 and "Enter the 6 digits" in bad.content.decode()
    ok = client.post(reverse("connect:legacy-code"), {"code": code})
    assert ok.status_code == 302
    assert LegacyAccount.objects.get().linked_user == world.users["new_user"]


def test_asking_a_code_for_an_unknown_username_says_the_same(world, persona_client):
    client = persona_client("new_user")
    response = client.post(
        reverse("connect:legacy-link"), {"username": "nobody", "method": "code"}, follow=True
    )
    assert "If that username can be linked" in response.content.decode()
    assert not OutboxMessage.objects.exists()
