from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portico.core.text import names_match
from portico.support.validators import (
    normalize_member_id,
    normalize_payer_id,
    normalize_pfi,
    normalize_user_id,
    parse_billed_amount,
    validate_user_id,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456", "000123456"),
        ("000123456", "000123456"),
        (" 7 ", "000000007"),
        ("987654321", "987654321"),
    ],
)
def test_pfi_is_padded_to_nine_digits(raw, expected):
    assert normalize_pfi(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "pfi_required"),
        ("12-3456789", "pfi_digits"),
        ("12345a", "pfi_digits"),
        ("１２３", "pfi_digits"),  # full-width digits are not ASCII digits
        ("1234567890", "pfi_length"),
    ],
)
def test_pfi_rejects_non_digits_and_too_long(raw, code):
    with pytest.raises(ValidationError) as exc:
        normalize_pfi(raw)
    assert exc.value.code == code
    assert exc.value.messages[0]


@given(st.integers(min_value=0, max_value=999_999_999))
def test_pfi_padding_keeps_the_number(number):
    result = normalize_pfi(str(number))
    assert len(result) == 9 and int(result) == number


@pytest.mark.parametrize("raw", ["ZCS00001", "zcs12345", " ZCS99999 "])
def test_user_id_accepts_zcs_and_five_digits(raw):
    assert normalize_user_id(raw) == raw.strip().upper()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ZCS1234",
        "ZCS123456",
        "ABC12345",
        "ZCS-12345",
        "12345",
        "ZCS0000\uff11",  # a full-width 1
        "ZCS\u0661\u0662\u0663\u0664\u0665",  # Arabic-Indic digits
        "ZCS0000\u00b2",
    ],
)
def test_user_id_rejects_other_shapes(raw):
    with pytest.raises(ValidationError, match="ZCS followed by 5 digits"):
        normalize_user_id(raw)


@pytest.mark.parametrize("raw", ["ZCS00001\n", "ZCS0000\uff11"])
def test_stored_user_ids_are_ascii_without_a_trailing_newline(raw):
    with pytest.raises(ValidationError):
        validate_user_id(raw)


def test_member_id_rules():
    assert normalize_member_id(" ab-1234 ") == "AB-1234"
    for bad in ["", "A", "AB 1234", "AB#1", "-AB123", "A" * 31]:
        with pytest.raises(ValidationError, match="member ID"):
            normalize_member_id(bad)


def test_payer_id_rules():
    assert normalize_payer_id("nysparcs") == "NYSPARCS"
    with pytest.raises(ValidationError):
        normalize_payer_id("NY SPARCS")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1250", "1250.00"), ("$1,250.5", "1250.50"), ("0.01", "0.01"), (Decimal("3.10"), "3.10")],
)
def test_billed_amount_accepts_positive_amounts(raw, expected):
    assert parse_billed_amount(raw) == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "amount_required"),
        ("abc", "amount_format"),
        ("NaN", "amount_format"),
        ("Infinity", "amount_format"),
        ("١٢٣", "amount_format"),  # Arabic-Indic digits: Decimal() read them as 123
        ("１２", "amount_format"),
        ("1e3", "amount_format"),
        ("0", "amount_positive"),
        ("-5.00", "amount_positive"),
        ("1.234", "amount_decimals"),
        ("100000000.00", "amount_max"),
    ],
)
def test_billed_amount_rejects_bad_values(raw, code):
    with pytest.raises(ValidationError) as exc:
        parse_billed_amount(raw)
    assert exc.value.code == code


def test_names_match_ignores_case_and_spacing_but_not_empty():
    assert names_match("  sam ", "Sam")
    assert names_match("Mary  Ann", "mary ann")
    assert not names_match("", "")
    assert not names_match("Sam", "Samuel")
