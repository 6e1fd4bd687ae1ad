"""API schemas of payments and remittance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema


class PaymentOut(Schema):
    number: str
    method: str
    method_label: str
    trace_number: str
    payment_date: dt.date
    amount: Decimal
    payer: str
    payer_id: str
    payee_tin: str
    payee_name: str
    claim_count: int
    eob_pdf_url: str
    remittance_835_url: str


class PaymentClaimOut(Schema):
    claim_number: str
    kind: str
    status_code: str
    patient_account_number: str
    patient_name: str
    member_id: str
    service_date: dt.date | None
    billed: Decimal
    allowed: Decimal
    adjustments: Decimal
    patient_responsibility: Decimal
    paid: Decimal
    flags: list[str]


class ProviderAdjustmentOut(Schema):
    reason_code: str
    reference: str
    amount: Decimal


class PaymentDetailOut(PaymentOut):
    claims: list[PaymentClaimOut]
    provider_adjustments: list[ProviderAdjustmentOut]
    billed_total: Decimal
    claims_paid_total: Decimal
    provider_adjustment_total: Decimal
    totals_match: bool
    unmatched: list[str]


class PaymentPageOut(Schema):
    count: int
    page: int
    results: list[PaymentOut]
