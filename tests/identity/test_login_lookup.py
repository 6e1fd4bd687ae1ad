"""Sign-in looks accounts up by username or email regardless of case, through the
case-insensitive unique indexes (not a scan of every account)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.db import connection

from portico.core.lookups import same_ignoring_case
from portico.identity import selectors
from portico.identity.models import User
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_username_and_email_are_found_in_any_case():
    user = UserFactory(username="Casey.Lee01", email="Casey.Lee@Example.org")
    assert selectors.user_for_login(login="casey.lee01") == user
    assert selectors.user_for_login(login="CASEY.LEE01") == user
    assert selectors.user_for_login(login=" casey.lee@example.ORG ") == user
    assert selectors.user_for_login(login="casey.lee02") is None
    assert authenticate(username="CASEY.lee01", password=PASSWORD) == user


@pytest.mark.parametrize(
    ("field", "index"),
    [("username", "identity_user_username_ci_unique"), ("email", "identity_user_email_ci_unique")],
)
def test_the_look_up_uses_the_case_insensitive_index(field, index):
    UserFactory.create_batch(3)
    plan = User.objects.filter(same_ignoring_case(field, "Someone@Example.org")).explain()
    assert index in plan, plan
    # What a plain __iexact would do: read every account.
    scan = User.objects.filter(**{f"{field}__iexact": "Someone@Example.org"}).explain()
    assert index not in scan, f"{connection.vendor} now uses the index for iexact: simplify"


def test_the_sign_in_page_points_to_passwordless_sign_in_the_profile_and_help(client, db):
    page = client.get("/id/login/").content.decode()
    assert "Secure your account by moving away from passwords" in page
    assert 'href="/help/?entry=passkey-guide">Get started' in page
    assert 'href="/id/profile/">Manage my Portico ID</a>' in page
    assert 'href="/help/">Help Center</a>' in page
    guide = client.get("/help/?entry=passkey-guide").content.decode()
    assert "How do I set up a passkey?" in guide
