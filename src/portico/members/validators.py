"""Member identifiers and dates."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_MEMBER_ID_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,23}$")


def normalize_member_id(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_member_id(value: str) -> None:
    """2–24 letters, digits or hyphens, as printed on the member's card."""
    if not _MEMBER_ID_RE.match(normalize_member_id(value)):
        raise ValidationError(
            "A member ID has 2 to 24 letters, digits or hyphens, as printed on the member's card.",
            code="member_id",
        )
