"""The prior-authorization router (django-ninja), mounted at ``/api/v1/priorauth/`` by
``portico.api``: submit, list, detail, letters, required-check and X12 278. The same
selectors and services as the portal; field errors come back as ``{"detail", "errors"}``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError

from portico.core.api_errors import ErrorOut, api_page, refused, x12_request_body
from portico.core.idempotency import key_from_request
from portico.core.uploads import file_download_response
from portico.documents.services import document_record_download
from portico.members.models import HealthPlan
from portico.priorauth import selectors, services
from portico.priorauth.models import YES_NO, PriorAuthRequest, ServiceCategory, Source
from portico.priorauth.schemas import (
    LetterOut,
    RequestIn,
    RequestOut,
    RequestPageOut,
    RequiredOut,
    ServiceCategoryOut,
)
from portico.priorauth.services.interop import priorauth_receive_278

router = Router(tags=["prior authorization"])
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None) or request.user
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "Authentication required.")
    if not selectors.has_priorauth_access(user=user):
        raise HttpError(403, "No Prior Authorization access.")
    return user


def _out(row: PriorAuthRequest) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "plan": row.plan.name,
        "status": row.status,
        "status_label": row.status_label,
        "status_meaning": row.meaning,
        "urgency": row.urgency,
        "submitted_at": row.submitted_at,
        "due_at": row.due_at,
        "member_id": row.member.member_id if row.member else row.member_id_entered,
        "withdrawn": row.withdrawn_at is not None,
        "lines": list(row.lines.all()),
    }


@router.post("/requests", response={201: RequestOut, **ERRORS}, summary="Submit a request")
def submit(request: HttpRequest, payload: RequestIn) -> Any:
    user = _user(request)
    plan = HealthPlan.objects.filter(payer_id=payload.payer_id).first()
    category = ServiceCategory.objects.filter(code=payload.service_category, is_active=True).first()
    data = services.RequestInput(
        plan=plan,
        member_id=payload.member_id,
        member_birth_date=payload.member_birth_date,
        requesting_provider_npi=payload.requesting_provider_npi,
        servicing_provider_npi=payload.servicing_provider_npi,
        facility_name=payload.facility_name,
        facility_npi=payload.facility_npi,
        service_category=category,
        service_date=payload.service_date,
        diagnoses=payload.diagnoses,
        urgency=payload.urgency,
        expedited_attestation=payload.expedited_attestation,
        expedited_reason=payload.expedited_reason,
        clinical_answers=payload.clinical_answers,
        clinical_notes=payload.clinical_notes,
        lines=[services.LineInput(**line.dict()) for line in payload.lines],
    )
    try:
        row = services.priorauth_submit(
            user=user,
            data=data,
            source=Source.API,
            confirm_duplicate=payload.confirm_duplicate,
            idempotency_key=key_from_request(request),
        )
    except services.RequestInvalid as exc:
        raise refused(400, exc.message, errors=exc.errors) from exc
    except services.PossibleDuplicate as exc:
        duplicates = {"confirm_duplicate": [d.reference for d in exc.duplicates]}
        raise refused(409, exc.message, errors=duplicates, code="possible_duplicate") from exc
    except services.PriorAuthError as exc:
        raise refused(400, exc.message) from exc
    return Status(201, _out(row))


@router.get("/requests", response={200: RequestPageOut, **ERRORS}, summary="List requests")
def list_requests(request: HttpRequest, status: str = "", q: str = "", page: int = 1) -> Any:
    user = _user(request)
    qs = selectors.request_search(user=user, status=status, query=q).prefetch_related("lines")
    paginated = api_page(qs, page, 50)
    services.priorauth_record_list(
        user=user,
        where="API request list",
        references=[r.reference for r in paginated.object_list],
        filters={"status": status, "query": q},
    )
    return {
        "count": paginated.paginator.count,
        "page": paginated.number,
        "pages": paginated.paginator.num_pages,
        "results": [_out(r) for r in paginated.object_list],
    }


@router.get("/requests/{reference}", response={200: RequestOut, **ERRORS}, summary="A request")
def detail(request: HttpRequest, reference: str) -> Any:
    user = _user(request)
    row = selectors.request_get_for_user(user=user, reference=reference)
    services.priorauth_record_view(request=row, user=user)
    return _out(row)


@router.get(
    "/requests/{reference}/letters",
    response={200: list[LetterOut], **ERRORS},
    summary="A request's letters",
)
def letters(request: HttpRequest, reference: str) -> Any:
    user = _user(request)
    row = selectors.request_get_for_user(user=user, reference=reference)
    now = timezone.now()
    return [
        {
            "id": d.pk,
            "title": d.title,
            "kind": d.kind,
            "kind_label": d.kind_label,
            "created_at": d.created_at,
            "available_until": d.available_until,
            "available": d.is_available(now),
            "read": getattr(d, "is_read", False),
            "download_url": request.build_absolute_uri(
                f"/api/v1/priorauth/requests/{row.reference}/letters/{d.pk}"
            ),
        }
        for d in selectors.letters_for_request(request=row, user=user)
    ]


@router.get(
    "/requests/{reference}/letters/{letter_id}",
    response={200: None, **ERRORS, 410: ErrorOut},
    summary="Download a letter (PDF)",
    openapi_extra={"responses": {"200": {"content": {"application/pdf": {}}}}},
)
def letter_download(request: HttpRequest, reference: str, letter_id: int) -> HttpResponseBase:
    """The letter's PDF; 410 once its retention period is over (the listing says until when)."""
    user = _user(request)
    row = selectors.request_get_for_user(user=user, reference=reference)
    letter = selectors.letters_for_request(request=row, user=user).filter(pk=letter_id).first()
    if letter is None:
        raise refused(404, "No such letter for this request.")
    if not letter.is_available():
        raise refused(410, "This letter is past its retention period and no longer available.")
    document_record_download(document=letter, user=user)
    return file_download_response(
        key=letter.storage_key, filename=letter.file_name, content_type="application/pdf"
    )


@router.get(
    "/service-categories",
    response={200: list[ServiceCategoryOut], **ERRORS},
    summary="Service categories and their clinical questions",
)
def service_categories(request: HttpRequest) -> Any:
    """What a request's ``service_category`` and ``clinical_answers`` take: each category's
    questions, keyed as ``clinical_answers`` expects, as the portal's form asks them."""
    _user(request)
    yes_no = [value for value, _label in YES_NO]
    return [
        {
            "code": category.code,
            "name": category.name,
            "questions": [
                {
                    "key": q["key"],
                    "text": q["text"],
                    "kind": q.get("kind", "text"),
                    "required": bool(q.get("required")),
                    "choices": yes_no if q.get("kind") == "yesno" else [],
                }
                for q in category.questions
            ],
        }
        for category in selectors.categories()
    ]


@router.get(
    "/required", response={200: RequiredOut, **ERRORS}, summary="Is prior authorization required?"
)
def required(request: HttpRequest, payer_id: str, code: str) -> Any:
    _user(request)
    plan = selectors.plans_for_priorauth().filter(payer_id=payer_id).first()
    if plan is None:
        raise refused(404, f"No plan with payer ID {payer_id!r}.")
    try:
        answer = services.priorauth_required_check(plan=plan, code=code)
    except services.RequestInvalid as exc:
        raise refused(400, exc.message, errors=exc.errors) from exc
    return {
        "payer_id": payer_id,
        "code": answer.code,
        "required": answer.required,
        "message": answer.message,
    }


X12_278_DESCRIPTION = """\
Body: a 278 request (005010X217) as `application/edi-x12`. The answer is X12 too:

* **200**, a 278 response (`application/edi-x12`): HCR decisions per service and for the
  patient event when the request was submitted; or, when it was refused, the request echoed
  with **AAA** (Request Validation) segments in the loops where the problems are and no HCR:
  2010A unknown UMO/payer (AAA03 79) or unable to respond now (42); 2010B requesting provider
  (43 invalid NPI, 51 not on file, 41 not connected to the caller's practices); 2010C/2010D
  member (72 missing ID, 75 not found, 58 date of birth, 95 not eligible on the date);
  2010EA servicing provider (43/51/41); 2000E patient event (AF diagnoses, AG no procedure,
  57 dates, 15 required data missing, 33 input errors); 2000F one service line (AG procedure
  code or modifier, 57 its dates, 15/33 its units). AAA04: C correct and resubmit, N
  resubmission not allowed, P resubmit the original. Nothing is saved for a refused request.
  A request that is not UM01 `HS` or `AR` (e.g. `SC`, a referral) is refused with 33 in 2000E.
  The same request as one still open (the portal's duplicate rule) is answered with that
  request's decisions and reference (HCR02), and nothing new is saved.
* **400**, a 999 (`application/edi-x12`) naming the envelope's errors (SE01 count, control
  numbers...) or the segment and element that cannot be read, when the body is not a
  readable 278 request.

Header `X-X12-Transaction`: `278` or `999`. Answers are addressed back to the sender
(ISA06/GS02 the request's ISA08/GS03, ISA08/GS03 its ISA06/GS02).
"""


@router.post(
    "/x12/278",
    summary="Submit an X12 278 request (005010X217); answers a 278 response (AAA when refused)",
    description=X12_278_DESCRIPTION,
    response={401: ErrorOut, 403: ErrorOut},
    openapi_extra={
        "requestBody": x12_request_body("A 278 request (005010X217, UM01 HS or AR)"),
        "responses": {
            "200": {
                "description": "A 278 response: HCR decisions, or AAA request validation",
                "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            },
            "400": {
                "description": "A 999: the body is not a readable 278 request",
                "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            },
        },
    },
)
def x12_278(request: HttpRequest) -> Any:
    user = _user(request)
    # Submitted or refused, a readable request is answered with a 278 response (refusals as
    # AAA segments): the transport succeeded, the document says what became of the request.
    # Unsound envelopes or an unreadable set: a 999 naming the problem (400).
    reply = priorauth_receive_278(user=user, content=request.body)
    response = HttpResponse(
        reply.content,
        status=200 if reply.kind == "278" else 400,
        content_type="application/edi-x12",
    )
    response["X-X12-Transaction"] = reply.kind
    return response
