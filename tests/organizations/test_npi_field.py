"""NPIField: an NPI as people type it."""

from __future__ import annotations

import pytest
from django import forms

from portico.organizations.fields import NPIField


class _Form(forms.Form):
    npi = NPIField(label="NPI", required=False)


@pytest.mark.parametrize(
    ("typed", "npi"),
    [
        ("1234567893", "1234567893"),
        (" 1234-567-893 ", "1234567893"),
        ("1234 567 893", "1234567893"),
        ("", ""),
    ],
)
def test_spaces_and_dashes_between_the_digits_are_dropped(typed: str, npi: str) -> None:
    form = _Form(data={"npi": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["npi"] == npi


def test_more_than_ten_characters_left_is_not_an_npi() -> None:
    form = _Form(data={"npi": "1234-567-8930"})
    assert not form.is_valid()
    assert form.errors["npi"] == ["An NPI is exactly 10 digits."]


def test_the_browser_lets_people_type_the_separators() -> None:
    html = str(_Form()["npi"])
    assert 'maxlength="14"' in html and 'inputmode="numeric"' in html
