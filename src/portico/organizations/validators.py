"""Identifiers of the provider world: NPI (with its CMS check digit) and TIN (EIN or SSN).

The NPI check digit is the Luhn algorithm over the 9-digit identifier prefixed with the
card-issuer prefix 80840 (CMS, "Requirements for NPI check digit"); Luhn is a few lines and
no maintained package adds anything for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

_NPI_RE = re.compile(r"^\d{10}$")
_EIN_RE = re.compile(r"^(\d{2})-(\d{7})$")
_SSN_RE = re.compile(r"^(\d{3})-(\d{2})-(\d{4})$")
_ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "AS",
    "GU",
    "MP",
    "PR",
    "VI",
]


def npi_check_digit(first_nine: str) -> int:
    # The prefix 80840 contributes a constant 24 to the Luhn sum (its 4 and second 0 doubled).
    total = 24
    for index, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    return bool(_NPI_RE.match(value)) and npi_check_digit(value[:9]) == int(value[9])


def validate_npi(value: str) -> None:
    if not _NPI_RE.match(value or ""):
        raise ValidationError("An NPI is exactly 10 digits.", code="npi_format")
    if not is_valid_npi(value):
        raise ValidationError(
            "This NPI's check digit is wrong; check the number for a typing error.",
            code="npi_check_digit",
        )


@dataclass(frozen=True)
class TaxId:
    """A normalised TIN: nine digits and whether it was written as an EIN or an SSN."""

    digits: str
    kind: str  # "ein" | "ssn"

    @property
    def display(self) -> str:
        d = self.digits
        return f"{d[:3]}-{d[3:5]}-{d[5:]}" if self.kind == "ssn" else f"{d[:2]}-{d[2:]}"


def parse_tin(value: str) -> TaxId:
    """Accept ``12-3456789`` (EIN), ``123-45-6789`` (SSN) or nine bare digits (EIN); nine
    zeros is no one's Tax ID."""
    text = (value or "").strip()
    tin: TaxId | None = None
    if m := _EIN_RE.match(text):
        tin = TaxId(m.group(1) + m.group(2), "ein")
    elif m := _SSN_RE.match(text):
        tin = TaxId("".join(m.groups()), "ssn")
    elif re.fullmatch(r"\d{9}", text):
        tin = TaxId(text, "ein")
    if tin is None or tin.digits == "000000000":
        raise ValidationError(
            "Enter a Tax ID as 12-3456789 (EIN) or 123-45-6789 (SSN).", code="tin_format"
        )
    return tin


def parse_tin_list(value: str) -> list[TaxId]:
    """Several TINs separated by commas, as the Claims Online Portal access form takes them."""
    parts = [p.strip() for p in (value or "").split(",") if p.strip()]
    if not parts:
        raise ValidationError("Enter at least one Tax ID.", code="tin_required")
    errors: list[str] = []
    tins: list[TaxId] = []
    for part in parts:
        try:
            tin = parse_tin(part)
        except ValidationError:
            errors.append(f"“{part}” is not a Tax ID; use 12-3456789 or 123-45-6789.")
            continue
        if tin.digits in {t.digits for t in tins}:
            errors.append(f"{tin.display} is listed twice.")
            continue
        tins.append(tin)
    if errors:
        raise ValidationError(errors, code="tin_format")
    return tins


def validate_zip(value: str) -> None:
    if not _ZIP_RE.match(value or ""):
        raise ValidationError("Enter a ZIP code as 12345 or 12345-6789.", code="zip")


def validate_state(value: str) -> None:
    if (value or "").upper() not in US_STATES:
        raise ValidationError("Choose a U.S. state or territory.", code="state")


_PHONE_DIGITS_RE = re.compile(r"\D")


def normalize_phone(value: str) -> str:
    """A U.S. phone or fax number as ``(212) 555-0100``; raises ValidationError otherwise."""
    digits = _PHONE_DIGITS_RE.sub("", value or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        raise ValidationError(
            "Enter a 10-digit U.S. phone number, such as (212) 555-0100.", code="phone"
        )
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
