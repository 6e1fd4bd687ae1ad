"""API schemas of the support router: input validation only (the services decide)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field, field_validator


class CaseClaimIn(Schema):
    payer_id: str = Field(default="", description="Payer ID; the configured default when empty")
    patient_name: str = Field(description="Subscriber or Patient Name")
    member_id: str = Field(description="Plan's member identifier for the subscriber")
    service_date: dt.date | None = Field(default=None, description="Date of Service")
    statement_from: dt.date | None = Field(default=None, description="Statement Dates: from")
    statement_to: dt.date | None = Field(default=None, description="Statement Dates: to")
    billed_amount: Decimal = Field(description="Total Claim Charge Amount")
    date_submitted: dt.date = Field(description="Date the transaction was submitted")
    ect_number: str | None = Field(default=None, description="DO NOT USE: must be absent")
    patient_account_number: str = Field(default="", max_length=38)

    @field_validator("ect_number")
    @classmethod
    def _no_ect(cls, value: str | None) -> str | None:
        if value:
            raise ValueError("ECT Number is not used; leave it out.")
        return None


class CaseCreateIn(Schema):
    case_type: str = "claim"
    subject: str = Field(max_length=255)
    description: str = Field(max_length=10000)
    claim: CaseClaimIn | None = None


class CommentIn(Schema):
    body: str = Field(max_length=10000)


class StaffCommentIn(Schema):
    body: str = Field(max_length=10000)
    internal: bool = Field(
        default=False, description="An internal note, never shown to the customer"
    )
    new_status: str = ""


class StatusIn(Schema):
    status: str
    note: str = Field(default="", max_length=255)


class CaseClaimOut(Schema):
    payer_id: str
    patient_name: str
    member_id: str
    service_date: dt.date | None
    statement_from: dt.date | None
    statement_to: dt.date | None
    billed_amount: Decimal | None
    date_submitted: dt.date | None
    patient_account_number: str


class CaseSummaryOut(Schema):
    number: str
    case_type: str
    case_type_name: str
    status: str
    status_label: str
    subject: str
    opened_by: str
    created_at: dt.datetime
    last_activity_at: dt.datetime
    merged_into: str | None


class TimelineEntryOut(Schema):
    kind: str  # "comment" | "attachment" | "event"
    at: dt.datetime
    author: str
    body: str = ""
    file_name: str = ""
    attachment_id: int | None = None
    from_status: str = ""
    to_status: str = ""
    from_case: str = ""


class StaffTimelineEntryOut(TimelineEntryOut):
    internal: bool


class CaseOut(CaseSummaryOut):
    description: str
    claim: CaseClaimOut | None
    timeline: list[TimelineEntryOut]


class StaffCaseOut(CaseSummaryOut):
    description: str
    organization: str
    assignee: str | None
    sla_due_at: dt.datetime | None
    overdue: bool
    claim: CaseClaimOut | None
    timeline: list[StaffTimelineEntryOut]


class CasePageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[CaseSummaryOut]
