"""API schemas of the prior-authorization router: input shape only (the services decide)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class PriorAuthLineIn(Schema):
    code: str = Field(description="CPT or HCPCS code")
    units: int | None = Field(default=None, description="Units requested (1 or more)")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    modifier: str = ""


class RequestIn(Schema):
    payer_id: str = Field(description="The health plan's payer ID")
    service_category: str = Field(
        description="A code from GET /service-categories (spine-surgery, pain-management, …)"
    )
    member_id: str
    member_birth_date: dt.date | None = None
    service_date: dt.date | None = None
    requesting_provider_npi: str
    servicing_provider_npi: str = ""
    facility_name: str = ""
    facility_npi: str = ""
    diagnoses: list[str] = Field(default_factory=list, description="ICD-10-CM codes")
    urgency: str = Field(default="standard", description="standard | expedited")
    expedited_attestation: bool = False
    expedited_reason: str = ""
    clinical_answers: dict[str, str] = Field(
        default_factory=dict,
        description="The category's questions by key (GET /service-categories); yesno "
        "questions take yes or no, number questions a whole number",
    )
    clinical_notes: str = ""
    lines: list[PriorAuthLineIn] = Field(default_factory=list)
    confirm_duplicate: bool = False


class PriorAuthLineOut(Schema):
    line_no: int
    code: str
    units: int
    start_date: dt.date
    end_date: dt.date
    decision: str
    approved_units: int | None
    approved_start: dt.date | None
    approved_end: dt.date | None
    auth_number: str
    deny_reason: str


class RequestOut(Schema):
    reference: str
    plan: str
    status: str
    status_label: str
    status_meaning: str
    urgency: str
    submitted_at: dt.datetime | None
    due_at: dt.datetime | None
    member_id: str
    withdrawn: bool
    lines: list[PriorAuthLineOut]


class RequestPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[RequestOut]


class LetterOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    created_at: dt.datetime
    available_until: dt.datetime | None
    available: bool
    read: bool
    download_url: str


class RequiredOut(Schema):
    payer_id: str
    code: str
    required: bool
    message: str


class ClinicalQuestionOut(Schema):
    key: str = Field(description="The key of its answer in a request's clinical_answers")
    text: str
    kind: str = Field(description="yesno, number (a whole number) or text")
    required: bool
    choices: list[str] = Field(description="The answers a yesno question takes")


class ServiceCategoryOut(Schema):
    code: str = Field(description="A request's service_category")
    name: str
    questions: list[ClinicalQuestionOut]
