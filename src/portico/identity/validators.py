"""Username rules of the source document, each with its own message."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

FORBIDDEN_USERNAME_SYMBOLS = set("%+\"&[]^'{}<>#/,;():*~")


def username_errors(value: str) -> list[str]:
    """Every rule the username breaks, in the order the document lists them."""
    errors: list[str] = []
    if not 6 <= len(value) <= 50:
        errors.append("Use between 6 and 50 characters.")
    if not any(ch.isalpha() for ch in value):
        errors.append("Include at least one letter.")
    if any(ch.isspace() for ch in value):
        errors.append("Do not use spaces.")
    if any(ch.isalpha() and (not ch.isascii() or unicodedata.combining(ch)) for ch in value):
        errors.append("Do not use letters with accents.")
    bad = sorted(FORBIDDEN_USERNAME_SYMBOLS.intersection(value))
    if bad:
        errors.append("Do not use these symbols: " + " ".join(bad))
    return errors


def validate_username(value: str) -> None:
    errors = username_errors(value)
    if errors:
        raise ValidationError([ValidationError(msg, code="username") for msg in errors])
