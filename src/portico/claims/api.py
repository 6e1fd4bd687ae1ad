"""The claims router (django-ninja): the same selectors and services as the HTML portal.

The API root mounts it at ``/api/v1/claims/`` with its token authentication; operations read
``request.user`` (or ``request.auth``). Claims outside the caller's grant TINs answer 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.files.base import ContentFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from portico.claims import selectors, services
from portico.claims.models import (
    Appeal,
    Claim,
    ClaimAttachment,
    ClaimStatus,
    ClaimSubmissionFile,
)
from portico.claims.schemas import (
    AppealIn,
    AppealOut,
    AttachmentOut,
    ClaimIn,
    ClaimOut,
    ClaimPageOut,
    ClaimStatusOut,
)
from portico.claims.services import ClaimData, DiagnosisData, LineData
from portico.claims.services.inquiry import NOT_FOUND, STATUS_CODES
from portico.claims.transitions import TransitionNotAllowed
from portico.core.api_errors import ErrorOut, refused, x12_request_body
from portico.core.audit import audit_record
from portico.core.idempotency import key_from_request

router = Router(tags=["claims"])
# PWK01 of an attachment, as the form field of the two attachment operations.
ReportTypeForm = Annotated[
    str,
    Form(..., description="PWK01: one of " + ", ".join(ClaimAttachment.ReportType.values)),
]

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None) or request.user
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "Authentication required.")
    if not selectors.user_has_claims_access(user=user):
        raise HttpError(403, "No access to the Claims Online Portal.")
    return user


def _summary(c: Claim) -> dict[str, Any]:
    return {
        "number": c.number,
        "status": c.status,
        "status_label": c.get_status_display(),
        "kind": c.kind,
        "frequency": c.frequency,
        "billing_tin": c.billing_tin,
        "patient_account_number": c.patient_account_number,
        "member_id": c.member_number,
        "patient_name": c.patient_name,
        "service_date_from": c.service_date_from,
        "service_date_to": c.service_date_to,
        "total_charge": c.total_charge,
        "paid_total": c.paid_total,
        "submitted_at": c.submitted_at,
    }


def _appeal(a: Appeal) -> dict[str, Any]:
    return {
        "number": a.number,
        "claim_number": a.claim.number,
        "line_number": a.line.line_number if a.line else None,
        "reason": a.reason,
        "explanation": a.explanation,
        "status": a.status,
        "status_label": a.get_status_display(),
        "filed_at": a.filed_at,
        "decided_at": a.decided_at,
        "decision_notes": a.decision_notes,
        "attachments": [f.filename for f in a.attachments.all()],
    }


def _detail(c: Claim) -> dict[str, Any]:
    return {
        **_summary(c),
        "payer_id": c.payer_id,
        "original_claim_number": c.original_claim_ref,
        "billing_npi": c.billing_npi,
        "billing_name": c.billing_name,
        "rendering_npi": c.rendering_npi,
        "referring_npi": c.referring_npi,
        "attending_npi": c.attending_npi,
        "facility_npi": c.facility_npi,
        "patient_dob": c.patient_dob,
        "place_of_service": c.place_of_service,
        "type_of_bill": c.type_of_bill,
        "prior_auth_number": c.prior_auth_number,
        "referral_number": c.referral_number,
        "allowed_total": c.allowed_total,
        "patient_responsibility_total": c.patient_responsibility_total,
        "diagnoses": [d.code for d in c.diagnoses.all()],
        "lines": [
            {
                "line_number": ln.line_number,
                "procedure_code": ln.procedure_code,
                "modifiers": ln.modifiers,
                "revenue_code": ln.revenue_code,
                "diagnosis_pointers": ln.diagnosis_pointers,
                "units": ln.units,
                "charge": ln.charge,
                "service_date": ln.service_date,
                "service_date_to": ln.service_date_to,
                "status": ln.status,
                "allowed": ln.allowed,
                "paid": ln.paid,
                "patient_responsibility": ln.patient_responsibility,
                "adjustments": [
                    {"group_code": a.group_code, "reason_code": a.reason_code, "amount": a.amount}
                    for a in ln.adjustments.all()
                ],
                "remark_codes": ln.remark_codes,
            }
            for ln in c.lines.all()
        ],
        "history": [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": e.at,
                "note": e.note,
                "category_code": e.category_code,
                "status_code": e.status_code,
            }
            for e in c.status_events.all()
        ],
        "attachments": [_attachment(a) for a in c.attachments.all()],
        "appeals": [_appeal(a) for a in c.appeals.all()],
    }


def _attachment(a: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "report_type": a.report_type,
        "transmission_code": a.transmission_code,
        "control_number": a.control_number,
        "filename": a.filename,
        "size": a.size,
        "received": bool(a.file_key),
    }


def _claim_data(payload: ClaimIn) -> ClaimData:
    raw = payload.dict(exclude={"diagnoses", "lines", "idempotency_key"})
    data = ClaimData(**raw)
    data.diagnoses = [DiagnosisData(d.code, d.qualifier) for d in payload.diagnoses]
    data.lines = [LineData(**ln.dict()) for ln in payload.lines]
    return data


def _claim_error(exc: services.ClaimError) -> HttpError:
    if isinstance(exc, services.ClaimInvalid):
        err = HttpError(400, "The claim has errors.")
        err.errors = exc.errors  # type: ignore[attr-defined]
        return err
    status = {"forbidden": 403, "not_found": 404, "idempotency_conflict": 409}.get(exc.code, 400)
    err = HttpError(status, exc.message)
    err.errors = {exc.field: [exc.message]} if exc.field else {}  # type: ignore[attr-defined]
    return err


class SearchIn(Schema):
    number: str = ""
    patient_account_number: str = ""
    member_id: str = ""
    patient_name: str = ""
    dos_from: Any = None
    dos_to: Any = None
    status: str = ""
    billed_min: Any = None
    billed_max: Any = None
    tin: str = ""
    sort: str = Field(
        "",
        description="Empty: newest submitted first, or newest date of service first when "
        "dos_from or dos_to is given. Otherwise one of: " + ", ".join(selectors.SORTS) + ".",
    )
    cursor: str = ""
    limit: int = Field(25, ge=1, le=100, description="Claims per page, 1 to 100")


@router.post("/claims", response={201: ClaimOut, 200: ClaimOut, **ERRORS}, summary="Submit a claim")
def submit_claim(request: HttpRequest, payload: ClaimIn) -> Any:
    user = _user(request)
    try:
        claim, created = services.claim_create(
            user=user,
            data=_claim_data(payload),
            idempotency_key=payload.idempotency_key or key_from_request(request),
        )
    except services.ClaimError as exc:
        raise _claim_error(exc) from exc
    claim = selectors.claim_detail_for_user(user=user, number=claim.number)
    return Status(201 if created else 200, _detail(claim))


def _bad_request(message: str, field: str = "") -> HttpError:
    err = HttpError(400, message)
    err.errors = {field: [message]} if field else {}  # type: ignore[attr-defined]
    return err


@router.get("/claims", response={200: ClaimPageOut, **ERRORS}, summary="Search claims")
def search_claims(request: HttpRequest, filters: Query[SearchIn]) -> Any:
    user = _user(request)
    problems = {}
    if filters.status and filters.status not in ClaimStatus.values:
        problems["status"] = "Use one of: " + ", ".join(ClaimStatus.values) + "."
    if filters.sort and filters.sort not in selectors.SORTS:
        problems["sort"] = "Use one of: " + ", ".join(selectors.SORTS) + "."
    if filters.cursor and not selectors.cursor_is_valid(filters.cursor):
        problems["cursor"] = "Use a next_cursor or prev_cursor from an earlier page."
    if problems:
        raise refused(400, "The search has errors.", errors=problems)
    search = selectors.ClaimSearch(
        number=filters.number,
        patient_account_number=filters.patient_account_number,
        member_id=filters.member_id,
        patient_name=filters.patient_name,
        dos_from=filters.dos_from,
        dos_to=filters.dos_to,
        status=filters.status,
        billed_min=filters.billed_min,
        billed_max=filters.billed_max,
        tin=filters.tin,
        sort=filters.sort,
    )
    page = selectors.claims_search(
        user=user, search=search, cursor=filters.cursor, limit=filters.limit
    )
    audit_record(
        action="portico.claim.searched",
        actor=user,
        object_type="claims.claim",
        object_repr="API claim search",
        changes={"claims": [c.number for c in page.items]},
    )
    return {
        "results": [_summary(c) for c in page.items],
        "next_cursor": page.next_cursor,
        "prev_cursor": page.prev_cursor,
    }


@router.get("/claims/{number}", response={200: ClaimOut, **ERRORS}, summary="Claim detail")
def claim_detail(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    claim = selectors.claim_detail_for_user(user=user, number=number)
    audit_record(
        action="portico.claim.viewed",
        actor=user,
        obj=claim,
        organization_id=claim.organization_id,
        member_ref=claim.member_number,
    )
    return _detail(claim)


@router.get("/claims/{number}/status", response={200: ClaimStatusOut, **ERRORS})
def claim_status(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    claim = selectors.claim_get_for_user(user=user, number=number)
    category, code = STATUS_CODES.get(claim.status, NOT_FOUND)
    return {
        "number": claim.number,
        "status": claim.status,
        "status_label": claim.get_status_display(),
        "status_changed_at": claim.status_changed_at,
        "category_code": category,
        "status_code": code,
        "paid_total": claim.paid_total,
    }


@router.get("/claims/{number}/attachments", response={200: list[AttachmentOut], **ERRORS})
def claim_attachments(request: HttpRequest, number: str) -> Any:
    claim = selectors.claim_get_for_user(user=_user(request), number=number)
    return [_attachment(a) for a in claim.attachments.all()]


@router.post("/claims/{number}/attachments", response={201: AttachmentOut, **ERRORS})
def claim_attachment_add(
    request: HttpRequest,
    number: str,
    file: File[UploadedFile],
    report_type: ReportTypeForm,
    control_number: Form[str] = "",
    description: Form[str] = "",
) -> Any:
    user = _user(request)
    claim = selectors.claim_get_for_user(user=user, number=number)
    try:
        att = services.claim_attachment_add(
            user=user,
            claim=claim,
            file=file,
            report_type=report_type,
            control_number=control_number,
            description=description,
        )
    except services.ClaimError as exc:
        raise _claim_error(exc) from exc
    return Status(201, _attachment(att))


@router.post("/attachments", response={201: AttachmentOut, **ERRORS}, summary="Unsolicited")
def unsolicited_attachment(
    request: HttpRequest,
    file: File[UploadedFile],
    report_type: ReportTypeForm,
    control_number: Form[str],
    description: Form[str] = "",
) -> Any:
    user = _user(request)
    try:
        att = services.attachment_unsolicited_add(
            user=user,
            file=file,
            report_type=report_type,
            control_number=control_number,
            description=description,
        )
    except services.ClaimError as exc:
        raise _claim_error(exc) from exc
    return Status(201, _attachment(att))


@router.get("/appeals", response={200: list[AppealOut], **ERRORS}, summary="List appeals")
def appeals(request: HttpRequest, status: str = "", claim_number: str = "") -> Any:
    user = _user(request)
    qs = selectors.appeals_search(user=user, status=status, claim_number=claim_number)
    return [_appeal(a) for a in qs.prefetch_related("attachments")[:200]]


@router.get("/appeals/{number}", response={200: AppealOut, **ERRORS})
def appeal_detail(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    appeal = selectors.appeal_get_for_user(user=user, number=number)
    audit_record(
        action="portico.appeal.viewed",
        actor=user,
        obj=appeal,
        organization_id=appeal.organization_id,
    )
    return _appeal(appeal)


@router.post("/claims/{number}/appeals", response={201: AppealOut, 200: AppealOut, **ERRORS})
def appeal_file(request: HttpRequest, number: str, payload: AppealIn) -> Any:
    user = _user(request)
    claim = selectors.claim_detail_for_user(user=user, number=number)
    line = None
    if payload.line_number is not None:
        line = next((ln for ln in claim.lines.all() if ln.line_number == payload.line_number), None)
        if line is None:
            raise _bad_request("No such line.", "line_number")
    try:
        appeal = services.appeal_file(
            user=user,
            claim=claim,
            line=line,
            reason=payload.reason,
            explanation=payload.explanation,
            amount_disputed=payload.amount_disputed,
            idempotency_key=payload.idempotency_key or key_from_request(request),
        )
    except services.ClaimError as exc:
        raise _claim_error(exc) from exc
    return Status(201, _appeal(appeal))


@router.post("/appeals/{number}/withdraw", response={200: AppealOut, **ERRORS})
def appeal_withdraw(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    appeal = selectors.appeal_get_for_user(user=user, number=number)
    if not selectors.user_may_submit(user=user):
        raise HttpError(403, "You are not allowed to change appeals.")
    try:
        services.appeal_withdraw(user=user, appeal=appeal)
    except TransitionNotAllowed as exc:
        raise _bad_request(exc.message) from exc
    return _appeal(selectors.appeal_get_for_user(user=user, number=number))


# ---------------------------------------------------------------------------
# X12 837 files: what the portal's upload page does, for clearinghouses and PM systems
# ---------------------------------------------------------------------------
class ClaimFileOut(Schema):
    id: int
    filename: str
    status: str
    status_label: str
    kind: str
    size: int
    received_at: dt.datetime
    finished_at: dt.datetime | None
    duplicate_of: int | None = Field(description="An earlier file with the same content")
    claim_count: int
    accepted_count: int
    rejected_count: int
    duplicate_count: int
    problems: list[str] = Field(description="Why claims or the file were rejected, in words")
    ack_999_url: str | None = Field(description="The 999 (application/edi-x12), once written")
    ack_277ca_url: str | None = Field(description="The 277CA, once written")


def _claim_file(item: ClaimSubmissionFile) -> dict[str, Any]:
    base = f"/api/v1/claims/files/{item.pk}"
    return {
        "id": item.pk,
        "filename": item.filename,
        "status": item.status,
        "status_label": item.get_status_display(),
        "kind": item.kind,
        "size": item.size,
        "received_at": item.created_at,
        "finished_at": item.finished_at,
        "duplicate_of": item.duplicate_of_id,
        "claim_count": item.claim_count,
        "accepted_count": item.accepted_count,
        "rejected_count": item.rejected_count,
        "duplicate_count": item.duplicate_count,
        "problems": [r for r in item.error_summary.splitlines() if r.strip()],
        "ack_999_url": f"{base}/999" if item.ack_999 else None,
        "ack_277ca_url": f"{base}/277ca" if item.ack_277ca_key else None,
    }


@router.post(
    "/files",
    response={202: ClaimFileOut, **ERRORS, 413: ErrorOut},
    summary="Send an X12 837 file",
    openapi_extra={"requestBody": x12_request_body("An 837P or 837I interchange", file_field=True)},
)
def claim_file_send(request: HttpRequest, organization_id: int | None = None) -> Any:
    """An 837P or 837I interchange, as the request body (``application/edi-x12``) or as the
    ``file`` of a multipart form (large files). It is checked and processed in the background,
    as an upload on the portal's Files page: the answer is 202 with the file's status; poll
    ``GET /files/{id}`` until ``finished_at`` is set, then fetch the 999 and the 277CA. The
    same content sent again is processed once more but its claims are recognised as
    duplicates (``duplicate_of``)."""
    user = _user(request)
    upload: Any = request.FILES.get("file")
    if upload is None:
        if (request.content_type or "") not in ("application/edi-x12", "text/plain"):
            raise _bad_request(
                "Send the 837 as the body (application/edi-x12) or as a multipart 'file'.",
                "file",
            )
        upload = ContentFile(request.body, name="claims.837")
    organization = request.POST.get("organization_id") or organization_id
    try:
        item = services.claim_file_upload(
            user=user,
            file=upload,
            organization_id=int(organization) if organization not in (None, "") else None,
        )
    except (TypeError, ValueError) as exc:
        raise _bad_request("organization_id is a practice's number.", "organization_id") from exc
    except services.ClaimError as exc:
        raise _claim_error(exc) from exc
    item.refresh_from_db()  # processed already when tasks run in-process
    return Status(202, _claim_file(item))


@router.get("/files", response={200: list[ClaimFileOut], **ERRORS}, summary="Recent 837 files")
def claim_files(request: HttpRequest) -> Any:
    user = _user(request)
    return [_claim_file(f) for f in selectors.claim_files_for_user(user=user)[:100]]


@router.get("/files/{file_id}", response={200: ClaimFileOut, **ERRORS}, summary="An 837 file")
def claim_file_detail(request: HttpRequest, file_id: int) -> Any:
    user = _user(request)
    item = selectors.claim_file_get_for_user(user=user, pk=file_id)
    audit_record(
        action="portico.claim_file.viewed",
        actor=user,
        obj=item,
        organization_id=item.organization_id,
    )
    return _claim_file(item)


@router.get(
    "/files/{file_id}/{which}",
    response={200: str, **ERRORS},
    summary="An 837 file's 999 or 277CA",
    openapi_extra={"responses": {"200": {"content": {"application/edi-x12": {}}}}},
)
def claim_file_ack(request: HttpRequest, file_id: int, which: str) -> HttpResponseBase:
    """``which`` is ``999`` or ``277ca``; 404 until it is written."""
    user = _user(request)
    item = selectors.claim_file_get_for_user(user=user, pk=file_id)
    stream = selectors.claim_file_ack_open(item=item, which=which.lower())
    if stream is None:
        raise HttpError(404, f"No {which} for this file (yet).")
    audit_record(
        action="portico.claim_file.ack_downloaded",
        actor=user,
        obj=item,
        organization_id=item.organization_id,
        changes={"which": which.lower()},
    )
    # Streamed: a 277CA lists every claim of the file and may be large.
    response = FileResponse(stream, content_type="application/edi-x12")
    response["X-X12-Transaction"] = "999" if which.lower() == "999" else "277"
    return response


@router.post(
    "/status-inquiry",
    summary="X12 276 claim status inquiry → 277",
    openapi_extra={
        "requestBody": x12_request_body("A 276 claim status inquiry (005010X212)"),
        "responses": {
            "200": {
                "description": "A 277 claim status response",
                "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            },
            "400": {
                "description": "A 999 naming why the body is not a readable 276",
                "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            },
        },
    },
)
def status_inquiry(request: HttpRequest) -> HttpResponse:
    """Send a 276 (005010X212) as the request body; the answer is a 277. A body that is not a
    readable 276 (envelope errors, an impossible date, another transaction set, not X12) is
    answered 400 with a 999 naming the problem (IK3/IK4 for the segment and element)."""
    user = _user(request)
    try:
        body = services.claim_status_inquiry_x12(user=user, payload=request.body)
    except services.InquiryError as exc:
        if exc.ack_999:
            refused = HttpResponse(exc.ack_999, status=400, content_type="application/edi-x12")
            refused["X-X12-Transaction"] = "999"
            return refused
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    response = HttpResponse(body, content_type="application/edi-x12")
    response["X-X12-Transaction"] = "277"
    return response
