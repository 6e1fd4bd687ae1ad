"""CARIN Blue Button ``ExplanationOfBenefit`` (R4) from plain dataclasses: pure Python.

The caller (``portico.remittance.fhir_api``) turns an adjudicated claim into an ``EobClaim``;
``eob_resource`` maps it to the CARIN BB profile that fits the claim: Professional /
NonClinician (837P, CMS-1500) or Inpatient / Outpatient Institutional (837I, UB-04; inpatient
when the type of bill starts with 11 or 12, or the claim has an admission date). The patient,
coverage, insurer and provider are contained resources so that the EOB stands alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CARIN = "http://hl7.org/fhir/us/carin-bb"
PROFILE_PROFESSIONAL = (
    f"{CARIN}/StructureDefinition/C4BB-ExplanationOfBenefit-Professional-NonClinician"
)
PROFILE_INPATIENT = f"{CARIN}/StructureDefinition/C4BB-ExplanationOfBenefit-Inpatient-Institutional"
PROFILE_OUTPATIENT = (
    f"{CARIN}/StructureDefinition/C4BB-ExplanationOfBenefit-Outpatient-Institutional"
)
CS_ADJUDICATION = f"{CARIN}/CodeSystem/C4BBAdjudication"
CS_ADJ_DISCRIMINATOR = f"{CARIN}/CodeSystem/C4BBAdjudicationDiscriminator"
CS_IDENTIFIER_TYPE = f"{CARIN}/CodeSystem/C4BBIdentifierType"
CS_SUPPORTING_INFO = f"{CARIN}/CodeSystem/C4BBSupportingInfoType"
CS_PAYER_ADJ_STATUS = f"{CARIN}/CodeSystem/C4BBPayerAdjudicationStatus"
CS_INSTITUTIONAL_SUBTYPE = f"{CARIN}/CodeSystem/C4BBInstitutionalClaimSubType"
CS_CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
CS_ADJ_STD = "http://terminology.hl7.org/CodeSystem/adjudication"
CS_CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
CS_RARC = "https://x12.org/codes/remittance-advice-remark-codes"
CS_CPT = "http://www.ama-assn.org/go/cpt"
CS_REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
CS_ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CS_POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
CS_TOB = "https://www.nubc.org/CodeSystem/TypeOfBill"
CS_NPI = "http://hl7.org/fhir/sid/us-npi"
CS_V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CS_PAYEE_TYPE = "http://terminology.hl7.org/CodeSystem/payeetype"
CS_DIAG_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
CS_CARETEAM_ROLE = "http://terminology.hl7.org/CodeSystem/claimcareteamrole"
CS_PAYMENT_TYPE = "http://terminology.hl7.org/CodeSystem/ex-paymenttype"


@dataclass
class EobAdjustment:
    group: str  # CO, PR, OA, PI
    reason: str  # CARC
    amount: Decimal


@dataclass
class EobLine:
    sequence: int
    charge: Decimal
    procedure_code: str = ""
    modifiers: list[str] = field(default_factory=list)
    revenue_code: str = ""
    service_date: dt.date | None = None
    units: Decimal = Decimal(1)
    allowed: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    deductible: Decimal = Decimal(0)
    coinsurance: Decimal = Decimal(0)
    copay: Decimal = Decimal(0)
    patient_responsibility: Decimal = Decimal(0)
    adjustments: list[EobAdjustment] = field(default_factory=list)
    remark_codes: list[str] = field(default_factory=list)
    place_of_service: str = ""
    diagnosis_pointers: list[int] = field(default_factory=list)
    denied: bool = False


@dataclass
class EobClaim:
    id: str  # the resource id
    claim_number: str
    kind: str  # "professional" | "institutional"
    created: dt.datetime  # adjudication time
    last_updated: dt.datetime
    patient_id: str
    patient_member_id: str
    patient_family: str
    patient_given: str = ""
    patient_birth_date: dt.date | None = None
    patient_gender: str = "unknown"
    insurer_name: str = ""
    insurer_payer_id: str = ""
    provider_npi: str = ""
    provider_name: str = ""
    rendering_npi: str = ""
    rendering_name: str = ""
    billable_start: dt.date | None = None
    billable_end: dt.date | None = None
    received: dt.date | None = None
    cancelled: bool = False
    outcome: str = "complete"  # complete | partial | queued | error
    adjudication_status: str = "paid"  # paid | denied (C4BBPayerAdjudicationStatus: innetwork...)
    type_of_bill: str = ""
    place_of_service: str = ""
    admission_date: dt.date | None = None
    discharge_status: str = ""
    diagnoses: list[str] = field(default_factory=list)  # ICD-10-CM, principal first
    lines: list[EobLine] = field(default_factory=list)
    total_charge: Decimal = Decimal(0)
    total_allowed: Decimal = Decimal(0)
    total_paid: Decimal = Decimal(0)
    total_patient_responsibility: Decimal = Decimal(0)
    payment_date: dt.date | None = None
    payment_trace: str = ""
    payment_amount: Decimal | None = None
    coverage_id: str = ""
    plan_name: str = ""


def _money(value: Decimal | int | float) -> dict[str, Any]:
    return {"value": float(Decimal(value).quantize(Decimal("0.01"))), "currency": "USD"}


def _cc(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _adj(code: str, amount: Decimal, *, system: str = CS_ADJUDICATION) -> dict[str, Any]:
    return {"category": _cc(system, code), "amount": _money(amount)}


def is_inpatient(claim: EobClaim) -> bool:
    return (
        claim.type_of_bill[-3:-1] in ("11", "12")
        if claim.type_of_bill
        else bool(claim.admission_date)
    )


def profile_for(claim: EobClaim) -> str:
    if claim.kind != "institutional":
        return PROFILE_PROFESSIONAL
    return PROFILE_INPATIENT if is_inpatient(claim) else PROFILE_OUTPATIENT


def _line_adjudications(line: EobLine) -> list[dict[str, Any]]:
    out = [
        _adj("submitted", line.charge, system=CS_ADJ_STD),
        _adj("eligible", line.allowed, system=CS_ADJ_STD),
        _adj("deductible", line.deductible, system=CS_ADJ_STD),
        _adj("copay", line.copay, system=CS_ADJ_STD),
        _adj("coinsurance", line.coinsurance, system=CS_ADJ_STD),
        _adj("paidtoprovider", line.paid),
        _adj("memberliability", line.patient_responsibility),
        _adj("noncovered", line.charge - line.allowed),
        {
            "category": _cc(
                CS_ADJ_DISCRIMINATOR, "denialreason" if line.denied else "allowedunits"
            ),
            **(
                {"reason": _cc(CS_CARC, line.adjustments[0].reason)}
                if line.denied and line.adjustments
                else {}
            ),
            **({} if line.denied else {"value": float(line.units)}),
        },
    ]
    for a in line.adjustments:
        if a.group == "PR" or line.denied:
            continue
        out.append(
            {
                "category": _cc(CS_ADJUDICATION, "noncovered"),
                "reason": _cc(CS_CARC, a.reason, f"{a.group}-{a.reason}"),
                "amount": _money(a.amount),
            }
        )
    return out


def _item(claim: EobClaim, line: EobLine) -> dict[str, Any]:
    if line.procedure_code:
        coding = [{"system": CS_CPT, "code": line.procedure_code}]
    else:
        coding = [{"system": CS_REVENUE, "code": line.revenue_code}]
    item: dict[str, Any] = {
        "sequence": line.sequence,
        "productOrService": {"coding": coding},
        "quantity": {"value": float(line.units)},
        "net": _money(line.charge),
        "adjudication": _line_adjudications(line),
    }
    if line.revenue_code and line.procedure_code:
        item["revenue"] = _cc(CS_REVENUE, line.revenue_code)
    if line.modifiers:
        item["modifier"] = [{"coding": [{"system": CS_CPT, "code": m}]} for m in line.modifiers]
    if line.service_date:
        item["servicedDate"] = line.service_date.isoformat()
    pos = line.place_of_service or claim.place_of_service
    if claim.kind != "institutional" and pos:
        item["locationCodeableConcept"] = _cc(CS_POS, pos)
    if line.diagnosis_pointers and claim.kind != "institutional":
        item["diagnosisSequence"] = [
            p for p in line.diagnosis_pointers if p <= len(claim.diagnoses)
        ]
        if not item["diagnosisSequence"]:
            del item["diagnosisSequence"]
    if line.remark_codes:
        item["noteNumber"] = list(range(1, len(line.remark_codes) + 1))
    return item


def eob_resource(claim: EobClaim) -> dict[str, Any]:
    """The CARIN BB ``ExplanationOfBenefit`` of one adjudicated claim."""
    institutional = claim.kind == "institutional"
    profile = profile_for(claim)
    contained: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": "patient",
            "identifier": [
                {
                    "type": _cc(CS_IDENTIFIER_TYPE, "um", "Unique Member ID"),
                    "value": claim.patient_member_id,
                }
            ],
            "name": [
                {
                    "family": claim.patient_family,
                    **({"given": [claim.patient_given]} if claim.patient_given else {}),
                }
            ],
            "gender": claim.patient_gender,
            **(
                {"birthDate": claim.patient_birth_date.isoformat()}
                if claim.patient_birth_date
                else {}
            ),
        },
        {
            "resourceType": "Organization",
            "id": "insurer",
            "active": True,
            "name": claim.insurer_name or "Health plan",
            **(
                {
                    "identifier": [
                        {
                            "type": _cc(CS_IDENTIFIER_TYPE, "payerid"),
                            "value": claim.insurer_payer_id,
                        }
                    ]
                }
                if claim.insurer_payer_id
                else {}
            ),
        },
        {
            "resourceType": "Organization",
            "id": "provider",
            "active": True,
            "name": claim.provider_name or "Billing provider",
            **(
                {"identifier": [{"system": CS_NPI, "value": claim.provider_npi}]}
                if claim.provider_npi
                else {}
            ),
        },
        {
            "resourceType": "Coverage",
            "id": "coverage",
            "status": "active",
            "subscriberId": claim.patient_member_id,
            "beneficiary": {"reference": "#patient"},
            "payor": [{"reference": "#insurer"}],
            **(
                {
                    "class": [
                        {
                            "type": _cc(
                                "http://terminology.hl7.org/CodeSystem/coverage-class", "plan"
                            ),
                            "value": claim.coverage_id or claim.patient_member_id,
                            "name": claim.plan_name,
                        }
                    ]
                }
                if claim.plan_name
                else {}
            ),
        },
    ]
    supporting: list[dict[str, Any]] = []
    seq = 1
    if claim.received:
        supporting.append(
            {
                "sequence": seq,
                "category": _cc(CS_SUPPORTING_INFO, "clmrecvddate"),
                "timingDate": claim.received.isoformat(),
            }
        )
        seq += 1
    supporting.append(
        {
            "sequence": seq,
            "category": _cc(CS_SUPPORTING_INFO, "billingnetworkcontractingstatus"),
            "code": _cc(f"{CARIN}/CodeSystem/C4BBPayerAdjudicationStatus", "contracted"),
        }
    )
    seq += 1
    if institutional and claim.type_of_bill:
        supporting.append(
            {
                "sequence": seq,
                "category": _cc(CS_SUPPORTING_INFO, "typeofbill"),
                "code": _cc(CS_TOB, claim.type_of_bill),
            }
        )
        seq += 1
    if institutional and claim.admission_date and is_inpatient(claim):
        supporting.append(
            {
                "sequence": seq,
                "category": _cc(CS_SUPPORTING_INFO, "admissionperiod"),
                "timingPeriod": {"start": claim.admission_date.isoformat()},
            }
        )
        seq += 1
    if institutional and claim.discharge_status:
        supporting.append(
            {
                "sequence": seq,
                "category": _cc(CS_SUPPORTING_INFO, "discharge-status"),
                "code": _cc(
                    "https://www.nubc.org/CodeSystem/PatDischargeStatus", claim.discharge_status
                ),
            }
        )
        seq += 1
    diagnoses = []
    for i, code in enumerate(claim.diagnoses, start=1):
        kind = "principal" if i == 1 else "secondary"
        diagnoses.append(
            {
                "sequence": i,
                "diagnosisCodeableConcept": _cc(CS_ICD10, code),
                "type": [
                    _cc(
                        CS_DIAG_TYPE
                        if kind == "principal"
                        else f"{CARIN}/CodeSystem/C4BBClaimDiagnosisType",
                        kind,
                    )
                ],
            }
        )
    notes = []
    n = 1
    for line in claim.lines:
        for rarc in line.remark_codes:
            notes.append(
                {"number": n, "type": "display", "text": f"Line {line.sequence}: remark {rarc}"}
            )
            n += 1
    resource: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit",
        "id": claim.id,
        "meta": {
            "lastUpdated": claim.last_updated.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "profile": [profile],
        },
        "contained": contained,
        "identifier": [
            {
                "type": _cc(CS_IDENTIFIER_TYPE, "uc", "Unique Claim ID"),
                "system": "urn:portico:claim-number",
                "value": claim.claim_number,
            }
        ],
        "status": "cancelled" if claim.cancelled else "active",
        "type": _cc(CS_CLAIM_TYPE, "institutional" if institutional else "professional"),
        "use": "claim",
        "patient": {"reference": "#patient"},
        "billablePeriod": {
            **({"start": claim.billable_start.isoformat()} if claim.billable_start else {}),
            **({"end": claim.billable_end.isoformat()} if claim.billable_end else {}),
        },
        "created": claim.created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "insurer": {"reference": "#insurer", "display": claim.insurer_name or "Health plan"},
        "provider": {
            "reference": "#provider",
            "display": claim.provider_name or "Billing provider",
        },
        "payee": {
            "type": _cc(CS_PAYEE_TYPE, "provider"),
            "party": {"reference": "#provider"},
        },
        "outcome": claim.outcome,
        "supportingInfo": supporting,
        "insurance": [{"focal": True, "coverage": {"reference": "#coverage"}}],
        "item": [_item(claim, line) for line in claim.lines],
        "adjudication": [
            {
                "category": _cc(CS_ADJ_DISCRIMINATOR, "billingnetworkstatus"),
                "reason": _cc(f"{CARIN}/CodeSystem/C4BBPayerAdjudicationStatus", "innetwork"),
            }
        ],
        "total": [
            _adj("submitted", claim.total_charge, system=CS_ADJ_STD),
            _adj("eligible", claim.total_allowed, system=CS_ADJ_STD),
            _adj("paidtoprovider", claim.total_paid),
            _adj("memberliability", claim.total_patient_responsibility),
            _adj("noncovered", claim.total_charge - claim.total_allowed),
        ],
    }
    if institutional:
        resource["subType"] = _cc(
            CS_INSTITUTIONAL_SUBTYPE, "inpatient" if is_inpatient(claim) else "outpatient"
        )
    if claim.rendering_npi:
        contained.append(
            {
                "resourceType": "Practitioner",
                "id": "rendering",
                "identifier": [{"system": CS_NPI, "value": claim.rendering_npi}],
                **({"name": [{"text": claim.rendering_name}]} if claim.rendering_name else {}),
            }
        )
        resource["careTeam"] = [
            {
                "sequence": 1,
                "provider": {"reference": "#rendering"},
                "role": _cc(
                    CS_CARETEAM_ROLE
                    if not institutional
                    else f"{CARIN}/CodeSystem/C4BBClaimCareTeamRole",
                    "performing" if not institutional else "attending",
                ),
            }
        ]
    if diagnoses:
        resource["diagnosis"] = diagnoses
    if notes:
        resource["processNote"] = notes
    if not resource["billablePeriod"]:
        del resource["billablePeriod"]
    if claim.payment_date:
        payment: dict[str, Any] = {
            "type": _cc(CS_PAYMENT_TYPE, "complete"),
            "date": claim.payment_date.isoformat(),
        }
        if claim.payment_amount is not None:
            payment["amount"] = _money(claim.payment_amount)
        if claim.payment_trace:
            payment["identifier"] = {"value": claim.payment_trace}
        resource["payment"] = payment
    return resource
