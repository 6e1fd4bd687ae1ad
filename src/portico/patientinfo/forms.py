"""Look-up and report forms of the Physician Info Portal (input shape only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from portico.members.validators import validate_member_id

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MemberIdField(forms.CharField):
    """A member ID checked by ``validate_member_id`` alone: it already refuses one that is too
    long or holds a NUL character, and Django's own length and NUL checks would add a second
    message for the same problem. ``max_length`` still sets the input's maxlength."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [validate_member_id]


class MemberIdLookupForm(forms.Form):
    member_id = MemberIdField(
        label="Member ID",
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the member ID from the member's card."},
    )


class NameLookupForm(forms.Form):
    last_name = forms.CharField(
        label="Last name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the patient's last name."},
    )
    first_name = forms.CharField(
        label="First name",
        required=False,
        max_length=100,
        help_text="Optional: the first letters are enough.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=DATE,
        error_messages={
            "required": "Enter the patient's date of birth.",
            "invalid": "Enter the date of birth as a date, e.g. 05/17/1970.",
        },
    )


class RxFilterForm(forms.Form):
    rx_from = forms.DateField(label="Filled from", required=False, widget=DATE)
    rx_to = forms.DateField(label="Filled through", required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rx_from") and data.get("rx_to") and data["rx_to"] < data["rx_from"]:
            self.add_error("rx_to", "The second date must be on or after the first.")
        return data


# The report's months, and the month before and after them (Add/Terms), stay well inside
# what ``datetime.date`` can hold: 9999-12 or 0001-01 would overflow.
FIRST_YEAR, LAST_YEAR = 1900, 2099


def _month(value: str) -> dt.date:
    try:
        month = dt.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationError("Enter a month as YYYY-MM, e.g. 2026-01.") from None
    if not FIRST_YEAR <= month.year <= LAST_YEAR:
        raise ValidationError(
            f"Enter a month from {FIRST_YEAR}-01 through {LAST_YEAR}-12.", code="month_range"
        )
    return month


class MonthField(forms.CharField):
    widget = MONTH

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        return _month(text) if text else None


class CapReportForm(forms.Form):
    month_from = MonthField(label="From month", help_text="YYYY-MM")
    month_to = MonthField(label="Through month", help_text="YYYY-MM; at most 12 months")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("month_from"), data.get("month_to")
        if start and end:
            if end < start:
                self.add_error("month_to", "The last month must be on or after the first.")
            elif (end.year - start.year) * 12 + end.month - start.month >= 12:
                self.add_error("month_to", "Choose at most 12 months.")
        return data
