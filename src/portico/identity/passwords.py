"""Password policy profiles (``settings.PORTICO_PASSWORD_POLICY``) as Django validators.

Django's validators cover single rules with their own messages; what they lack is a *named
profile* that switches the whole rule set, a "3 of 4 character classes" rule, an upper length
limit, and reuse of previous passwords. Those are written here; the blocklist is Django's
``CommonPasswordValidator`` list.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError

from portico.identity.selectors import password_history_hashes


@dataclass(frozen=True)
class PasswordPolicy:
    name: str
    label: str
    min_length: int
    max_length: int
    min_classes: int  # of upper, lower, digit, special; 0 = no composition rule
    forbid_personal: bool
    history: int  # previous passwords that may not be reused; 0 = no check
    max_age_days: int | None  # None = passwords do not expire

    @property
    def max_age(self) -> timedelta | None:
        return timedelta(days=self.max_age_days) if self.max_age_days else None

    def hints(self) -> list[str]:
        lines = [f"Use {self.min_length} to {self.max_length} characters."]
        if self.min_classes:
            lines.append(
                f"Use at least {self.min_classes} of these 4: uppercase letters, lowercase "
                "letters, numbers, special characters."
            )
        if self.forbid_personal:
            lines.append("Do not include your username, your name or your email address.")
        lines.append("Do not use a common password.")
        # The history rule's line is PasswordHistoryValidator's help text, shown where a
        # password is changed (at sign-up there is no history).
        if self.max_age_days:
            lines.append(f"You will be asked to change it every {self.max_age_days} days.")
        return lines


POLICIES: dict[str, PasswordPolicy] = {
    # The source documents' rules.
    "seed": PasswordPolicy(
        name="seed",
        label="Portal rules (8–24 characters, 3 of 4 character classes, 180 days)",
        min_length=8,
        max_length=24,
        min_classes=3,
        forbid_personal=True,
        history=5,
        max_age_days=180,
    ),
    # NIST SP 800-63B §5.1.1.2: length and a blocklist, no composition rules, no expiry.
    "nist-800-63b": PasswordPolicy(
        name="nist-800-63b",
        label="NIST SP 800-63B (length and blocklist, no expiry)",
        min_length=8,
        max_length=128,
        min_classes=0,
        forbid_personal=False,
        history=0,
        max_age_days=None,
    ),
}


def active_policy() -> PasswordPolicy:
    name = getattr(settings, "PORTICO_PASSWORD_POLICY", "seed")
    try:
        return POLICIES[name]
    except KeyError as exc:
        raise ValueError(
            f"Unknown PORTICO_PASSWORD_POLICY {name!r}; use one of {sorted(POLICIES)}."
        ) from exc


def password_expires_at(user: Any) -> datetime | None:
    max_age = active_policy().max_age
    changed = getattr(user, "password_changed_at", None)
    if max_age is None or changed is None or not user.has_usable_password():
        return None
    return changed + max_age


def character_classes(password: str) -> int:
    return sum(
        [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() or c in string.punctuation for c in password),
        ]
    )


_common = CommonPasswordValidator()


def policy_errors(
    password: str, *, policy: PasswordPolicy, user: Any = None
) -> list[ValidationError]:
    """Every rule of ``policy`` that ``password`` breaks, each with its own message."""
    errors: list[ValidationError] = []
    if len(password) < policy.min_length:
        errors.append(
            ValidationError(
                f"Use at least {policy.min_length} characters.", code="password_too_short"
            )
        )
    if len(password) > policy.max_length:
        errors.append(
            ValidationError(
                f"Use no more than {policy.max_length} characters.", code="password_too_long"
            )
        )
    if policy.min_classes and character_classes(password) < policy.min_classes:
        errors.append(
            ValidationError(
                f"Use at least {policy.min_classes} of these 4: uppercase letters, lowercase "
                "letters, numbers and special characters.",
                code="password_classes",
            )
        )
    if policy.forbid_personal and user is not None:
        lowered = password.lower()
        username = (getattr(user, "username", "") or "").lower()
        local_part = (getattr(user, "email", "") or "").partition("@")[0].lower()
        names = [
            (getattr(user, "first_name", "") or "").lower(),
            (getattr(user, "last_name", "") or "").lower(),
        ]
        if username and username in lowered:
            errors.append(
                ValidationError("Do not include your username.", code="password_has_username")
            )
        if len(local_part) >= 3 and local_part in lowered:
            errors.append(
                ValidationError(
                    "Do not include the first part of your email address.",
                    code="password_has_email",
                )
            )
        if any(len(n) >= 3 and n in lowered for n in names):
            errors.append(
                ValidationError("Do not include your first or last name.", code="password_has_name")
            )
    if password.lower().strip() in _common.passwords:
        errors.append(
            ValidationError(
                "This password is too common. Choose one that is harder to guess.",
                code="password_too_common",
            )
        )
    return errors


class PolicyValidator:
    """Length, composition, personal information and blocklist rules of the active profile."""

    def validate(self, password: str, user: Any = None) -> None:
        errors = policy_errors(password, policy=active_policy(), user=user)
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return " ".join(active_policy().hints())


class PasswordHistoryValidator:
    """Refuse the current password and the last ``policy.history`` ones."""

    def validate(self, password: str, user: Any = None) -> None:
        policy = active_policy()
        if not policy.history or user is None or user.pk is None:
            return
        hashes = password_history_hashes(user=user, limit=policy.history)
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                f"You used this password recently. Choose one you have not used for your "
                f"last {policy.history} passwords.",
                code="password_reused",
            )

    def get_help_text(self) -> str:
        policy = active_policy()
        return f"Do not reuse your last {policy.history} passwords." if policy.history else ""
