"""The support router (django-ninja): the same selectors and services as the HTML portal.

Mount it under the API root with the root's authentication, e.g.
``api.add_router("/support/", "portico.support.api.router")``. Every operation reads
``request.user`` as set by that authentication. A customer is the direct-customer user
linked to the caller's Portico ID (linked at the first customer log-in in the portal) and
still covered by a Support grant; agents need the Support agent staff role. Internal notes
exist only in the ``/staff/`` operations' answers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from portico.core.api_errors import ErrorOut, api_page, api_user, refused
from portico.core.idempotency import key_from_request
from portico.core.uploads import UploadRejected, file_download_response
from portico.identity.roles import StaffRole, has_staff_role
from portico.support import conf, selectors, services
from portico.support.forms import QueueFilterForm
from portico.support.models import Actor, Case, CustomerUser
from portico.support.schemas import (
    CaseCreateIn,
    CaseOut,
    CasePageOut,
    CommentIn,
    StaffCaseOut,
    StaffCommentIn,
    StatusIn,
)
from portico.support.selectors import TimelineEntry

router = Router(tags=["support"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
# Optional at parse time so that permission is checked (403/404) before a missing file (400).
NO_FILE = File(None)


def _user(request: HttpRequest) -> Any:
    return api_user(request)


def _customer(request: HttpRequest) -> CustomerUser:
    user = _user(request)
    linked = CustomerUser.objects.filter(portico_user=user).values_list("pk", flat=True).first()
    customer = selectors.customer_for_user(user=user, customer_user_id=linked)
    if customer is None:
        raise HttpError(
            403,
            "This account is not linked to a direct customer with Support access; "
            "log in once through the support portal's customer log in.",
        )
    return customer


def _agent(request: HttpRequest) -> Any:
    user = _user(request)
    if not has_staff_role(user, StaffRole.SUPPORT_AGENT):
        raise HttpError(403, "Support agents only.")
    return user


def _summary(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "case_type": case.case_type,
        "case_type_name": case.case_type_name,
        "status": case.status,
        "status_label": case.get_status_display(),
        "subject": case.subject,
        "opened_by": case.customer.full_name,
        "created_at": case.created_at,
        "last_activity_at": case.last_activity_at,
        "merged_into": case.merged_into.number if case.merged_into else None,
    }


def _claim(case: Case) -> dict[str, Any] | None:
    if not case.is_claim:
        return None
    return {
        name: getattr(case, name)
        for name in (
            "payer_id",
            "patient_name",
            "member_id",
            "service_date",
            "statement_from",
            "statement_to",
            "billed_amount",
            "date_submitted",
            "patient_account_number",
        )
    }


def _entry(entry: TimelineEntry, *, staff: bool) -> dict[str, Any]:
    item = entry.item
    data: dict[str, Any] = {"kind": entry.kind, "at": entry.at, "from_case": entry.from_case}
    if entry.kind == "comment":
        data.update(author=item.author_name, body=item.body)
    elif entry.kind == "attachment":
        data.update(author=item.author_name, file_name=item.file_name, attachment_id=item.pk)
    else:
        data.update(
            author=item.get_actor_kind_display(),
            body=item.note,
            from_status=item.from_status,
            to_status=item.to_status,
        )
    if staff:
        data["internal"] = entry.is_internal
    return data


def _error(exc: services.SupportError) -> HttpError:
    return HttpError(400, exc.message)


class CaseListQuery(Schema):
    scope: str = "all"
    number: str = ""
    page: int = 1


@router.get("/cases", response={200: CasePageOut, **ERRORS}, summary="Search cases")
def list_cases(request: HttpRequest, filters: Query[CaseListQuery]) -> Any:
    customer = _customer(request)
    scope = filters.scope if filters.scope in ("all", "mine", "number") else "all"
    qs = selectors.cases_for_customer(customer=customer, scope=scope, number=filters.number)
    page = api_page(qs, filters.page, conf.page_size())
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [_summary(c) for c in page.object_list],
    }


@router.post(
    "/cases",
    response={201: CaseOut, **ERRORS},
    summary="Create a case",
    description="Send an `Idempotency-Key` header to make a retry safe: the same key again "
    "returns the case it first created.",
)
def create_case(request: HttpRequest, payload: CaseCreateIn) -> Any:
    customer = _customer(request)
    claim = None
    if payload.claim is not None:
        data = payload.claim.model_dump(exclude={"ect_number"})
        data["payer_id"] = data["payer_id"] or conf.default_payer_id()
        claim = services.ClaimDetails(**data)
    try:
        case = services.case_create(
            customer=customer,
            actor=_user(request),
            case_type=payload.case_type,
            subject=payload.subject,
            description=payload.description,
            claim=claim,
            idempotency_key=key_from_request(request),
        )
    except services.SupportError as exc:
        raise _error(exc) from exc
    return Status(201, _case_out(case))


def _case_out(case: Case) -> dict[str, Any]:
    timeline = selectors.case_timeline(case=case, include_internal=False)
    return {
        **_summary(case),
        "description": case.description,
        "claim": _claim(case),
        "timeline": [_entry(e, staff=False) for e in timeline if not e.is_internal],
    }


@router.get("/cases/{number}", response={200: CaseOut, **ERRORS}, summary="A case and its timeline")
def get_case(request: HttpRequest, number: str) -> Any:
    customer = _customer(request)
    case = selectors.case_get_for_customer(customer=customer, number=number)
    services.case_view_record(case=case, actor=_user(request))
    return _case_out(case)


@router.post(
    "/cases/{number}/comments", response={201: CaseOut, **ERRORS}, summary="Comment on a case"
)
def comment_case(request: HttpRequest, number: str, payload: CommentIn) -> Any:
    customer = _customer(request)
    case = selectors.case_get_for_customer(customer=customer, number=number)
    try:
        services.case_comment_add(
            case=case,
            actor=_user(request),
            actor_kind=Actor.CUSTOMER,
            body=payload.body,
            idempotency_key=key_from_request(request),
        )
    except services.SupportError as exc:
        raise _error(exc) from exc
    case.refresh_from_db()
    return Status(201, _case_out(case))


def _attach(
    request: HttpRequest,
    case: Case,
    *,
    actor: Any,
    actor_kind: str,
    file: UploadedFile | None,
) -> None:
    if file is None:
        raise HttpError(400, "Send the file as multipart/form-data in the field 'file'.")
    try:
        services.case_attachment_add(
            case=case,
            actor=actor,
            actor_kind=actor_kind,
            file=file,
            idempotency_key=key_from_request(request),
        )
    except services.SupportError as exc:
        raise _error(exc) from exc
    except UploadRejected as exc:
        raise HttpError(400, " ".join(exc.messages)) from exc


@router.post(
    "/cases/{number}/attachments",
    response={201: CaseOut, **ERRORS},
    summary="Attach a file to a case (multipart form field ``file``)",
)
def attach_case(request: HttpRequest, number: str, file: UploadedFile | None = NO_FILE) -> Any:
    customer = _customer(request)
    case = selectors.case_get_for_customer(customer=customer, number=number)
    _attach(request, case, actor=_user(request), actor_kind=Actor.CUSTOMER, file=file)
    case.refresh_from_db()
    return Status(201, _case_out(case))


@router.get(
    "/cases/{number}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    summary="Download a file of a case",
)
def download_attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    customer = _customer(request)
    case = selectors.case_get_for_customer(customer=customer, number=number)
    row = selectors.attachment_get_for_customer(customer=customer, pk=attachment_id)
    if row.case_id not in selectors.case_family_ids(case):
        raise HttpError(404, "No such file.")
    services.attachment_download_record(attachment=row, actor=_user(request))
    return file_download_response(
        key=row.storage_key, filename=row.file_name, content_type=row.content_type
    )


# --- agents -----------------------------------------------------------------------------


class QueueQuery(Schema):
    status: str = "open"
    case_type: str = ""
    age: str = ""
    assignee: str = ""
    overdue: bool = False
    page: int = 1


@router.get("/staff/cases", response={200: CasePageOut, **ERRORS}, summary="The case queue")
def queue(request: HttpRequest, filters: Query[QueueQuery]) -> Any:
    agent = _agent(request)
    form = QueueFilterForm(filters.model_dump(exclude={"page"}))
    if not form.is_valid():  # an unknown value is refused, not silently left out
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise refused(400, "A filter was not understood.", errors=errors, code="filter")
    qs = selectors.staff_queue(agent=agent, **form.filters())
    page = api_page(qs, filters.page, conf.page_size())
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [_summary(c) for c in page.object_list],
    }


def _staff_case_out(case: Case) -> dict[str, Any]:
    sla = selectors.sla_clock(case)
    assignee = case.assignee
    return {
        **_summary(case),
        "description": case.description,
        "organization": case.organization.name,
        "assignee": (assignee.get_full_name() or assignee.get_username()) if assignee else None,
        "sla_due_at": sla.due_at if sla else None,
        "overdue": bool(sla and sla.overdue),
        "claim": _claim(case),
        "timeline": [
            _entry(e, staff=True) for e in selectors.case_timeline(case=case, include_internal=True)
        ],
    }


@router.get("/staff/cases/{number}", response={200: StaffCaseOut, **ERRORS})
def staff_get_case(request: HttpRequest, number: str) -> Any:
    agent = _agent(request)
    case = selectors.case_get_for_staff(number=number)
    services.case_view_record(case=case, actor=agent, staff=True)
    return _staff_case_out(case)


@router.post("/staff/cases/{number}/comments", response={201: StaffCaseOut, **ERRORS})
def staff_comment(request: HttpRequest, number: str, payload: StaffCommentIn) -> Any:
    agent = _agent(request)
    case = selectors.case_get_for_staff(number=number)
    try:
        services.case_comment_add(
            case=case,
            actor=agent,
            actor_kind=Actor.AGENT,
            body=payload.body,
            is_internal=payload.internal,
            new_status=payload.new_status,
            idempotency_key=key_from_request(request),
        )
    except services.SupportError as exc:
        raise _error(exc) from exc
    return Status(201, _staff_case_out(selectors.case_get_for_staff(number=number)))


@router.post("/staff/cases/{number}/status", response={200: StaffCaseOut, **ERRORS})
def staff_status(request: HttpRequest, number: str, payload: StatusIn) -> Any:
    agent = _agent(request)
    case = selectors.case_get_for_staff(number=number)
    try:
        services.case_status_change(
            case=case, actor=agent, status=payload.status, note=payload.note
        )
    except (services.SupportError, ValidationError) as exc:
        raise HttpError(400, getattr(exc, "message", str(exc))) from exc
    return _staff_case_out(selectors.case_get_for_staff(number=number))


@router.post(
    "/staff/cases/{number}/attachments",
    response={201: StaffCaseOut, **ERRORS},
    summary="Attach a file for the customer (multipart form field ``file``)",
)
def staff_attach(request: HttpRequest, number: str, file: UploadedFile | None = NO_FILE) -> Any:
    agent = _agent(request)
    case = selectors.case_get_for_staff(number=number)
    _attach(request, case, actor=agent, actor_kind=Actor.AGENT, file=file)
    return Status(201, _staff_case_out(selectors.case_get_for_staff(number=number)))
