"""Username rules of the source document, each with its own message."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

FORBIDDEN_USERNAME_SYMBOLS = set("%+\"&[]^'{}<>#/,;():*~")
COMBINING = {"Mn", "Mc", "Me"}  # Unicode mark categories
# Control, format (zero-width space, direction marks), private-use, surrogate, unassigned and
# line/paragraph separators: characters that do not show, so two usernames could look alike.
INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def username_errors(value: str) -> list[str]:
    """Every rule the username breaks, in the order the document lists them."""
    errors: list[str] = []
    if not 6 <= len(value) <= 50:
        errors.append("Use between 6 and 50 characters.")
    if not any(ch.isalpha() for ch in value):
        errors.append("Include at least one letter.")
    if any(ch.isspace() for ch in value):
        errors.append("Do not use spaces.")
    # An accent may also be typed as a separate combining mark after a plain letter.
    if any(
        (ch.isalpha() and not ch.isascii()) or unicodedata.category(ch) in COMBINING for ch in value
    ):
        errors.append("Do not use letters with accents.")
    if any(unicodedata.category(ch) in INVISIBLE and not ch.isspace() for ch in value):
        errors.append("Do not use invisible or control characters.")
    bad = sorted(FORBIDDEN_USERNAME_SYMBOLS.intersection(value))
    if bad:
        errors.append("Do not use these symbols: " + " ".join(bad))
    if _is_email_address(value):
        errors.append("Do not use an email address as your username.")
    return errors


def _is_email_address(value: str) -> bool:
    """Sign-in takes a username or an email address, looking for a username first: a
    username that is an email address (someone else's, or one added later) would take that
    address's sign-in. "Billing@Clinic" is a username; "billing@clinic.org" is not."""
    if "@" not in value:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def validate_username(value: str) -> None:
    errors = username_errors(value)
    if errors:
        raise ValidationError([ValidationError(msg, code="username") for msg in errors])
