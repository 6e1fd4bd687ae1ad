"""X12 276 claim status inquiry → 277 response, answered from the user's claims only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from portico.claims.models import Claim, ClaimStatus
from portico.claims.selectors import claims_access
from portico.core.audit import audit_record
from portico.core.interchange import next_interchange_control_number
from portico.x12.ack277ca import ClaimStatus as StcCode
from portico.x12.ack999 import ExpectedGroup, build_999, reply_envelope
from portico.x12.errors import X12Error
from portico.x12.status276 import (
    ClaimStatusRequest,
    ClaimStatusResponse,
    StatusInquiry,
    StatusResult,
    build_277,
    read_claim_status,
)
from portico.x12.validation import ValidationResult, reject_for_reader_error, validate_envelope
from portico.x12.writer import Envelope

#: Claim status -> 277 STC01 (category 508, status 507).
STATUS_CODES: dict[str, tuple[str, str]] = {
    ClaimStatus.RECEIVED: ("A1", "19"),
    ClaimStatus.ACCEPTED: ("A2", "20"),
    ClaimStatus.REJECTED: ("A3", "21"),
    ClaimStatus.IN_PROCESS: ("P1", "20"),
    ClaimStatus.PENDED: ("P3", "21"),
    ClaimStatus.FINALIZED_PAID: ("F1", "65"),
    ClaimStatus.FINALIZED_PARTIAL: ("F1", "65"),
    ClaimStatus.FINALIZED_DENIED: ("F2", "1"),
    ClaimStatus.ADJUSTED: ("F3", "1"),
    ClaimStatus.VOIDED: ("F2", "1"),
}
NOT_FOUND = ("A4", "35")
# What a 999 acknowledges when nothing readable arrived: the 276's group (HR, 005010X212).
EXPECTED_276 = ExpectedGroup("HR", "0", "005010X212")


class InquiryError(Exception):
    """The payload is not a readable 276; ``ack_999`` holds a 999 naming the problem."""

    def __init__(self, message: str, ack_999: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.ack_999 = ack_999


def _find(user: Any, inquiry: StatusInquiry) -> Claim | None:
    access = claims_access(user=user)
    if not access.has_access:
        return None
    qs = Claim.objects.filter(access.q()).exclude(status=ClaimStatus.DRAFT)
    if inquiry.payer_claim_control_number:
        return qs.filter(number=inquiry.payer_claim_control_number.upper()).first()
    q = Q(member_number=inquiry.member_id.upper())
    if inquiry.patient_account_number:
        q &= Q(patient_account_number=inquiry.patient_account_number)
    if inquiry.service_date and inquiry.service_date != dt.date.min:
        end = inquiry.service_date_end or inquiry.service_date
        q &= Q(service_date_from__lte=end, service_date_to__gte=inquiry.service_date)
    if inquiry.provider_npi:
        q &= Q(billing_npi=inquiry.provider_npi)
    return qs.filter(q).order_by("-submitted_at", "-id").first()


def claim_status_results(*, user: Any, request: ClaimStatusRequest) -> list[StatusResult]:
    results = []
    today = timezone.localdate()
    for inquiry in request.inquiries:
        claim = _find(user, inquiry)
        if claim is None:
            results.append(StatusResult(inquiry, [StcCode(*NOT_FOUND)], today))
            continue
        inquiry.payer_claim_control_number = claim.number
        inquiry.patient_account_number = (
            inquiry.patient_account_number or claim.patient_account_number
        )
        category, code = STATUS_CODES.get(claim.status, NOT_FOUND)
        results.append(
            StatusResult(
                inquiry,
                [StcCode(category, code)],
                timezone.localdate(claim.status_changed_at),
                total_charge=claim.total_charge,
                paid_amount=claim.paid_total if claim.is_finalized else None,
                adjudication_date=(
                    timezone.localdate(claim.adjudicated_at) if claim.adjudicated_at else None
                ),
            )
        )
    return results


def claim_status_inquiry_x12(*, user: Any, payload: bytes) -> bytes:
    """Answer a 276 with a 277. Raises ``InquiryError`` (with a 999) for unreadable input.

    The 999 names the envelope's errors or, when the envelopes are sound but the set cannot
    be read (an impossible date, a set that is not a 276), rejects that set (IK5 ``R``) and
    names the segment (IK3) and element (IK4). Nothing readable at all: the 999 rejects the
    276 group the sender was expected to send (AK1 ``HR``, ``005010X212``)."""
    validation = validate_envelope(payload)
    if not validation.accepted:
        raise InquiryError("The 276 has envelope or syntax errors.", _ack_999(validation))
    try:
        request = read_claim_status(payload)
        if not isinstance(request, ClaimStatusRequest):  # a 277 sent where 276s go
            raise X12Error(
                "a 277 is not a claim status request", segment_id="ST", element_index=1,
                bad_value="277",
            )  # fmt: skip
    except X12Error as exc:
        reject_for_reader_error(validation, exc)
        raise InquiryError(f"The 276 could not be read: {exc}", _ack_999(validation)) from exc
    results = claim_status_results(user=user, request=request)
    response = ClaimStatusResponse(
        payer_name=request.payer_name or "PORTICO",
        payer_id=request.payer_id or "PORTICO",
        receiver_name=request.receiver_name or "UNKNOWN",
        receiver_id=request.receiver_id or "UNKNOWN",
        results=results,
        reference=request.reference or "1",
    )
    text = build_277(response, _reply_envelope(validation))
    audit_record(
        action="portico.claim.status_inquiry",
        actor=user,
        object_type="claims.claim",
        object_repr=f"276 with {len(results)} inquiries",
        changes={"claims": [r.inquiry.payer_claim_control_number for r in results]},
    )
    return text.encode()


def _ack_999(validation: ValidationResult) -> str:
    return build_999(validation, _reply_envelope(validation), expected_group=EXPECTED_276)


def _reply_envelope(validation: ValidationResult) -> Envelope:
    """Addressed back to the 276's sender, with the next interchange control number of the
    sequence the 999 and 277CA writers use."""
    return reply_envelope(
        validation, control_number=next_interchange_control_number(), created=timezone.localtime()
    )
