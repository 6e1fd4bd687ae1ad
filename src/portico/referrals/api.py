"""The referrals router (django-ninja): the same selectors and services as the portal.

Mounted by the API root at ``/api/v1/referrals/`` with its token authentication; every
operation reads the caller from ``request.auth`` or ``request.user``. Offices need a Referrals
grant (referrals of other practices answer 404); the ``/review`` operations need the UM
reviewer staff role. ``POST /x12/278`` takes a raw 278 request and answers a 278 response
(or a 999 rejection for a bad envelope).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from portico.core.api_errors import ErrorOut, api_page, api_user, refused, x12_request_body
from portico.organizations.models import Organization
from portico.referrals import conf, selectors, services
from portico.referrals.models import Referral, ReferralStatus, ReferredToKind, Source, Urgency
from portico.referrals.selectors import ReferralFilters
from portico.referrals.x12 import referral_278_receive

router = Router(tags=["referrals"])


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class EventOut(Schema):
    at: dt.datetime
    by: str
    from_status: str
    to_status: str
    note: str


class ReferralOut(Schema):
    number: str
    status: str
    status_label: str
    member_id: str
    member_name: str
    plan: str
    organization: str
    referring_npi: str
    referred_to_npi: str
    referred_to_name: str
    referred_to_kind: str
    reason: str
    diagnoses: list[str]
    visits_requested: int
    visits_approved: int
    visits_used: int
    start_date: dt.date
    end_date: dt.date
    urgency: str
    auto_approved: bool
    decision_note: str
    created_at: dt.datetime
    history: list[EventOut] | None = None


class ReferralPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[ReferralOut]


class ReferralIn(Schema):
    organization_id: int | None = None
    member_id: str
    date_of_birth: dt.date
    referring_npi: str
    referred_to_npi: str
    referred_to_name: str = ""
    referred_to_kind: str = ReferredToKind.SPECIALIST
    reason: str
    diagnoses: list[str]
    visits_requested: int
    start_date: dt.date
    end_date: dt.date
    urgency: str = Urgency.ROUTINE
    notes: str = ""


class CancelIn(Schema):
    note: str = ""


class SearchQuery(Schema):
    member_id: str = ""
    number: str = ""
    provider_npi: str = ""
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1


def _user(request: HttpRequest) -> Any:
    return api_user(request)


def _office(request: HttpRequest) -> Any:
    user = _user(request)
    if not selectors.user_has_referrals_access(user=user):
        raise HttpError(403, "This account has no Referrals Portal access.")
    return user


def _out(referral: Referral, *, history: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": referral.number,
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "member_id": referral.member.member_id,
        "member_name": referral.member.full_name,
        "plan": referral.plan.name,
        "organization": referral.organization.name,
        "referring_npi": referral.referring_provider.npi,
        "referred_to_npi": referral.referred_to_npi,
        "referred_to_name": referral.referred_to_name,
        "referred_to_kind": referral.referred_to_kind,
        "reason": referral.reason,
        "diagnoses": referral.diagnosis_display,
        "visits_requested": referral.visits_requested,
        "visits_approved": referral.visits_approved,
        "visits_used": referral.visits_used,
        "start_date": referral.start_date,
        "end_date": referral.end_date,
        "urgency": referral.urgency,
        "auto_approved": referral.auto_approved,
        "decision_note": referral.decision_note,
        "created_at": referral.created_at,
    }
    if history:
        data["history"] = [
            {
                "at": e.at,
                "by": e.get_actor_kind_display(),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in selectors.referral_history(referral=referral)
        ]
    return data


def _organization(user: Any, organization_id: int | None) -> Organization:
    organizations = list(selectors.referral_organizations_for_user(user=user))
    if organization_id is None:
        if len(organizations) == 1:
            return organizations[0]
        raise HttpError(400, "Give organization_id: this account refers for several practices.")
    for organization in organizations:
        if organization.pk == organization_id:
            return organization
    raise HttpError(404, "No such practice.")


@router.get("", response={200: ReferralPageOut, **ERRORS}, summary="Search referrals")
def referral_search(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    user = _office(request)
    if query.status and query.status not in ReferralStatus.values:
        raise HttpError(400, f"status must be one of: {', '.join(ReferralStatus.values)}.")
    filters = ReferralFilters(
        member_id=query.member_id.strip().upper(),
        number=query.number,
        provider_npi=query.provider_npi,
        status=query.status,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    page = api_page(
        selectors.referrals_for_user(user=user, filters=filters), query.page, conf.page_size()
    )
    services.referrals_record_list(
        actor=user,
        where="API referral search",
        numbers=[r.number for r in page.object_list],
        filters=filters.as_session(),
    )
    paginator = page.paginator
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_out(r) for r in page.object_list],
    }


@router.post("", response={201: ReferralOut, **ERRORS}, summary="Submit a referral")
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    user = _office(request)
    organization = _organization(user, payload.organization_id)
    data = payload.dict()
    data.pop("organization_id")
    try:
        referral = services.referral_submit(
            organization=organization,
            request=services.ReferralRequest(**data),
            actor=user,
            source=Source.API,
        )
    except services.ReferralInvalid as exc:
        raise refused(400, exc.message, errors=exc.errors, code=exc.code) from exc
    except services.ReferralError as exc:
        raise refused(400, exc.message, code=exc.code) from exc
    referral.refresh_from_db()
    return Status(201, _out(referral, history=True))


@router.get("/{number}", response={200: ReferralOut, **ERRORS}, summary="View a referral")
def referral_detail(request: HttpRequest, number: str) -> Any:
    user = _office(request)
    referral = selectors.referral_get_for_user(user=user, number=number)
    services.referral_view_record(referral=referral, actor=user)
    return _out(referral, history=True)


@router.post("/{number}/cancel", response={200: ReferralOut, **ERRORS}, summary="Cancel")
def referral_cancel(request: HttpRequest, number: str, payload: CancelIn) -> Any:
    user = _office(request)
    referral = selectors.referral_get_for_user(user=user, number=number)
    try:
        referral = services.referral_cancel(referral=referral, actor=user, note=payload.note)
    except services.ReferralError as exc:
        raise refused(400, exc.message, code=exc.code) from exc
    return _out(referral, history=True)


REFERRAL_X12_DESCRIPTION = """\
Body: a 278 request (005010X217, UM01 `SC` specialty care) as `application/edi-x12`; with
several practices, `?organization_id=`. The answer is X12 too (header `X-X12-Transaction`:
`278` or `999`):

* **200**, a 278 response (`application/edi-x12`): the referral's HCR decision (A1 certified
  with the referral number as HCR02, A4 pended for staff review), header `X-Referral-Number`;
  or, when the request could not be taken, the request echoed with **AAA** (Request
  Validation) segments in the loops where the problems are and no HCR: 2010B referring PCP
  (43 invalid NPI, 51 not on file, 41 not one of the practice's providers); 2010C member
  (72 missing ID, 75 not found); 2010C/2010D (dependent) 58 date of birth, 95 not eligible
  on the start date; 2010EA referred-to provider (43 invalid NPI, 44 not in the directory and
  no name, 33 the PCP themself); 2000E patient event (AF diagnoses, 57 dates, 33 not a UM01 SC
  request or any other input error); 2000F the service line (15 visits missing, 33 out of
  range). AAA01 `N`; AAA04 `C` correct and resubmit, `N` (with 41) resubmission not allowed.
  Nothing is saved for a refused request.
* **400**, a 999 (`application/edi-x12`) naming the envelope's errors when the body is not a
  readable 278; or JSON when `organization_id` is needed.
"""


@router.post(
    "/x12/278",
    summary="Submit a referral as an X12 278 request; answers a 278 response (AAA when refused)",
    description=REFERRAL_X12_DESCRIPTION,
    response={401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    openapi_extra={
        "requestBody": x12_request_body("A 278 request (005010X217, UM01 SC)"),
        "responses": {
            "200": {
                "description": "A 278 response: the HCR decision, or AAA request validation",
                "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            },
            "400": {
                "description": "A 999 when the body is not a readable 278; JSON when "
                "organization_id is needed",
                "content": {
                    "application/edi-x12": {"schema": {"type": "string"}},
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}},
                },
            },
        },
    },
)
def referral_x12(request: HttpRequest, organization_id: int | None = None) -> HttpResponse:
    """Body: the raw 278 (005010X217, UM01 = SC). Answer: a 278 response (200) or a 999 (400).

    Accepted or refused (AAA), the answer is a 278 response: the transport succeeded and the
    document says what became of the referral. A 999 means the body could not be read."""
    user = _office(request)
    organization = _organization(user, organization_id)
    answer = referral_278_receive(user=user, organization=organization, content=request.body)
    status = 400 if answer.kind == "999" else 200
    response = HttpResponse(answer.content, status=status, content_type="application/edi-x12")
    response["X-X12-Transaction"] = answer.kind
    if answer.referral is not None:
        response["X-Referral-Number"] = answer.referral.number
    return response
