"""The Physician Info Portal router (django-ninja): permitted patient look-ups and summaries.

Mounted by the API root at ``/api/v1/patientinfo/`` with its token authentication; the caller
comes from ``request.auth`` or ``request.user`` and needs a PIP grant. Look-ups are POSTed (the
member ID, name and date of birth are PHI and stay out of URLs and logs); a patient outside the
caller's view answers 404, exactly like one that does not exist. Every call is audited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from portico.core.api_errors import ErrorOut, api_user
from portico.patientinfo import selectors, services
from portico.patientinfo.selectors import SearchRefused

router = Router(tags=["patientinfo"])


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PatientSearchIn(Schema):
    member_id: str = ""
    last_name: str = ""
    first_name: str = ""
    date_of_birth: dt.date | None = None


class PatientOut(Schema):
    id: int
    member_id: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    plan: str


class CoverageOut(Schema):
    plan: str
    product: str
    group_number: str
    start_date: dt.date
    end_date: dt.date | None


class PatientReferralOut(Schema):
    number: str
    referred_to_npi: str
    referred_to_name: str
    reason: str
    start_date: dt.date
    end_date: dt.date
    visits_requested: int
    visits_approved: int
    visits_used: int
    status: str


class DiagnosisOut(Schema):
    code: str
    description: str
    first_seen: dt.date
    last_seen: dt.date
    times: int


class PrescriptionOut(Schema):
    fill_date: dt.date
    drug_name: str
    ndc: str
    strength: str
    quantity: Decimal
    days_supply: int
    prescriber_npi: str
    prescriber_name: str
    pharmacy_name: str


class SummaryOut(Schema):
    patient: PatientOut
    sex: str
    region: str
    pcp_npi: str | None
    pcp_name: str | None
    covered_today: bool
    coverages: list[CoverageOut]
    referrals: list[PatientReferralOut]
    diagnoses: list[DiagnosisOut]
    prescriptions: list[PrescriptionOut]
    prescriptions_truncated: bool = Field(
        description="More fills match than the newest 200 listed: narrow with rx_from/rx_to."
    )


class RxQuery(Schema):
    rx_from: dt.date | None = None
    rx_to: dt.date | None = None


def _user(request: HttpRequest) -> Any:
    return api_user(request)


def _patient(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "member_id": m.member_id,
        "first_name": m.first_name,
        "last_name": m.last_name,
        "date_of_birth": m.date_of_birth,
        "plan": m.plan.name,
    }


@router.post("/patients/search", response={200: list[PatientOut], **ERRORS}, summary="Look up")
def patient_search(request: HttpRequest, payload: PatientSearchIn) -> Any:
    """By ``member_id``, or by ``last_name`` + ``date_of_birth`` (``first_name`` optional)."""
    user = _user(request)
    scopes = selectors.pip_scopes_for_user(user=user)
    if not scopes:
        raise HttpError(403, "This account has no Physician Info Portal access.")
    org_ids = [s.organization_id for s in scopes]
    kind = "member_id" if payload.member_id.strip() else "name"
    searched = payload.model_dump()
    try:
        if kind == "member_id":
            found = selectors.patient_lookup_by_member_id(
                user=user, member_id=payload.member_id, scopes=scopes
            )
        else:
            found = selectors.patient_search_by_name(
                user=user,
                last_name=payload.last_name,
                first_name=payload.first_name,
                date_of_birth=payload.date_of_birth,
                scopes=scopes,
            )
    except SearchRefused as exc:
        services.patient_search_record(
            user=user, organization_ids=org_ids, kind=kind, searched=searched, refused=exc.code
        )
        raise HttpError(400, exc.message) from exc
    services.patient_search_record(
        user=user, organization_ids=org_ids, kind=kind, searched=searched, results=found
    )
    return [_patient(m) for m in found]


@router.get("/patients/{pk}", response={200: SummaryOut, **ERRORS}, summary="Patient summary")
def patient_summary(request: HttpRequest, pk: int, query: Query[RxQuery]) -> Any:
    user = _user(request)
    scopes = selectors.pip_scopes_for_user(user=user)
    if not scopes:
        raise HttpError(404, "Patient not found.")
    member, scope = selectors.patient_get_for_user(user=user, pk=pk, scopes=scopes)
    s = selectors.patient_summary(
        member=member, today=timezone.localdate(), rx_from=query.rx_from, rx_to=query.rx_to
    )
    services.patient_view_record(
        user=user, member=member, organization_id=scope.organization_id, view="api"
    )
    pcp = s.pcp_assignment.provider if s.pcp_assignment else member.pcp
    return {
        "patient": _patient(member),
        "sex": member.sex,
        "region": member.region,
        "pcp_npi": pcp.npi if pcp else None,
        "pcp_name": pcp.display_name if pcp else None,
        "covered_today": s.current_coverage is not None,
        "coverages": [
            {
                "plan": c.plan.name,
                "product": c.get_product_display(),
                "group_number": c.group_number,
                "start_date": c.start_date,
                "end_date": c.end_date,
            }
            for c in s.coverages
        ],
        "referrals": [
            {
                "number": r.number,
                "referred_to_npi": r.referred_to_npi,
                "referred_to_name": r.referred_to_name,
                "reason": r.reason,
                "start_date": r.start_date,
                "end_date": r.end_date,
                "visits_requested": r.visits_requested,
                "visits_approved": r.visits_approved,
                "visits_used": r.visits_used,
                "status": r.status,
            }
            for r in s.referrals
        ],
        "diagnoses": [
            {
                "code": d.display,
                "description": d.description,
                "first_seen": d.first_seen,
                "last_seen": d.last_seen,
                "times": d.times,
            }
            for d in s.diagnoses
        ],
        "prescriptions": [
            {
                "fill_date": rx.fill_date,
                "drug_name": rx.drug_name,
                "ndc": rx.ndc_display,
                "strength": rx.strength,
                "quantity": rx.quantity,
                "days_supply": rx.days_supply,
                "prescriber_npi": rx.prescriber_npi,
                "prescriber_name": rx.prescriber_name,
                "pharmacy_name": rx.pharmacy_name,
            }
            for rx in s.prescriptions
        ],
        "prescriptions_truncated": s.prescriptions_truncated,
    }
