import pytest
from django.core.exceptions import ValidationError

from portico.organizations.validators import (
    is_valid_npi,
    parse_tin,
    parse_tin_list,
    validate_npi,
    validate_state,
    validate_zip,
)


@pytest.mark.parametrize(
    "npi",
    [
        "1234567893",  # CMS's worked example
        "1245319599",  # real-format NPIs whose check digit is 0 or 9
        "1003000126",
        "1023011178",
    ],
)
def test_npi_with_correct_check_digit_is_accepted(npi):
    assert is_valid_npi(npi)
    validate_npi(npi)


def test_npi_ending_in_zero_is_accepted():
    # 123456790 → check digit 0 under the 80840-prefixed Luhn rule.
    from portico.organizations.validators import npi_check_digit

    nine = next(f"1{n:08d}" for n in range(10_000) if npi_check_digit(f"1{n:08d}") == 0)
    assert is_valid_npi(nine + "0")


@pytest.mark.parametrize(
    ("npi", "message"),
    [
        ("1234567890", "check digit is wrong"),
        ("1234567894", "check digit is wrong"),
        ("123456789", "exactly 10 digits"),
        ("12345678901", "exactly 10 digits"),
        ("12345A7893", "exactly 10 digits"),
        ("", "exactly 10 digits"),
    ],
)
def test_bad_npi_is_rejected_naming_the_rule(npi, message):
    with pytest.raises(ValidationError) as exc:
        validate_npi(npi)
    assert message in exc.value.messages[0]


@pytest.mark.parametrize(
    ("raw", "digits", "kind", "display"),
    [
        ("12-3456789", "123456789", "ein", "12-3456789"),
        ("123-45-6789", "123456789", "ssn", "123-45-6789"),
        ("123456789", "123456789", "ein", "12-3456789"),
        (" 98-7654321 ", "987654321", "ein", "98-7654321"),
    ],
)
def test_both_tin_forms_normalise(raw, digits, kind, display):
    tin = parse_tin(raw)
    assert (tin.digits, tin.kind, tin.display) == (digits, kind, display)


@pytest.mark.parametrize(
    "raw",
    ["1-23456789", "12345678", "12-345678", "abc", "123-456-789", "", "00-0000000", "000-00-0000"],
)
def test_bad_tin_is_rejected(raw):
    with pytest.raises(ValidationError, match="12-3456789"):
        parse_tin(raw)


def test_tin_list_takes_commas_and_reports_each_bad_entry():
    tins = parse_tin_list("12-3456789, 123-45-6780")
    assert [t.display for t in tins] == ["12-3456789", "123-45-6780"]
    with pytest.raises(ValidationError) as exc:
        parse_tin_list("12-3456789, nope, 12-3456789")
    assert exc.value.messages == [
        "“nope” is not a Tax ID; use 12-3456789 or 123-45-6789.",
        "12-3456789 is listed twice.",
    ]


def test_zip_and_state():
    validate_zip("10001")
    validate_zip("10001-1234")
    validate_state("ny")
    with pytest.raises(ValidationError, match="ZIP"):
        validate_zip("1000")
    with pytest.raises(ValidationError, match="state"):
        validate_state("XX")
