"""Table-driven tests of the code-set validators, with the exact messages users see."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portico.codes.models import ProcedureCodeKind
from portico.codes.validators import (
    CARC_FORMAT_MESSAGE,
    ICD10_FORMAT_MESSAGE,
    MODIFIER_FORMAT_MESSAGE,
    POS_FORMAT_MESSAGE,
    PROCEDURE_FORMAT_MESSAGE,
    RARC_FORMAT_MESSAGE,
    TAXONOMY_FORMAT_MESSAGE,
    TYPE_OF_BILL_FORMAT_MESSAGE,
    Icd10CodeValidator,
    ProcedureCodeValidator,
    classify_procedure_code,
    normalize_icd10_code,
    parse_type_of_bill,
    validate_carc_format,
    validate_icd10_code,
    validate_place_of_service,
    validate_procedure_code,
    validate_procedure_modifier,
    validate_rarc_format,
    validate_taxonomy_code,
    validate_type_of_bill,
)


def _message(excinfo: pytest.ExceptionInfo[ValidationError]) -> str:
    return excinfo.value.messages[0]


# ---------------------------------------------------------------------------------- ICD-10-CM


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("M54.50", "M5450"),
        ("m5450", "M5450"),
        (" m54.50 ", "M5450"),
        ("E11.9", "E119"),
        ("s39.012a", "S39012A"),
        ("Z00.00", "Z0000"),
    ],
)
def test_icd10_accepts_billable_codes_in_any_form(icd10_codes: None, value: str, normalised: str):
    assert validate_icd10_code(value).code == normalised


_MORE_SPECIFIC = "not a billable code; choose a more specific code."
_CHECK = "is not an ICD-10-CM code; check the code and try again."


@pytest.mark.parametrize(
    ("value", "error_code", "message"),
    [
        ("M54", "not_billable", f"M54 is a category, {_MORE_SPECIFIC}"),
        ("m54.5", "not_billable", f"M54.5 is a subcategory, {_MORE_SPECIFIC}"),
        ("S39.012", "not_billable", f"S39.012 is a subcategory, {_MORE_SPECIFIC}"),
        ("M54.99", "unknown", f"M54.99 {_CHECK}"),
        ("M545012", "unknown", f"M54.5012 {_CHECK}"),
        (
            "U99.9",
            "retired",
            "U99.9 is no longer a valid ICD-10-CM code (last valid in FY2021); "
            "choose a current code.",
        ),
        ("M5.450", "invalid", ICD10_FORMAT_MESSAGE),
        ("5450", "invalid", ICD10_FORMAT_MESSAGE),
        ("M54.50.1", "invalid", ICD10_FORMAT_MESSAGE),
        ("M5450123", "invalid", ICD10_FORMAT_MESSAGE),
        ("", "invalid", ICD10_FORMAT_MESSAGE),
    ],
)
def test_icd10_rejects_with_distinct_messages(
    icd10_codes: None, value: str, error_code: str, message: str
):
    with pytest.raises(ValidationError) as excinfo:
        validate_icd10_code(value)
    assert excinfo.value.code == error_code
    assert _message(excinfo) == message


def test_icd10_headers_allowed_when_not_billable_only(icd10_codes: None):
    assert validate_icd10_code("M54", billable_only=False).description == "Dorsalgia"
    Icd10CodeValidator(billable_only=False)("M54.5")
    with pytest.raises(ValidationError):
        Icd10CodeValidator()("M54.5")


def test_icd10_validator_deconstructs_for_migrations():
    path, _args, kwargs = Icd10CodeValidator(billable_only=False).deconstruct()
    assert path == "portico.codes.validators.Icd10CodeValidator"
    assert kwargs == {"billable_only": False}
    assert Icd10CodeValidator() == Icd10CodeValidator(billable_only=True)


@pytest.mark.django_db
def test_icd10_without_loaded_codes_is_a_deployment_error():
    with pytest.raises(ImproperlyConfigured, match="load_codes"):
        validate_icd10_code("M54.50")


@given(st.from_regex(r"[A-Za-z][0-9][0-9A-Za-z](\.[0-9A-Za-z]{1,4})?", fullmatch=True))
def test_icd10_normalisation_is_idempotent_and_dotless(value: str):
    once = normalize_icd10_code(value)
    assert "." not in once
    assert once == once.upper()
    assert normalize_icd10_code(once) == once


# ---------------------------------------------------------------------------------- CPT/HCPCS


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("99213", ProcedureCodeKind.CPT_CATEGORY_I),
        ("00100", ProcedureCodeKind.CPT_CATEGORY_I),
        ("0001U", ProcedureCodeKind.CPT_CATEGORY_I),
        ("0051A", ProcedureCodeKind.CPT_CATEGORY_I),
        ("3074F", ProcedureCodeKind.CPT_CATEGORY_II),
        ("3074f", ProcedureCodeKind.CPT_CATEGORY_II),
        ("0042T", ProcedureCodeKind.CPT_CATEGORY_III),
        ("J1100", ProcedureCodeKind.HCPCS_LEVEL_II),
        (" g0283 ", ProcedureCodeKind.HCPCS_LEVEL_II),
        ("V2020", ProcedureCodeKind.HCPCS_LEVEL_II),
        ("W1234", None),
        ("Z1234", None),
        ("9921", None),
        ("992134", None),
        ("99213F", None),
        ("J110", None),
        ("30-74F", None),
        ("", None),
    ],
)
def test_classify_procedure_code(value: str, kind: ProcedureCodeKind | None):
    assert classify_procedure_code(value) == kind


def test_procedure_code_messages():
    with pytest.raises(ValidationError) as excinfo:
        validate_procedure_code("W1234")
    assert _message(excinfo) == PROCEDURE_FORMAT_MESSAGE
    with pytest.raises(ValidationError) as excinfo:
        ProcedureCodeValidator(kinds=frozenset({ProcedureCodeKind.CPT_CATEGORY_I}))("j1100")
    assert excinfo.value.code == "kind_not_allowed"
    assert _message(excinfo) == (
        "J1100 is a HCPCS Level II code; this field accepts CPT Category I codes only."
    )
    assert validate_procedure_code("99213") is ProcedureCodeKind.CPT_CATEGORY_I


@given(st.from_regex(r"[0-9]{5}", fullmatch=True))
def test_every_five_digit_code_is_category_i(code: str):
    assert classify_procedure_code(code) is ProcedureCodeKind.CPT_CATEGORY_I


@given(st.from_regex(r"[A-V][0-9]{4}", fullmatch=True))
def test_every_letter_a_to_v_and_four_digits_is_hcpcs(code: str):
    assert classify_procedure_code(code.lower()) is ProcedureCodeKind.HCPCS_LEVEL_II


@pytest.mark.parametrize("value", ["25", "LT", "lt", "59", "GP", "XU", " 26 "])
def test_modifier_accepts(value: str):
    validate_procedure_modifier(value)


@pytest.mark.parametrize("value", ["2", "251", "L-", "", "L T5"])
def test_modifier_rejects(value: str):
    with pytest.raises(ValidationError) as excinfo:
        validate_procedure_modifier(value)
    assert _message(excinfo) == MODIFIER_FORMAT_MESSAGE


# ---------------------------------------------------------------- place of service, type of bill


def test_place_of_service(places_of_service: None):
    assert validate_place_of_service(" 11 ").name == "Office"
    with pytest.raises(ValidationError) as excinfo:
        validate_place_of_service("28")
    assert excinfo.value.code == "unknown"
    assert _message(excinfo) == "28 is not a defined place of service code."
    for bad in ("1", "111", "O1", ""):
        with pytest.raises(ValidationError) as excinfo:
            validate_place_of_service(bad)
        assert _message(excinfo) == POS_FORMAT_MESSAGE


@pytest.mark.parametrize(
    ("value", "code", "facility_code", "frequency"),
    [
        ("0131", "0131", "13", "1"),
        ("131", "0131", "13", "1"),
        ("0111", "0111", "11", "1"),
        ("0837", "0837", "83", "7"),
        ("0718", "0718", "71", "8"),
        ("013a", "013A", "13", "A"),
    ],
)
def test_type_of_bill_parses(value: str, code: str, facility_code: str, frequency: str):
    bill = parse_type_of_bill(value)
    assert (bill.code, bill.facility_code, bill.frequency) == (code, facility_code, frequency)


def test_type_of_bill_names():
    bill = parse_type_of_bill("0111")
    assert bill.facility_type_name == "Hospital"
    assert bill.frequency_name == "Admit through discharge claim"


@pytest.mark.parametrize("value", ["1311", "0531", "0931", "0101", "01", "13", "01311", "0-13", ""])
def test_type_of_bill_rejects(value: str):
    with pytest.raises(ValidationError) as excinfo:
        validate_type_of_bill(value)
    assert _message(excinfo) == TYPE_OF_BILL_FORMAT_MESSAGE


# ------------------------------------------------------------------------ taxonomy, CARC, RARC


@pytest.mark.parametrize(
    ("validator", "good", "bad", "message"),
    [
        (validate_taxonomy_code, ["207Q00000X", "207xs0117x", "2251X0800X"],
         ["207Q00000", "207Q00000Y", "207Q-0000X", ""], TAXONOMY_FORMAT_MESSAGE),
        (validate_carc_format, ["1", "45", "253", "A1", "B7", "b10"],
         ["1000", "AB1", "A", "", "CO-45"], CARC_FORMAT_MESSAGE),
        (validate_rarc_format, ["M15", "MA130", "N130", "n290"],
         ["MB1", "N", "X12", "N12345", ""], RARC_FORMAT_MESSAGE),
    ],
)  # fmt: skip
def test_format_validators(validator, good: list[str], bad: list[str], message: str):
    for value in good:
        validator(value)
    for value in bad:
        with pytest.raises(ValidationError) as excinfo:
            validator(value)
        assert _message(excinfo) == message, value
