"""What a typed phone number is told: each kind of mistake its own message (to_e164)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portico.identity.phones import to_e164

WRONG_LENGTH = "That phone number has the wrong number of digits for the country selected."
NOT_DIGITS = "Enter a phone number using digits, for example 212 555 0123."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # Digits only, just too many: not "using digits".
        ("99999999999999999999", WRONG_LENGTH),
        ("2025550143 2025550143", WRONG_LENGTH),
        ("12", WRONG_LENGTH),
        ("call me", NOT_DIGITS),
        ("+999 202 555 0143", "There is no country with that code."),
    ],
)
def test_each_mistake_has_its_own_message(typed, message):
    with pytest.raises(ValidationError) as exc:
        to_e164("US", typed)
    assert exc.value.messages[0].startswith(message)


def test_a_good_number_is_stored_as_e164():
    assert to_e164("US", "(202) 555-0143") == "+12025550143"
