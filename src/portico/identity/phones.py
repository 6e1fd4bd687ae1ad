"""Phone numbers: a country-code selector plus a national number, stored as E.164.

Built on the ``phonenumbers`` library (Google's libphonenumber metadata).
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from phonenumbers import geocoder

# Regions libphonenumber dials but has no English name for (its geocoder returns "" for
# them as of phonenumbers 9.0): names as in CLDR / ISO 3166, in the library's style. A name
# the library does give wins, so this table only fills gaps.
REGION_NAMES_MISSING = {
    "AC": "Ascension Island",
    "BL": "Saint Barthélemy",
    "EH": "Western Sahara",
    "MF": "Saint Martin (French part)",
    "TA": "Tristan da Cunha",
    "XK": "Kosovo",
}


def region_name(region: str) -> str:
    """The English name of a phone region ("US" → "United States"); the code if unknown."""
    example = phonenumbers.example_number(region)
    name = geocoder.country_name_for_number(example, "en") if example else ""
    return name or REGION_NAMES_MISSING.get(region, region)


@lru_cache(maxsize=1)
def country_choices() -> list[tuple[str, str]]:
    """("US", "United States (+1)") for every region libphonenumber knows, US first."""
    rows = []
    for region in phonenumbers.SUPPORTED_REGIONS:
        code = phonenumbers.country_code_for_region(region)
        rows.append((region, f"{region_name(region)} (+{code})"))
    rows.sort(key=lambda r: r[1])
    default = settings.PORTICO_PHONE_DEFAULT_REGION
    rows.sort(key=lambda r: r[0] != default)
    return rows


WRONG_LENGTH = "That phone number has the wrong number of digits for the country selected."
PARSE_LENGTH_ERRORS = {
    phonenumbers.NumberParseException.TOO_LONG,
    phonenumbers.NumberParseException.TOO_SHORT_NSN,
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
}


def to_e164(region: str, number: str) -> str:
    """Parse a national (or +international) number; raise ValidationError with a clear reason."""
    raw = (number or "").strip()
    if not raw:
        raise ValidationError("Enter your phone number.", code="phone_required")
    try:
        parsed = phonenumbers.parse(raw, region or settings.PORTICO_PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type in PARSE_LENGTH_ERRORS:  # digits, just too many or too few
            raise ValidationError(WRONG_LENGTH, code="phone_length") from exc
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise ValidationError(
                "There is no country with that code. Check the digits after the +, or choose "
                "the country and enter the number without it.",
                code="phone_country_code",
            ) from exc
        raise ValidationError(
            "Enter a phone number using digits, for example 212 555 0123.", code="phone_format"
        ) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError(WRONG_LENGTH, code="phone_length")
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            "That is not a valid phone number for the country selected.", code="phone_invalid"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked(e164: str) -> str:
    """The last four digits ("ending in 0123"): enough to recognise, not to harvest. The only
    form of the number shown before sign-in is complete (the MFA stage), and in audit details."""
    return f"ending in {e164[-4:]}" if len(e164) >= 4 else e164


def region_of(e164: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None)) or ""
    except phonenumbers.NumberParseException:
        return ""


class PhoneFieldsMixin(forms.Form):
    """Adds ``phone_country`` and ``phone_number``; ``cleaned_data["phone"]`` is E.164."""

    phone_country = forms.ChoiceField(label="Country code", choices=())
    phone_number = forms.CharField(
        label="Phone number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel-national", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["phone_country"].choices = country_choices()  # type: ignore[attr-defined]
        self.fields["phone_country"].initial = settings.PORTICO_PHONE_DEFAULT_REGION
        self.fields["phone_country"].widget.attrs["autocomplete"] = "tel-country-code"

    def clean_phone_number(self) -> str:
        region = self.cleaned_data.get("phone_country") or settings.PORTICO_PHONE_DEFAULT_REGION
        self.cleaned_data["phone"] = to_e164(region, self.cleaned_data.get("phone_number", ""))
        return self.cleaned_data["phone_number"]
