"""What one password sign-in costs the database, and that the shortcuts taken to keep it there
(identity/sessions.py, selectors.sign_in_facts, audit without savepoint) change nothing a
sign-in must do: session fixation protection, the session list, email verification, MFA, the
audit row."""

from __future__ import annotations

import contextlib
from unittest import mock

import pytest
from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from allauth.account.utils import has_verified_email
from allauth.mfa.models import Authenticator
from allauth.usersessions import signals as usersessions_signals
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from portico.core.audit import audit_record
from portico.core.models import AuditEvent
from portico.identity import selectors
from portico.identity.adapter import SIGNED_IN_MESSAGE_TEMPLATE
from portico.identity.models import LoginThrottle, User
from portico.identity.sessions import SessionStore, purge_stale_sessions
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# SQL statements of one successful password sign-in through the real sign-in view, in the test
# profile (the test's transaction turns transactions into savepoints): 9 queries and two
# savepoint pairs. The same sign-in took 28 before the work of docs/performance.md
# ("Identity"); raise these only for a reason. By email address: the username look-up first, and
# allauth's check of that address's verification rate limit.
SIGN_IN_STATEMENTS = {"FrontDesk01": 13, "front.desk@example.org": 15}


@pytest.fixture
def clerk(db):
    audit_record(action="portico.test.chain_started")  # the chain head exists, as in service
    return UserFactory(username="FrontDesk01", email="front.desk@example.org")


def sign_in(client: Client, login: str, password: str = PASSWORD):
    return client.post("/id/login/", {"login": login, "password": password})


def signed_in_captured(client: Client, login: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = sign_in(client, login)
    assert response.status_code == 302, response.content[:500]
    return [q["sql"] for q in ctx.captured_queries]


@pytest.mark.parametrize("identifier", list(SIGN_IN_STATEMENTS))
def test_a_password_sign_in_stays_within_its_statement_budget(client, clerk, identifier):
    sql = signed_in_captured(client, identifier)
    assert len(sql) <= SIGN_IN_STATEMENTS[identifier], "\n".join(sql)
    assert client.session["_auth_user_id"] == str(clerk.pk)
    # Still audited, still listed, still stamped.
    assert AuditEvent.objects.filter(action="portico.identity.signed_in", actor=clerk).exists()
    assert UserSession.objects.filter(user=clerk, session_key=client.session.session_key).exists()
    clerk.refresh_from_db()
    assert clerk.last_login is not None


def test_the_signed_in_session_is_written_once(client, clerk):
    sql = [s for s in signed_in_captured(client, "FrontDesk01") if '"django_session"' in s]
    assert len(sql) == 1 and sql[0].startswith("INSERT"), sql
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = SessionStore(session_key=key).load()
    assert stored["_auth_user_id"] == str(clerk.pk)


def test_signing_in_replaces_the_session_key(client, clerk):
    """Session fixation: the session from before the sign-in is gone, its data carried over."""
    before = client.session
    before["portico_probe"] = "kept"
    before.save()
    old_key = before.session_key
    assert sign_in(client, "FrontDesk01").status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.session["portico_probe"] == "kept"


def test_a_taken_key_is_never_shared():
    taken = SessionStore()
    taken["owner"] = "someone else"
    taken.create()
    taken.save()
    store = SessionStore()
    store["owner"] = "me"
    store.cycle_key()
    store._session_key = taken.session_key  # the 1-in-2^160 draw
    store.save()
    assert store.session_key != taken.session_key
    assert SessionStore(session_key=taken.session_key).load()["owner"] == "someone else"
    assert SessionStore(session_key=store.session_key).load()["owner"] == "me"


def test_session_keys_are_160_random_bits_and_never_a_stored_one(client, clerk):
    keys = set()
    for _ in range(3):
        client.cookies.clear()
        assert sign_in(client, "FrontDesk01").status_code == 302
        keys.add(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert len(keys) == 3
    assert all(len(k) == 40 and set(k) <= set("0123456789abcdef") for k in keys)
    # Django's create() path (a session made before any sign-in) skips a stored key.
    taken = sorted(keys)[0]
    with mock.patch("portico.identity.sessions.new_session_key", side_effect=[taken, "f" * 40]):
        store = SessionStore()
        store.create()
    assert store.session_key == "f" * 40


def test_a_sign_in_works_out_the_client_address_once(client, clerk, settings):
    """allauth asks for it at each rate limit and for the session list; the answer is kept."""
    settings.ACCOUNT_RATE_LIMITS = {"login": "30/m/ip", "login_failed": "10/m/ip,5/5m/key"}
    with mock.patch("allauth.account.adapter.get_client_ip", return_value="10.9.8.7") as asked:
        assert sign_in(client, "FrontDesk01").status_code == 302
    assert asked.call_count == 1
    assert UserSession.objects.get(user=clerk).ip == "10.9.8.7"


def test_only_portico_adds_the_session_list_entry():
    connected = account_signals.user_logged_in.disconnect(
        receiver=usersessions_signals.on_user_logged_in
    )
    assert not connected, "allauth's per-session purge runs again at every sign-in"


def _listed(user: User, session_key: str) -> UserSession:
    return UserSession.objects.create(user=user, ip="10.0.0.1", session_key=session_key)


def test_sign_in_purges_the_stale_session_list_entries_as_allauth_would(clerk):
    live = Client()
    assert sign_in(live, "FrontDesk01").status_code == 302
    live_key = live.session.session_key
    missing = _listed(clerk, "nosuchsession0000000000000000000")
    expired_store = SessionStore()
    expired_store.update(dict(live.session.items()))
    expired_store.create()
    Session.objects.filter(session_key=expired_store.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(minutes=1)
    )
    expired = _listed(clerk, expired_store.session_key)
    old_password = SessionStore()
    old_password.update({**dict(live.session.items()), "_auth_user_hash": "not-the-hash"})
    old_password.create()
    changed = _listed(clerk, old_password.session_key)

    fresh = Client()
    assert sign_in(fresh, "FrontDesk01").status_code == 302
    listed = set(UserSession.objects.filter(user=clerk).values_list("session_key", flat=True))
    assert listed == {live_key, fresh.session.session_key}
    for gone in (missing, expired, changed):
        assert gone.session_key not in listed
    # allauth's own purge (the session list page) finds nothing more to remove.
    assert {s.session_key for s in UserSession.objects.purge_and_list(clerk)} == listed


def test_the_purge_leaves_a_session_signed_in_with_the_fallback_secret(clerk, settings):
    client = Client()
    assert sign_in(client, "FrontDesk01").status_code == 302
    key = client.session.session_key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-0123456789-0123456789-0123456789-0123456789"
    assert purge_stale_sessions(clerk) == 0
    assert UserSession.objects.filter(session_key=key).exists()


def test_sign_in_facts_answer_as_allauth_does(clerk):
    EmailAddress.objects.create(user=clerk, email="second@example.org", verified=False)
    for email in (None, "front.desk@example.org", "FRONT.DESK@example.org", "second@example.org"):
        user = User.objects.get(pk=clerk.pk)
        facts = selectors.sign_in_facts(user=user, email=email)
        assert facts.verified_email is has_verified_email(clerk, email), email
    assert selectors.sign_in_facts(user=clerk, email=None).app_factor is False
    Authenticator.objects.create(user=clerk, type=Authenticator.Type.TOTP, data={})
    assert selectors.sign_in_facts(user=User.objects.get(pk=clerk.pk), email=None).app_factor


def test_an_unverified_address_still_asks_for_verification(client):
    UserFactory(username="NotYet001", email="not.yet@example.org", verified_email=False)
    response = sign_in(client, "NotYet001")
    assert response.status_code == 302
    assert response["Location"] == "/id/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_an_authenticator_app_still_asks_for_the_code(client, clerk):
    Authenticator.objects.create(user=clerk, type=Authenticator.Type.TOTP, data={})
    response = sign_in(client, "FrontDesk01")
    assert response["Location"] == "/id/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


def test_the_known_factor_is_only_the_sign_in_instance(clerk):
    """The answer kept on the instance being signed in is not used for any other instance."""
    signing_in = User.objects.get(pk=clerk.pk)
    assert selectors.sign_in_facts(user=signing_in, email=None).app_factor is False
    Authenticator.objects.create(user=clerk, type=Authenticator.Type.TOTP, data={})
    elsewhere = User.objects.get(pk=clerk.pk)
    assert selectors.known_app_factor(user=elsewhere) is None
    assert selectors.has_mfa_factor(user=elsewhere)


def test_a_failed_audit_row_takes_the_change_with_it(clerk):
    """A caller that swallows the audit failure cannot commit its change without the row."""
    taken = audit_record(action="portico.identity.signed_in", actor=clerk).hash
    with transaction.atomic():
        User.objects.filter(pk=clerk.pk).update(first_name="Changed")
        with (
            mock.patch("portico.core.audit.compute_hash", return_value=taken),
            contextlib.suppress(IntegrityError),
        ):
            audit_record(action="portico.identity.preferences_changed", actor=clerk)
    clerk.refresh_from_db()
    assert clerk.first_name != "Changed"


@pytest.mark.django_db(transaction=True)
def test_a_sign_in_stamps_last_login_only_with_its_audit_row(client, clerk):
    """last_login, the failure count and the audit row are one transaction: a sign-in whose
    audit row cannot be written leaves no trace and signs nobody in."""
    LoginThrottle.objects.create(user=clerk, consecutive_failures=3)
    with (
        mock.patch("portico.core.audit.compute_hash", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        sign_in(client, "FrontDesk01")
    clerk.refresh_from_db()
    assert clerk.last_login is None
    assert LoginThrottle.objects.get(user=clerk).consecutive_failures == 3
    assert not AuditEvent.objects.filter(action="portico.identity.signed_in").exists()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "FrontDesk01").status_code == 302
    clerk.refresh_from_db()
    assert clerk.last_login is not None
    assert LoginThrottle.objects.get(user=clerk).consecutive_failures == 0


def test_session_list_entry_failure_falls_back_to_allauth(client, clerk):
    """Should an entry for the new key exist already, allauth's get_or_create takes over."""
    key = "k" * 32
    other = UserFactory(username="SomeoneElse01", email="someone.else@example.org")
    _listed(other, key)  # listed already (the purge leaves other accounts' entries alone)
    with mock.patch("portico.identity.sessions.new_session_key", return_value=key):
        assert sign_in(client, "FrontDesk01").status_code == 302
    assert client.session.session_key == key
    entry = UserSession.objects.get(session_key=key)
    assert entry.user_id == clerk.pk


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_signed_in_message_is_allauths_template_text(client, clerk, language):
    """The message made without the template says what the template says, translated."""
    with translation.override(language):
        expected = render_to_string(SIGNED_IN_MESSAGE_TEMPLATE, {"user": clerk}).strip()
        response = client.post(
            "/id/login/",
            {"login": "FrontDesk01", "password": PASSWORD},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [expected]
    assert "FrontDesk01" in expected
    assert ("Ha iniciado sesión" in expected) is (language == "es")
