"""Form fields for identifiers of the provider directory."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# What people type between an NPI's digits ("1234 567 893", "1234-567-893").
_SEPARATORS = str.maketrans("", "", " -")
NPI_WIDGET_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "maxlength": "14"}


class NPIField(forms.CharField):
    """An NPI as typed: spaces and dashes between the digits are dropped, so "1234-567-893"
    is the NPI 1234567893 rather than Django's "at most 10 characters (it has 12)"; more than
    ten characters left is "exactly 10 digits", as ``validators.validate_npi`` says. What the
    number must be (digits, check digit, known to the plan) stays with each form's checks."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs=NPI_WIDGET_ATTRS))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value)).translate(_SEPARATORS)
        if len(text) > 10:
            raise ValidationError("An NPI is exactly 10 digits.", code="npi_format")
        return text
