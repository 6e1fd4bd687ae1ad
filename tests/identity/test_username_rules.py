"""Every username rule of the source document, each with its own message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from portico.identity.models import User
from portico.identity.validators import username_errors, validate_username
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory
from tests.identity.conftest import SIGNUP, signup

LENGTH = "Use between 6 and 50 characters."
LETTER = "Include at least one letter."
SPACES = "Do not use spaces."
ACCENTS = "Do not use letters with accents."
INVISIBLE = "Do not use invisible or control characters."


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("abc12", [LENGTH]),
        ("a" * 51, [LENGTH]),
        ("123456", [LETTER]),
        ("john smith", [SPACES]),
        ("josé.garcia", [ACCENTS]),
        ("zoë-clerk", [ACCENTS]),
        ("Ångström1", [ACCENTS]),
        ("ab12", [LENGTH]),
        ("1234 5", [LETTER, SPACES]),
        # The accent typed as its own combining mark after a plain "e" (looks like "joséab").
        ("jose\u0301ab", [ACCENTS]),
        ("clerk\u00a0one", [SPACES]),  # a no-break space
        ("abc\u200bdef", [INVISIBLE]),  # a zero-width space: looks like "abcdef"
        ("admin\u202eab", [INVISIBLE]),  # a right-to-left override
        ("clerk\tone", [SPACES]),
    ],
)
def test_each_broken_rule_has_its_own_message(username, expected):
    assert username_errors(username) == expected


@pytest.mark.parametrize("symbol", list("%+\"&[]^'{}<>#/,;():*~"))
def test_every_forbidden_symbol_is_named(symbol):
    errors = username_errors(f"clerk{symbol}01")
    assert errors == [f"Do not use these symbols: {symbol}"]


@pytest.mark.parametrize(
    "username",
    ["abcdef", "a" * 50, "front.office-01", "dr_smith", "x12345", "Billing@Clinic", "a!b$c="],
)
def test_valid_usernames(username):
    validate_username(username)
    assert username_errors(username) == []


def test_validation_error_carries_every_message():
    with pytest.raises(ValidationError) as exc:
        validate_username("é 1")
    assert exc.value.messages == [LENGTH, SPACES, ACCENTS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("abc", LENGTH),
        ("999999", LETTER),
        ("has space", SPACES),
        ("renée01", ACCENTS),
        ("clerk#01", "Do not use these symbols: #"),
    ],
)
def test_signup_form_shows_the_rule_next_to_the_field(client, username, message):
    response = signup(client, username=username)
    assert response.status_code == 200
    assert message in response.context["form"].errors["username"]
    assert message in response.content.decode()


@pytest.mark.django_db
def test_username_is_unique_regardless_of_case(client):
    UserFactory(username="DWhitfield")
    response = signup(client, username="dwhitfield")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert "That username is taken. Choose another." in response.context["form"].errors["username"]


@pytest.mark.django_db
def test_signup_rejects_bad_phone_year_and_missing_terms(client):
    response = signup(
        client, phone_number="12", year_of_birth="20x4", accept_terms=None, accept_privacy=None
    )
    errors = response.context["form"].errors
    assert errors["phone_number"] == [
        "That phone number has the wrong number of digits for the country selected."
    ]
    assert errors["year_of_birth"] == [
        "Enter the year you were born as four digits, for example 1980."
    ]
    assert errors["accept_terms"] == ["You must agree to the Terms of Use to create an account."]
    assert errors["accept_privacy"] == [
        "You must agree to the Website Privacy Policy to create an account."
    ]
    assert not User.objects.filter(email=SIGNUP["email"]).exists()  # nothing half-created


EMAIL_AS_USERNAME = "Do not use an email address as your username."


@pytest.mark.parametrize("username", ["billing.clerk@example.org", "Someone@Clinic.COM"])
def test_an_email_address_is_not_a_username(username):
    assert username_errors(username) == [EMAIL_AS_USERNAME]


@pytest.mark.django_db
def test_a_username_cannot_take_another_accounts_email_sign_in(client):
    """Sign-in looks for a username first: a username equal to another account's email
    address would stop its owner signing in with their email (and sign in its taker)."""
    owner = UserFactory(username="ownerone", email="owner.one@example.org")
    taker = UserFactory(username="takerone", email="taker.one@example.org")
    mfa_login(client, taker)
    response = client.post("/id/profile/username/", {"username": "Owner.One@example.org"})
    assert response.status_code == 400
    assert EMAIL_AS_USERNAME in response.content.decode()
    assert User.objects.get(pk=taker.pk).username == "takerone"
    response = signup(Client(), username="owner.one@example.org")
    assert EMAIL_AS_USERNAME in response.context["form"].errors["username"]
    # The owner still signs in with their email address.
    signed_in = Client().post("/id/login/", {"login": owner.email, "password": PASSWORD})
    assert signed_in.status_code == 302
