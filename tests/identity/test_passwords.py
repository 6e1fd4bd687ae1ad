"""Password policy profiles (seed and nist-800-63b), history, expiry and reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from portico.core.models import OutboxMessage
from portico.identity import services
from portico.identity.models import PasswordExpiryReminder, User
from portico.identity.passwords import POLICIES, character_classes, policy_errors
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

SEED = POLICIES["seed"]
NIST = POLICIES["nist-800-63b"]


def codes(password, policy, user=None):
    return [e.code for e in policy_errors(password, policy=policy, user=user)]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("Ab1!xyz", ["password_too_short"]),
        ("Ab1!" + "x" * 21, ["password_too_long"]),
        ("alllowercase", ["password_classes"]),
        ("lowerUPPER", ["password_classes"]),
        ("lower1234", ["password_classes"]),
        ("Lower1234", []),  # upper, lower, digit: 3 of 4
        ("lower12!!", []),  # lower, digit, special
        ("UPPER12!!", []),  # upper, digit, special
        ("Aa1!Aa1!", []),  # exactly 8
        ("Aa1!" * 6, []),  # exactly 24
        ("Password1", ["password_too_common"]),
    ],
)
def test_seed_profile_rules(password, expected):
    assert codes(password, SEED) == expected


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("zq7vw", ["password_too_short"]),
        ("alllowercaseletters", []),  # no composition rules
        ("a" * 64, []),  # at least 64 allowed
        ("x" * 128, []),
        ("x" * 129, ["password_too_long"]),
        ("password", ["password_too_common"]),
        ("correct horse battery staple x", []),
    ],
)
def test_nist_profile_rules(password, expected):
    assert codes(password, NIST) == expected


def test_seed_forbids_username_email_local_part_and_names():
    user = User(
        username="frontdesk7", email="dana.w@example.org", first_name="Dana", last_name="Whitfield"
    )
    assert codes("XFrontDesk7!", SEED, user) == ["password_has_username"]
    assert codes("Dana.W-2024!", SEED, user) == ["password_has_email", "password_has_name"]
    assert codes("Whitfield#99", SEED, user) == ["password_has_name"]
    assert codes("Harbor-Light-73", SEED, user) == []
    # NIST has no such rule.
    assert codes("XFrontDesk7!", NIST, user) == []


def test_each_rule_has_its_own_message():
    messages = {e.code: e.message for e in policy_errors("aaaa", policy=SEED)}
    assert messages["password_too_short"] == "Use at least 8 characters."
    assert "at least 3 of these 4" in messages["password_classes"]


def test_character_classes():
    assert character_classes("aA1!") == 4
    assert character_classes("aaa") == 1
    assert character_classes("a a") == 2  # a space is a special character


@pytest.mark.django_db
def test_active_profile_follows_the_setting(settings):
    user = UserFactory()
    settings.PORTICO_PASSWORD_POLICY = "nist-800-63b"
    validate_password("alllowercaseletters", user=user)
    settings.PORTICO_PASSWORD_POLICY = "seed"
    with pytest.raises(ValidationError):
        validate_password("alllowercaseletters", user=user)


@pytest.mark.django_db
def test_history_refuses_the_last_five_passwords():
    user = UserFactory()
    passwords = [f"Harbor-Light-{n}x" for n in range(6)]
    for pw in passwords:
        services.password_change(user=user, raw_password=pw)
    # The last five (including the current one) are refused, the sixth-newest is allowed.
    for pw in passwords[1:]:
        with pytest.raises(ValidationError) as exc:
            validate_password(pw, user=user)
        assert exc.value.error_list[0].code == "password_reused"
    validate_password(passwords[0], user=user)


@pytest.mark.django_db
def test_nist_profile_has_no_history_rule(settings):
    settings.PORTICO_PASSWORD_POLICY = "nist-800-63b"
    user = UserFactory()
    services.password_change(user=user, raw_password="a long passphrase here")
    validate_password("a long passphrase here", user=user)


@pytest.mark.django_db
def test_change_password_form_enforces_policy_and_history(client):
    user = UserFactory(username="histuser1")
    services.password_change(user=user, raw_password="Harbor-Light-73")
    mfa_login(client, user)
    response = client.post(
        "/id/password/change/",
        {
            "oldpassword": "Harbor-Light-73",
            "password1": "Harbor-Light-73",
            "password2": "Harbor-Light-73",
        },
    )
    assert "You used this password recently" in response.content.decode()
    response = client.post(
        "/id/password/change/",
        {"oldpassword": "Harbor-Light-73", "password1": "short", "password2": "short"},
    )
    assert "Use at least 8 characters." in response.content.decode()
    before = User.objects.get(pk=user.pk).password_changed_at
    response = client.post(
        "/id/password/change/",
        {
            "oldpassword": "Harbor-Light-73",
            "password1": "Quiet-River-58",
            "password2": "Quiet-River-58",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Quiet-River-58")
    assert user.password_changed_at > before
    assert user.password_history.count() == 2


@pytest.mark.django_db
def test_expired_password_must_be_changed_before_anything_else(client):
    user = UserFactory(username="expired01")
    user.password_changed_at = timezone.now() - timedelta(days=181)
    user.save()
    mfa_login(client, user)
    response = client.get("/id/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/id/password/change/"
    assert client.get("/id/password/change/").status_code == 200
    client.post(
        "/id/password/change/",
        {"oldpassword": PASSWORD, "password1": "Quiet-River-58", "password2": "Quiet-River-58"},
    )
    assert client.get("/id/profile/").status_code == 200


@pytest.mark.django_db
def test_nist_profile_never_expires(client, settings):
    settings.PORTICO_PASSWORD_POLICY = "nist-800-63b"
    user = UserFactory()
    user.password_changed_at = timezone.now() - timedelta(days=1000)
    user.save()
    mfa_login(client, user)
    assert client.get("/id/profile/").status_code == 200


@pytest.mark.django_db
def test_expiry_reminder_is_sent_once_per_user_and_expiry():
    now = timezone.now()
    due = UserFactory(username="reminder1")
    due.password_changed_at = now - timedelta(days=170)  # expires in 10 days
    due.save()
    not_yet = UserFactory(username="reminder2")
    not_yet.password_changed_at = now - timedelta(days=100)
    not_yet.save()
    opted_out = UserFactory(username="reminder3", notify_password_expiry_email=False)
    opted_out.password_changed_at = now - timedelta(days=170)
    opted_out.save()
    assert services.password_expiry_reminders_send(now=now) == 1
    assert services.password_expiry_reminders_send(now=now) == 0  # idempotent
    mail = OutboxMessage.objects.get(channel="email", to=due.email)
    assert "expires" in mail.subject
    assert PasswordExpiryReminder.objects.filter(user=due).count() == 1
    # After the next change, a new expiry gets its own reminder.
    services.password_change(user=due, raw_password="Quiet-River-58")
    with freeze_time(now + timedelta(days=170)):
        assert services.password_expiry_reminders_send() == 1


@pytest.mark.django_db
def test_each_password_rule_is_stated_once_where_it_applies(client):
    """Before: the change-password page listed the history rule twice, in two wordings, and
    the sign-up page stated a history a new account cannot have."""
    signup = client.get("/id/signup/").content.decode()
    assert "Use 8 to 24 characters." in signup and "reuse" not in signup
    user = UserFactory(username="rulesonce1")
    services.password_change(user=user, raw_password="Harbor-Light-73")
    mfa_login(client, user)
    page = client.get("/id/password/change/").content.decode()
    assert page.count("Use 8 to 24 characters.") == 1
    assert page.count("reuse") == 1 and "Do not reuse your last 5 passwords." in page


@pytest.mark.django_db
def test_too_many_password_changes_stay_on_the_page_and_say_how_long(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"change_password": "5/m/user"}
    cache.clear()
    user = UserFactory(username="ratelimit1")
    services.password_change(user=user, raw_password="Harbor-Light-73")
    mfa_login(client, user)
    refused = {"oldpassword": "Harbor-Light-73", "password1": "short", "password2": "short"}
    new = {
        "oldpassword": "Harbor-Light-73",
        "password1": "Quiet-River-58",
        "password2": "Quiet-River-58",
    }
    with freeze_time() as clock:
        for _ in range(5):
            response = client.post("/id/password/change/", refused)
            assert response.status_code == 200
            assert "Use at least 8 characters." in response.content.decode()
        clock.tick(20)
        response = client.post("/id/password/change/", new)
        assert response.status_code == 429
        page = response.content.decode()
        assert "<h1>Change password</h1>" in page  # the same page, not the bare 429 page
        assert "Too many attempts to change your password. Wait 40 seconds, then try again." in page
        assert 'name="oldpassword"' in page
        user.refresh_from_db()
        assert user.check_password("Harbor-Light-73")  # nothing changed
        # Once the minute has passed, the change goes through.
        clock.tick(41)
        response = client.post("/id/password/change/", new)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Quiet-River-58")


@pytest.mark.django_db
def test_too_many_attempts_to_set_a_password_stay_on_the_page_and_say_how_long(client, settings):
    """An account without a password yet sets one on allauth's "Set password" page, which
    shares the change limit; the sixth attempt in a minute is answered on that page."""
    settings.ACCOUNT_RATE_LIMITS = {"change_password": "5/m/user"}
    cache.clear()
    user = UserFactory(username="ratelimit2")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    mfa_login(client, user)
    refused = {"password1": "short", "password2": "short"}
    new = {"password1": "Quiet-River-58", "password2": "Quiet-River-58"}
    with freeze_time() as clock:
        for _ in range(5):
            response = client.post("/id/password/set/", refused)
            assert response.status_code == 200
            assert "Use at least 8 characters." in response.content.decode()
        clock.tick(15)
        response = client.post("/id/password/set/", new)
        assert response.status_code == 429
        page = response.content.decode()
        assert "<h1>Set password</h1>" in page  # the same page, not the bare 429 page
        assert "Too many attempts to set your password. Wait 45 seconds, then try again." in page
        assert 'name="password1"' in page
        user.refresh_from_db()
        assert not user.has_usable_password()  # nothing changed
        clock.tick(46)
        response = client.post("/id/password/set/", new)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Quiet-River-58")
