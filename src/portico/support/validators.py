"""Identifiers and values of the support portal: PFI, customer User ID, member ID, amounts."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

# ASCII digits only: ``\d`` also takes "１" or "٣", and ``$`` a trailing newline.
USER_ID_RE = re.compile(r"ZCS[0-9]{5}")
_MEMBER_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,29}$")
_PAYER_ID_RE = re.compile(r"^[A-Za-z0-9]{2,15}$")
_ACCOUNT_NUMBER_RE = re.compile(r"^[\x20-\x7e]{1,38}$")
MAX_BILLED_AMOUNT = Decimal("99999999.99")


def normalize_pfi(value: str) -> str:
    """A PFI (the customer's Tax ID) as 9 digits: fewer digits are padded with leading zeros.

    ``123456`` → ``000123456``. Anything but digits, or more than 9 of them, is refused.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError("Enter your PFI.", code="pfi_required")
    if not text.isdigit() or not text.isascii():
        raise ValidationError(
            "The PFI can contain digits only (no dashes, spaces or letters).", code="pfi_digits"
        )
    if len(text) > 9:
        raise ValidationError("The PFI has at most 9 digits.", code="pfi_length")
    return text.zfill(9)


def normalize_user_id(value: str) -> str:
    """A customer User ID: ``ZCS`` followed by 5 digits (letters are upper-cased)."""
    text = (value or "").strip().upper()
    if not USER_ID_RE.fullmatch(text):
        raise ValidationError(
            "Enter the User ID as ZCS followed by 5 digits, for example ZCS01234.",
            code="user_id_format",
        )
    return text


def validate_user_id(value: str) -> None:
    if not USER_ID_RE.fullmatch(value or ""):
        raise ValidationError(
            "A User ID is ZCS followed by 5 digits, for example ZCS01234.", code="user_id_format"
        )


def normalize_member_id(value: str) -> str:
    text = (value or "").strip().upper()
    if not _MEMBER_ID_RE.match(text):
        raise ValidationError(
            "Enter the member ID as it appears on the member's card: 2 to 30 letters or "
            "digits (hyphens allowed, no spaces).",
            code="member_id_format",
        )
    return text


def normalize_payer_id(value: str) -> str:
    text = (value or "").strip().upper()
    if not _PAYER_ID_RE.match(text):
        raise ValidationError(
            "Enter the payer ID: 2 to 15 letters or digits, for example NYSPARCS.",
            code="payer_id_format",
        )
    return text


def normalize_account_number(value: str) -> str:
    text = (value or "").strip()
    if text and not _ACCOUNT_NUMBER_RE.match(text):
        raise ValidationError(
            "The patient account number has at most 38 letters, digits or punctuation marks.",
            code="account_number_format",
        )
    return text


_AMOUNT_TEXT = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def parse_billed_amount(value: object) -> Decimal:
    """A positive amount with at most two decimals; ``$1,234.50`` is accepted."""
    if isinstance(value, Decimal):
        amount = value
    else:
        text = str(value or "").strip().replace(",", "").removeprefix("$").strip()
        if not text:
            raise ValidationError("Enter the billed amount.", code="amount_required")
        # ASCII digits only: Decimal() also reads Arabic-Indic digits and exponents ("1e3").
        if not _AMOUNT_TEXT.fullmatch(text):
            raise ValidationError(
                "Enter the billed amount as a number, for example 1250.00.", code="amount_format"
            )
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise ValidationError(
                "Enter the billed amount as a number, for example 1250.00.", code="amount_format"
            ) from exc
    if not amount.is_finite():
        raise ValidationError(
            "Enter the billed amount as a number, for example 1250.00.", code="amount_format"
        )
    if amount <= 0:
        raise ValidationError("The billed amount must be more than zero.", code="amount_positive")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(
            "The billed amount can have at most two decimal places (cents).",
            code="amount_decimals",
        )
    if amount > MAX_BILLED_AMOUNT:
        raise ValidationError(
            "The billed amount is too large; check it for a typing error.", code="amount_max"
        )
    return amount.quantize(Decimal("0.01"))
