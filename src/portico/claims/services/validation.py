"""Front-end edits of a claim, shared by the web form (as the user types), the REST API and
the X12 intake: ICD-10-CM validity, code formats, NPIs, coverage on the date of service, line
charges adding up to the total, dates in order.

Checks return messages keyed by field path (``billing_npi``, ``diagnoses.0.code``,
``lines.1.charge``, ``__all__``) so a form can show each beside its field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from portico.claims.models import ClaimFrequency, ClaimKind
from portico.codes.models import PlaceOfService
from portico.codes.validators import (
    normalize_icd10_code,
    normalize_procedure_code,
    parse_type_of_bill,
    validate_icd10_code,
    validate_place_of_service,
    validate_procedure_code,
    validate_procedure_modifier,
)
from portico.core.decimals import money_problem, quantity_problem
from portico.members.models import Coverage, HealthPlan, Member
from portico.members.selectors import coverage_on
from portico.x12.reader837 import is_valid_npi

MAX_DIAGNOSES = 12
MAX_LINES = 50
_REVENUE = re.compile(r"^[0-9]{4}$")
_TIN = re.compile(r"^[0-9]{9}$")
_NDC = re.compile(r"^[0-9]{11}$")
_ICD10_FORMAT = re.compile(r"^[A-TV-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")

Errors = dict[str, list[str]]
ADMISSION_TYPES = frozenset({"1", "2", "3", "4", "5", "9"})
_ADMISSION_SOURCE = re.compile(r"[0-9A-Z]")
_PATIENT_STATUS = re.compile(r"(0[1-9]|[1-9][0-9])")


@dataclass
class DiagnosisData:
    code: str
    qualifier: str = "other"


@dataclass
class LineData:
    procedure_code: str = ""
    modifiers: list[str] = field(default_factory=list)
    revenue_code: str = ""
    diagnosis_pointers: list[int] = field(default_factory=list)
    units: Decimal = Decimal("1")
    unit_type: str = "UN"
    charge: Decimal | None = None
    service_date: dt.date | None = None
    service_date_to: dt.date | None = None
    place_of_service: str = ""
    ndc: str = ""
    rendering_npi: str = ""
    description: str = ""


@dataclass
class ClaimData:
    """One claim as a provider enters it (web form or JSON)."""

    kind: str = ClaimKind.PROFESSIONAL
    frequency: str = ClaimFrequency.ORIGINAL
    original_claim_number: str = ""
    billing_tin: str = ""
    billing_npi: str = ""
    billing_name: str = ""
    rendering_npi: str = ""
    rendering_name: str = ""
    referring_npi: str = ""
    referring_name: str = ""
    attending_npi: str = ""
    attending_name: str = ""
    facility_npi: str = ""
    facility_name: str = ""
    payer_id: str = ""
    member_id: str = ""
    patient_first_name: str = ""
    patient_last_name: str = ""
    patient_dob: dt.date | None = None
    patient_account_number: str = ""
    place_of_service: str = ""
    type_of_bill: str = ""
    admission_date: dt.date | None = None
    admission_type: str = ""
    admission_source: str = ""
    patient_status: str = ""
    discharge_date: dt.date | None = None
    service_date_from: dt.date | None = None
    service_date_to: dt.date | None = None
    total_charge: Decimal | None = None
    prior_auth_number: str = ""
    referral_number: str = ""
    note: str = ""
    diagnoses: list[DiagnosisData] = field(default_factory=list)
    lines: list[LineData] = field(default_factory=list)


@dataclass
class Resolved:
    """What validation found in the database: the plan, member and coverage to link."""

    plan: HealthPlan | None = None
    member: Member | None = None
    coverage: Coverage | None = None


def _add(errors: Errors, key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def check_npi(value: str) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{10}", value):
        return "An NPI is 10 digits."
    if not is_valid_npi(value):
        return f"{value} is not a valid NPI (its check digit is wrong)."
    return None


def check_icd10(code: str) -> str | None:
    """None when ``code`` is a current billable ICD-10-CM code (format only without data)."""
    try:
        validate_icd10_code(code)
    except ValidationError as exc:
        return str(exc.messages[0])
    except ImproperlyConfigured:
        if not _ICD10_FORMAT.fullmatch(normalize_icd10_code(code)):
            return "An ICD-10-CM code is a letter, 2 characters, and up to 4 more (e.g. M54.50)."
    return None


def check_procedure(code: str) -> str | None:
    try:
        validate_procedure_code(code)
    except ValidationError as exc:
        return str(exc.messages[0])
    return None


def check_modifier(code: str) -> str | None:
    try:
        validate_procedure_modifier(code)
    except ValidationError as exc:
        return str(exc.messages[0])
    return None


def check_place_of_service(code: str) -> str | None:
    try:
        validate_place_of_service(code)
    except ValidationError as exc:
        if exc.error_list[0].code == "unknown" and not PlaceOfService.objects.exists():
            return None  # no code set loaded: the format was right
        return str(exc.messages[0])
    return None


def check_type_of_bill(code: str) -> str | None:
    try:
        parse_type_of_bill(code)
    except ValidationError as exc:
        return str(exc.messages[0])
    return None


def resolve_member(data: ClaimData, errors: Errors) -> Resolved:
    """Find the plan (payer ID), the member and the coverage in force on the date of service."""
    res = Resolved()
    if data.payer_id:
        res.plan = HealthPlan.objects.filter(payer_id=data.payer_id.strip()).first()
        if res.plan is None:
            _add(errors, "payer_id", f"{data.payer_id} is not a payer ID we process claims for.")
    if not data.member_id:
        return res
    qs = Member.objects.filter(member_id=data.member_id.strip().upper())
    if res.plan is not None:
        qs = qs.filter(plan=res.plan)
    res.member = qs.select_related("plan").prefetch_related("coverages").first()
    if res.member is None:
        _add(errors, "member_id", "No member with this ID is enrolled with this payer.")
        return res
    if res.plan is None:
        res.plan = res.member.plan
    if data.service_date_from:
        res.coverage = coverage_on(member=res.member, on=data.service_date_from)
        if res.coverage is None:
            _add(
                errors,
                "service_date_from",
                f"The member had no coverage on {data.service_date_from:%m/%d/%Y}.",
            )
        elif data.service_date_to and not res.coverage.covers(data.service_date_to):
            _add(
                errors,
                "service_date_to",
                f"The member's coverage ended before {data.service_date_to:%m/%d/%Y}.",
            )
    if data.patient_dob and res.member.date_of_birth != data.patient_dob:
        _add(errors, "patient_dob", "The date of birth does not match the member's record.")
    return res


def unfit_amounts(data: ClaimData) -> Errors:
    """Charges and units that cannot be stored (negative, too large, too many decimals): never
    saved, not even in a draft."""
    errors: Errors = {}
    total = data.total_charge
    if total is not None and (
        problem := money_problem(total, "total charge")
        or ("The total charge can't be negative." if total < 0 else "")
    ):
        _add(errors, "total_charge", problem)
    for i, ln in enumerate(data.lines):
        charge = ln.charge
        if charge is not None and (
            problem := money_problem(charge, "charge")
            or ("A charge can't be negative." if charge < 0 else "")
        ):
            _add(errors, f"lines.{i}.charge", problem)
        if ln.units is not None and (problem := quantity_problem(ln.units, "number of units")):
            _add(errors, f"lines.{i}.units", problem)
    return errors


def validate_claim(
    data: ClaimData, *, submit_tins: set[str], for_submit: bool = True
) -> tuple[Errors, Resolved]:
    """Every front-end edit. ``for_submit=False`` (draft) checks only what was filled in."""
    errors: Errors = {}
    req = for_submit
    today = timezone.localdate()
    institutional = data.kind == ClaimKind.INSTITUTIONAL
    if data.kind not in ClaimKind.values:
        _add(errors, "kind", "Choose professional or institutional.")
    if data.frequency not in ClaimFrequency.values:
        _add(errors, "frequency", "Choose original, replacement or void.")
    elif data.frequency != ClaimFrequency.ORIGINAL and req and not data.original_claim_number:
        _add(errors, "original_claim_number", "Enter the claim number this one replaces or voids.")
    tin = data.billing_tin.replace("-", "").strip()
    if not tin:
        if req:
            _add(errors, "billing_tin", "Choose the billing Tax ID.")
    elif not _TIN.fullmatch(tin):
        _add(errors, "billing_tin", "A Tax ID is 9 digits.")
    elif tin not in submit_tins:
        _add(errors, "billing_tin", "You are not allowed to submit claims for this Tax ID.")
    for name in ("billing", "rendering", "referring", "attending", "facility"):
        value = getattr(data, f"{name}_npi")
        problem = check_npi(value)
        if problem:
            _add(errors, f"{name}_npi", problem)
    if req and not data.billing_npi:
        _add(errors, "billing_npi", "Enter the billing provider's NPI.")
    if req and not data.billing_name:
        _add(errors, "billing_name", "Enter the billing provider's name.")
    if institutional and req and not data.attending_npi:
        _add(errors, "attending_npi", "Institutional claims need the attending provider's NPI.")
    if req and not data.payer_id:
        _add(errors, "payer_id", "Choose the payer.")
    if req and not data.member_id:
        _add(errors, "member_id", "Enter the member ID from the member's card.")
    if req and not data.patient_account_number:
        _add(errors, "patient_account_number", "Enter your patient account number.")
    elif len(data.patient_account_number) > 38:
        _add(errors, "patient_account_number", "At most 38 characters.")
    # Place of service / type of bill.
    if institutional:
        if data.type_of_bill:
            problem = check_type_of_bill(data.type_of_bill)
            if problem:
                _add(errors, "type_of_bill", problem)
        elif req:
            _add(errors, "type_of_bill", "Enter the type of bill, for example 0131.")
    elif data.place_of_service:
        problem = check_place_of_service(data.place_of_service)
        if problem:
            _add(errors, "place_of_service", problem)
    elif req:
        _add(errors, "place_of_service", "Enter the place of service, for example 11 (Office).")
    # Dates.
    start, end = data.service_date_from, data.service_date_to
    if req and start is None:
        _add(errors, "service_date_from", "Enter the first date of service.")
    if start and start > today:
        _add(errors, "service_date_from", "The date of service can't be in the future.")
    if start and end and end < start:
        _add(errors, "service_date_to", "The last date of service is before the first.")
    if end and end > today:
        _add(errors, "service_date_to", "The date of service can't be in the future.")
    if data.patient_dob and start and data.patient_dob > start:
        _add(errors, "patient_dob", "The date of birth is after the date of service.")
    if institutional and data.admission_date and start and data.admission_date > start:
        _add(errors, "admission_date", "The admission date is after the first date of service.")
    if data.discharge_date and data.admission_date and data.discharge_date < data.admission_date:
        _add(errors, "discharge_date", "The discharge date is before the admission date.")
    if data.discharge_date and data.discharge_date > today:
        _add(errors, "discharge_date", "The discharge date can't be in the future.")
    for name in ("service_date_from", "service_date_to", "patient_dob", "admission_date"):
        day = getattr(data, name)
        if day is not None and day.year < 1900:
            _add(errors, name, "Enter a date in 1900 or later.")
    if institutional:
        # NUBC codes (UB-04 form locators 14, 15 and 17), as the 837I's CL1 carries them.
        if data.admission_type and data.admission_type not in ADMISSION_TYPES:
            _add(errors, "admission_type", "Use an admission type code: 1–5 or 9.")
        if data.admission_source and not _ADMISSION_SOURCE.fullmatch(data.admission_source):
            _add(errors, "admission_source", "Use a point-of-origin code: one digit or letter.")
        if data.patient_status and not _PATIENT_STATUS.fullmatch(data.patient_status):
            _add(errors, "patient_status", "Use a two-digit discharge status code, e.g. 01.")
    # Diagnoses.
    dx = [d for d in data.diagnoses if d.code.strip()]
    if req and not dx:
        _add(errors, "diagnoses", "Enter at least one diagnosis (ICD-10-CM).")
    if len(dx) > MAX_DIAGNOSES:
        _add(errors, "diagnoses", f"At most {MAX_DIAGNOSES} diagnoses.")
    seen: set[str] = set()
    for i, d in enumerate(data.diagnoses):
        if not d.code.strip():
            continue
        problem = check_icd10(d.code)
        if problem:
            _add(errors, f"diagnoses.{i}.code", problem)
        norm = normalize_icd10_code(d.code)
        if norm in seen:
            _add(errors, f"diagnoses.{i}.code", "This diagnosis is already listed.")
        seen.add(norm)
    # Lines.
    lines = data.lines
    if req and not lines:
        _add(errors, "lines", "Enter at least one service line.")
    if len(lines) > MAX_LINES:
        _add(errors, "lines", f"At most {MAX_LINES} service lines.")
    for i, ln in enumerate(lines):
        key = f"lines.{i}"
        if institutional:
            if ln.revenue_code:
                if not _REVENUE.fullmatch(ln.revenue_code):
                    _add(errors, f"{key}.revenue_code", "A revenue code is 4 digits, e.g. 0450.")
            elif req:
                _add(errors, f"{key}.revenue_code", "Enter the revenue code.")
        if ln.procedure_code:
            problem = check_procedure(ln.procedure_code)
            if problem:
                _add(errors, f"{key}.procedure_code", problem)
        elif req and not institutional:
            _add(errors, f"{key}.procedure_code", "Enter the CPT/HCPCS code.")
        for j, mod in enumerate(m for m in ln.modifiers if m):
            problem = check_modifier(mod)
            if problem:
                _add(errors, f"{key}.modifier{j + 1}", problem)
        if len([m for m in ln.modifiers if m]) > 4:
            _add(errors, f"{key}.modifiers", "At most 4 modifiers.")
        if ln.charge is None and req:
            _add(errors, f"{key}.charge", "Enter the line charge.")
        if ln.units is None or ln.units <= 0:
            _add(errors, f"{key}.units", "Units must be more than 0.")
        if not institutional:
            if req and not ln.diagnosis_pointers:
                _add(errors, f"{key}.diagnosis_pointers", "Point the line at a diagnosis (1–12).")
            if len(ln.diagnosis_pointers) > 4:
                _add(errors, f"{key}.diagnosis_pointers", "At most 4 diagnosis pointers.")
            for p in ln.diagnosis_pointers:
                if p < 1 or p > len(dx):
                    _add(errors, f"{key}.diagnosis_pointers", f"There is no diagnosis {p}.")
        if ln.place_of_service:
            problem = check_place_of_service(ln.place_of_service)
            if problem:
                _add(errors, f"{key}.place_of_service", problem)
        if ln.rendering_npi:
            problem = check_npi(ln.rendering_npi)
            if problem:
                _add(errors, f"{key}.rendering_npi", problem)
        if ln.ndc and not _NDC.fullmatch(ln.ndc.replace("-", "")):
            _add(errors, f"{key}.ndc", "An NDC is 11 digits (5-4-2).")
        sd, ed = ln.service_date or start, ln.service_date_to or ln.service_date or end
        if req and sd is None:
            _add(errors, f"{key}.service_date", "Enter the line's date of service.")
        if (sd and start and sd < start) or (sd and end and sd > end):
            _add(errors, f"{key}.service_date", "The line's date is outside the claim's dates.")
        if sd and ed and ed < sd:
            _add(errors, f"{key}.service_date_to", "The line's last date is before its first.")
    # Totals (not summed while an amount cannot be stored; its own message says why).
    unfit = unfit_amounts(data)
    for key, messages in unfit.items():
        for message in messages:
            _add(errors, key, message)
    charges = [ln.charge for ln in lines if ln.charge is not None]
    if "total_charge" in unfit:
        pass
    elif data.total_charge is None:
        if req:
            _add(errors, "total_charge", "Enter the total charge.")
    elif (
        not unfit
        and lines
        and len(charges) == len(lines)
        and sum(charges, Decimal(0)) != data.total_charge
    ):
        _add(
            errors,
            "total_charge",
            f"The line charges add up to ${sum(charges, Decimal(0)):,.2f}, "
            f"not ${data.total_charge:,.2f}.",
        )
    res = resolve_member(data, errors)
    if req and res.member is None and not data.patient_last_name:
        _add(errors, "patient_last_name", "Enter the patient's last name.")
    return errors, res


def normalized_line_codes(ln: LineData) -> dict[str, Any]:
    mods = [normalize_procedure_code(m) for m in ln.modifiers if m][:4]
    mods += [""] * (4 - len(mods))
    return {
        "procedure_code": normalize_procedure_code(ln.procedure_code),
        "modifier1": mods[0],
        "modifier2": mods[1],
        "modifier3": mods[2],
        "modifier4": mods[3],
    }
