"""REST schemas of the Claims Online Portal (input validation and output shapes only)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from portico.claims.models import AppealReason


class DiagnosisIn(Schema):
    code: str = Field(max_length=10)
    qualifier: str = "other"


class LineIn(Schema):
    procedure_code: str = Field("", max_length=5)
    modifiers: list[str] = Field(default_factory=list, max_length=4)
    revenue_code: str = Field("", max_length=4)
    diagnosis_pointers: list[int] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(Decimal("1"), max_digits=9, decimal_places=3)
    unit_type: str = "UN"
    charge: Decimal = Field(max_digits=12, decimal_places=2)
    service_date: dt.date | None = None
    service_date_to: dt.date | None = None
    place_of_service: str = Field("", max_length=2)
    ndc: str = Field("", max_length=13)
    rendering_npi: str = Field("", max_length=10)
    description: str = Field("", max_length=80)


class ClaimIn(Schema):
    kind: str = "professional"
    frequency: str = "1"
    original_claim_number: str = Field("", max_length=20)
    billing_tin: str = Field(max_length=10)
    billing_npi: str = Field(max_length=10)
    billing_name: str = Field(max_length=200)
    rendering_npi: str = Field("", max_length=10)
    rendering_name: str = Field("", max_length=200)
    referring_npi: str = Field("", max_length=10)
    referring_name: str = Field("", max_length=200)
    attending_npi: str = Field("", max_length=10)
    attending_name: str = Field("", max_length=200)
    facility_npi: str = Field("", max_length=10)
    facility_name: str = Field("", max_length=200)
    payer_id: str = Field(max_length=20)
    member_id: str = Field(max_length=30)
    patient_first_name: str = Field("", max_length=100)
    patient_last_name: str = Field("", max_length=100)
    patient_dob: dt.date | None = None
    patient_account_number: str = Field(max_length=38)
    place_of_service: str = Field("", max_length=2)
    type_of_bill: str = Field("", max_length=4)
    admission_date: dt.date | None = None
    admission_type: str = Field("", max_length=1)
    admission_source: str = Field("", max_length=1)
    patient_status: str = Field("", max_length=2)
    discharge_date: dt.date | None = None
    service_date_from: dt.date
    service_date_to: dt.date | None = None
    total_charge: Decimal = Field(max_digits=12, decimal_places=2)
    prior_auth_number: str = Field("", max_length=50)
    referral_number: str = Field("", max_length=50)
    note: str = Field("", max_length=80)
    diagnoses: list[DiagnosisIn] = Field(max_length=12)
    lines: list[LineIn] = Field(max_length=50)
    idempotency_key: str = Field("", max_length=150)


class StatusEventOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    note: str
    category_code: str
    status_code: str


class AdjustmentOut(Schema):
    group_code: str
    reason_code: str
    amount: Decimal


class LineOut(Schema):
    line_number: int
    procedure_code: str
    modifiers: list[str]
    revenue_code: str
    diagnosis_pointers: str
    units: Decimal
    charge: Decimal | None = Field(description="Empty only on a draft's line saved without it.")
    service_date: dt.date | None
    service_date_to: dt.date | None
    status: str
    allowed: Decimal | None
    paid: Decimal | None
    patient_responsibility: Decimal | None
    adjustments: list[AdjustmentOut]
    remark_codes: str


class ClaimSummaryOut(Schema):
    number: str
    status: str
    status_label: str
    kind: str
    frequency: str
    billing_tin: str
    patient_account_number: str
    member_id: str
    patient_name: str
    service_date_from: dt.date | None
    service_date_to: dt.date | None
    total_charge: Decimal | None = Field(description="Empty only on a draft saved without it.")
    paid_total: Decimal | None
    submitted_at: dt.datetime | None


class AttachmentOut(Schema):
    id: int
    report_type: str
    transmission_code: str
    control_number: str
    filename: str
    size: int
    received: bool


class AppealOut(Schema):
    number: str
    claim_number: str
    line_number: int | None
    reason: str
    explanation: str
    status: str
    status_label: str
    filed_at: dt.datetime
    decided_at: dt.datetime | None
    decision_notes: str
    attachments: list[str]


class ClaimOut(ClaimSummaryOut):
    payer_id: str
    original_claim_number: str
    billing_npi: str
    billing_name: str
    rendering_npi: str
    referring_npi: str
    attending_npi: str
    facility_npi: str
    patient_dob: dt.date | None
    place_of_service: str
    type_of_bill: str
    prior_auth_number: str
    referral_number: str
    allowed_total: Decimal | None
    patient_responsibility_total: Decimal | None
    diagnoses: list[str]
    lines: list[LineOut]
    history: list[StatusEventOut]
    attachments: list[AttachmentOut]
    appeals: list[AppealOut]


class ClaimPageOut(Schema):
    results: list[ClaimSummaryOut]
    next_cursor: str
    prev_cursor: str


class ClaimStatusOut(Schema):
    number: str
    status: str
    status_label: str
    status_changed_at: dt.datetime
    category_code: str
    status_code: str
    paid_total: Decimal | None


class AppealIn(Schema):
    reason: str = Field(description="One of: " + ", ".join(AppealReason.values))
    explanation: str = Field(max_length=4000)
    line_number: int | None = None
    amount_disputed: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    idempotency_key: str = Field("", max_length=64)
