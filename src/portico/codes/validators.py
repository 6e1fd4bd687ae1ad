"""Validators for the code sets, usable from forms, models, API schemas and the X12 readers.

Each validator normalises what people actually type (``m54.50``, `` 99213 ``, ``lt``) before it
judges, and each failure carries a message written for the person at the keyboard plus a stable
``code`` for API error payloads. The messages are part of the product: tests pin them.

CPT descriptions are AMA-licensed, so procedure codes are validated by format only; ICD-10-CM,
place of service and taxonomy are public and checked against the loaded tables where shipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Max
from django.utils.deconstruct import deconstructible

from portico.codes.models import Icd10Code, PlaceOfService, ProcedureCodeKind, icd10_display

# --------------------------------------------------------------------------------------------
# ICD-10-CM
# --------------------------------------------------------------------------------------------

#: Three to seven characters: a letter, then letters or digits. The second and third places are
#: usually digits but not always (``C4A``, ``M1A``, ``QA0``), so the pattern does not insist.
ICD10_PATTERN = re.compile(r"^[A-Z][0-9A-Z]{2,6}$")

ICD10_FORMAT_MESSAGE = "Enter an ICD-10-CM diagnosis code, for example M54.50."


def normalize_icd10_code(value: str) -> str:
    """Upper-case and drop the dot and spaces: ``" m54.50 "`` -> ``"M5450"``.

    A dot anywhere but after the third character is left in, so that the format check rejects
    ``M5.450`` rather than silently reading it as a different code.
    """
    text = "".join(str(value).split()).upper()
    if text.find(".") == 3 and text.count(".") == 1:
        text = text.replace(".", "")
    return text


def _current_icd10_fiscal_year() -> int:
    """The newest release loaded; absent data is a deployment error, not a user error."""
    year = Icd10Code.objects.aggregate(newest=Max("fiscal_year"))["newest"]
    if year is None:
        raise ImproperlyConfigured(
            "No ICD-10-CM codes are loaded; run `portico load_codes` before validating diagnoses."
        )
    return int(year)


def validate_icd10_code(value: str, *, billable_only: bool = True) -> Icd10Code:
    """Check a diagnosis code against the current ICD-10-CM release and return its row.

    Distinct messages tell the user what to do: a category or subcategory needs a more specific
    code, a retired code needs a current one, a typo needs correcting.
    """
    code = normalize_icd10_code(value)
    if not ICD10_PATTERN.fullmatch(code):
        raise ValidationError(ICD10_FORMAT_MESSAGE, code="invalid")
    shown = icd10_display(code)
    row = Icd10Code.objects.filter(code=code).first()
    current_year = _current_icd10_fiscal_year()
    if row is None:
        raise ValidationError(
            f"{shown} is not an ICD-10-CM code; check the code and try again.", code="unknown"
        )
    if row.fiscal_year < current_year:
        raise ValidationError(
            f"{shown} is no longer a valid ICD-10-CM code (last valid in FY{row.fiscal_year}); "
            "choose a current code.",
            code="retired",
        )
    if billable_only and not row.billable:
        kind = "a category" if row.is_category else "a subcategory"
        raise ValidationError(
            f"{shown} is {kind}, not a billable code; choose a more specific code.",
            code="not_billable",
        )
    return row


@deconstructible
class Icd10CodeValidator:
    """Model/form validator wrapping :func:`validate_icd10_code`.

    ``billable_only=False`` suits search filters and history screens that may name a header.
    """

    def __init__(self, *, billable_only: bool = True) -> None:
        self.billable_only = billable_only

    def __call__(self, value: str) -> None:
        validate_icd10_code(value, billable_only=self.billable_only)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Icd10CodeValidator) and other.billable_only == self.billable_only

    def __hash__(self) -> int:
        return hash((type(self), self.billable_only))


# --------------------------------------------------------------------------------------------
# CPT / HCPCS (format only) and modifiers
# --------------------------------------------------------------------------------------------

#: Category I is five digits, or four digits and a letter for the families the AMA numbers that
#: way inside Category I: A (vaccine administration), M (multianalyte assays with algorithmic
#: analyses) and U (proprietary laboratory analyses). Claims carry all of them.
_PROCEDURE_PATTERNS: tuple[tuple[re.Pattern[str], ProcedureCodeKind], ...] = (
    (re.compile(r"^[0-9]{5}$"), ProcedureCodeKind.CPT_CATEGORY_I),
    (re.compile(r"^[0-9]{4}[AMU]$"), ProcedureCodeKind.CPT_CATEGORY_I),
    (re.compile(r"^[0-9]{4}F$"), ProcedureCodeKind.CPT_CATEGORY_II),
    (re.compile(r"^[0-9]{4}T$"), ProcedureCodeKind.CPT_CATEGORY_III),
    (re.compile(r"^[A-V][0-9]{4}$"), ProcedureCodeKind.HCPCS_LEVEL_II),
)

PROCEDURE_FORMAT_MESSAGE = (
    "Enter a CPT or HCPCS code: 5 digits (99213), 4 digits and F or T (3074F, 0042T), "
    "or a letter A-V and 4 digits (J1100)."
)

MODIFIER_PATTERN = re.compile(r"^[0-9A-Z]{2}$")
MODIFIER_FORMAT_MESSAGE = "A modifier is 2 letters or digits, for example 25 or LT."


def normalize_procedure_code(value: str) -> str:
    """Trim and upper-case; procedure codes and modifiers have no punctuation to remove."""
    return "".join(str(value).split()).upper()


def classify_procedure_code(code: str) -> ProcedureCodeKind | None:
    """Which family a procedure code belongs to by its shape, or None if it fits none.

    Shape is all that can be checked without the AMA's licensed CPT file: a well-formed code
    may still not exist, which adjudication, not data entry, discovers.
    """
    normalized = normalize_procedure_code(code)
    for pattern, kind in _PROCEDURE_PATTERNS:
        if pattern.fullmatch(normalized):
            return kind
    return None


def validate_procedure_code(
    value: str, *, kinds: frozenset[ProcedureCodeKind] | None = None
) -> ProcedureCodeKind:
    """Raise unless ``value`` is a well-formed procedure code of one of ``kinds`` (any if None)."""
    kind = classify_procedure_code(value)
    if kind is None:
        raise ValidationError(PROCEDURE_FORMAT_MESSAGE, code="invalid")
    if kinds is not None and kind not in kinds:
        allowed = " or ".join(sorted(str(k.label) for k in kinds))
        raise ValidationError(
            f"{normalize_procedure_code(value)} is a {kind.label} code; "
            f"this field accepts {allowed} codes only.",
            code="kind_not_allowed",
        )
    return kind


@deconstructible
class ProcedureCodeValidator:
    """Model/form validator wrapping :func:`validate_procedure_code`."""

    def __init__(self, *, kinds: frozenset[ProcedureCodeKind] | None = None) -> None:
        self.kinds = kinds

    def __call__(self, value: str) -> None:
        validate_procedure_code(value, kinds=self.kinds)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProcedureCodeValidator) and other.kinds == self.kinds

    def __hash__(self) -> int:
        return hash((type(self), self.kinds))


def validate_procedure_modifier(value: str) -> None:
    """Raise unless ``value`` is a two-character procedure modifier (``25``, ``LT``, ``GP``)."""
    if not MODIFIER_PATTERN.fullmatch(normalize_procedure_code(value)):
        raise ValidationError(MODIFIER_FORMAT_MESSAGE, code="invalid")


# --------------------------------------------------------------------------------------------
# Place of service and type of bill
# --------------------------------------------------------------------------------------------

POS_FORMAT_MESSAGE = "A place of service is 2 digits, for example 11 (Office)."


def validate_place_of_service(value: str) -> PlaceOfService:
    """Raise unless ``value`` is a defined CMS place-of-service code; return its row."""
    code = "".join(str(value).split())
    if not re.fullmatch(r"[0-9]{2}", code):
        raise ValidationError(POS_FORMAT_MESSAGE, code="invalid")
    row = PlaceOfService.objects.filter(code=code).first()
    if row is None:
        raise ValidationError(f"{code} is not a defined place of service code.", code="unknown")
    return row


#: First digit of the type of bill (UB-04 form locator 4): the kind of facility.
FACILITY_TYPES: dict[str, str] = {
    "1": "Hospital",
    "2": "Skilled nursing",
    "3": "Home health",
    "4": "Religious nonmedical (hospital)",
    "6": "Intermediate care",
    "7": "Clinic or hospital-based renal dialysis facility",
    "8": "Special facility or hospital ambulatory surgery",
}

#: Common frequency codes (last digit): where the bill sits in the episode of care.
FREQUENCY_CODES: dict[str, str] = {
    "0": "Non-payment/zero claim",
    "1": "Admit through discharge claim",
    "2": "Interim - first claim",
    "3": "Interim - continuing claim",
    "4": "Interim - last claim",
    "5": "Late charge only",
    "7": "Replacement of prior claim",
    "8": "Void/cancel of prior claim",
    "9": "Final claim for a home health PPS episode",
}

TYPE_OF_BILL_FORMAT_MESSAGE = (
    "A type of bill is 3 characters, or 4 with a leading 0: facility type, "
    "classification and frequency, for example 0131."
)


@dataclass(frozen=True, slots=True)
class TypeOfBill:
    """A parsed institutional type of bill.

    ``code`` is the four-character form printed on the UB-04; the 837I carries
    ``facility_code`` (CLM05-1) and ``frequency`` (CLM05-3) separately.
    """

    facility_type: str
    classification: str
    frequency: str

    @property
    def code(self) -> str:
        return f"0{self.facility_type}{self.classification}{self.frequency}"

    @property
    def facility_code(self) -> str:
        return f"{self.facility_type}{self.classification}"

    @property
    def facility_type_name(self) -> str:
        return FACILITY_TYPES[self.facility_type]

    @property
    def frequency_name(self) -> str | None:
        return FREQUENCY_CODES.get(self.frequency)


_TYPE_OF_BILL_PATTERN = re.compile(r"^0?([1-8])([1-9])([0-9A-Z])$")


def parse_type_of_bill(value: str) -> TypeOfBill:
    """Parse ``0131`` or ``131`` into its parts; raise ValidationError on a malformed value.

    Facility types 5 and 9 are reserved by the NUBC and classification 0 is never assigned, so
    they are rejected; letters are allowed as frequency codes because Medicare defines some.
    """
    code = "".join(str(value).split()).upper()
    match = _TYPE_OF_BILL_PATTERN.fullmatch(code)
    if match is None or match.group(1) not in FACILITY_TYPES:
        raise ValidationError(TYPE_OF_BILL_FORMAT_MESSAGE, code="invalid")
    return TypeOfBill(*match.groups())


def validate_type_of_bill(value: str) -> None:
    """Validator form of :func:`parse_type_of_bill`."""
    parse_type_of_bill(value)


# --------------------------------------------------------------------------------------------
# Provider taxonomy, CARC and RARC formats
# --------------------------------------------------------------------------------------------

TAXONOMY_PATTERN = re.compile(r"^[0-9A-Z]{9}X$")
TAXONOMY_FORMAT_MESSAGE = (
    "A provider taxonomy code is 10 letters or digits ending in X, for example 207Q00000X."
)

CARC_PATTERN = re.compile(r"^([0-9]{1,3}|[A-Z][0-9]{1,2})$")
CARC_FORMAT_MESSAGE = "A claim adjustment reason code is 1-3 digits or a letter and digits (A1)."

RARC_PATTERN = re.compile(r"^(M|MA|N)[0-9]{1,4}$")
RARC_FORMAT_MESSAGE = "A remark code starts with M, MA or N followed by digits, for example N130."


def _check_format(pattern: re.Pattern[str], message: str, value: str) -> None:
    if not pattern.fullmatch("".join(str(value).split()).upper()):
        raise ValidationError(message, code="invalid")


# Module-level functions (not closures) so that model fields can name them in migrations.


def validate_taxonomy_code(value: str) -> None:
    """Raise unless the value has the NUCC shape; the shipped table is a subset, so no lookup."""
    _check_format(TAXONOMY_PATTERN, TAXONOMY_FORMAT_MESSAGE, value)


def validate_carc_format(value: str) -> None:
    """Raise unless the value has the shape of a claim adjustment reason code (X12 CAS02)."""
    _check_format(CARC_PATTERN, CARC_FORMAT_MESSAGE, value)


def validate_rarc_format(value: str) -> None:
    """Raise unless the value has the shape of a remittance advice remark code."""
    _check_format(RARC_PATTERN, RARC_FORMAT_MESSAGE, value)
