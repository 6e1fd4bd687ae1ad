"""FHIR R4 ``ExplanationOfBenefit`` search and read (CARIN Blue Button), discovered by
``portico.api``: the caller's adjudicated claims (Claims grant practice + TINs), scope
``claims``. The mapping itself is ``portico.fhir.eob`` (pure Python)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from portico.claims.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineStatus
from portico.claims.selectors import claims_for_user
from portico.core.audit import audit_record
from portico.fhir.common import (
    FhirError,
    FhirNotFound,
    FhirRegistry,
    FhirRequest,
    SearchPage,
    SearchParam,
    paged_searchset_bundle,
    token_codes,
)
from portico.fhir.eob import (
    PROFILE_INPATIENT,
    PROFILE_OUTPATIENT,
    PROFILE_PROFESSIONAL,
    EobAdjustment,
    EobClaim,
    EobLine,
    eob_resource,
)
from portico.remittance.models import PaymentClaim, PaymentClaimKind

DATE_RE = re.compile(r"^(eq|ne|gt|lt|ge|le)?(\d{4}-\d{2}-\d{2})$")
ADJUDICATED = [
    ClaimStatus.FINALIZED_PAID,
    ClaimStatus.FINALIZED_DENIED,
    ClaimStatus.FINALIZED_PARTIAL,
    ClaimStatus.ADJUSTED,
    ClaimStatus.VOIDED,
]
GENDERS = {"F": "female", "M": "male", "U": "unknown"}


def _eob_claims(user: Any) -> QuerySet[Claim]:
    return (
        claims_for_user(user=user)
        .filter(status__in=ADJUDICATED, adjudicated_at__isnull=False)
        .select_related("health_plan")
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.prefetch_related("adjustments")),
            "diagnoses",
        )
    )


def eob_claim(claim: Claim) -> EobClaim:
    """An adjudicated claim as the mapping's input."""
    payment = (
        PaymentClaim.objects.filter(
            claim=claim, kind=PaymentClaimKind.PAYMENT, adjudicated_at=claim.adjudicated_at
        )
        .select_related("payment")
        .first()
    )
    lines = []
    for ln in claim.lines.all():
        lines.append(
            EobLine(
                sequence=ln.line_number,
                charge=ln.charge,
                procedure_code=ln.procedure_code,
                modifiers=ln.modifiers,
                revenue_code=ln.revenue_code,
                service_date=ln.service_date,
                units=ln.units,
                allowed=ln.allowed or Decimal(0),
                paid=ln.paid or Decimal(0),
                deductible=ln.deductible or Decimal(0),
                coinsurance=ln.coinsurance or Decimal(0),
                copay=ln.copay or Decimal(0),
                patient_responsibility=ln.patient_responsibility or Decimal(0),
                adjustments=[
                    EobAdjustment(a.group_code, a.reason_code, a.amount)
                    for a in ln.adjustments.all()
                ],
                remark_codes=ln.remark_codes.split(),
                place_of_service=ln.place_of_service,
                diagnosis_pointers=ln.pointer_list,
                denied=ln.status == LineStatus.DENIED,
            )
        )
    plan = claim.health_plan
    return EobClaim(
        id=claim.number,
        claim_number=claim.number,
        kind="institutional" if claim.kind == ClaimKind.INSTITUTIONAL else "professional",
        created=claim.adjudicated_at or claim.updated_at,
        last_updated=claim.updated_at,
        patient_id=claim.member_number,
        patient_member_id=claim.member_number,
        patient_family=claim.patient_last_name,
        patient_given=claim.patient_first_name,
        patient_birth_date=claim.patient_dob,
        patient_gender=GENDERS.get(claim.patient_sex, "unknown"),
        insurer_name=plan.name if plan else claim.payer_id,
        insurer_payer_id=claim.payer_id,
        provider_npi=claim.billing_npi,
        provider_name=claim.billing_name,
        rendering_npi=claim.rendering_npi,
        rendering_name=claim.rendering_name,
        billable_start=claim.service_date_from,
        billable_end=claim.service_date_to,
        received=claim.submitted_at.date() if claim.submitted_at else None,
        cancelled=claim.status == ClaimStatus.VOIDED,
        outcome="partial" if claim.status == ClaimStatus.FINALIZED_PARTIAL else "complete",
        type_of_bill=claim.type_of_bill,
        place_of_service=claim.place_of_service,
        admission_date=claim.admission_date,
        discharge_status=claim.patient_status,
        diagnoses=[d.code for d in claim.diagnoses.all()],
        lines=lines,
        total_charge=claim.total_charge,
        total_allowed=claim.allowed_total or Decimal(0),
        total_paid=claim.paid_total or Decimal(0),
        total_patient_responsibility=claim.patient_responsibility_total or Decimal(0),
        payment_date=payment.payment.payment_date if payment else None,
        payment_trace=payment.payment.trace_number if payment else "",
        payment_amount=payment.paid if payment else None,
        plan_name=plan.name if plan else "",
    )


def _date_filter(field: str, raw: str) -> Q:
    match = DATE_RE.match(raw.strip())
    try:
        value = dt.date.fromisoformat(match.group(2)) if match else None
    except ValueError:  # the shape of a date, not a date: 2020-13-45, 0000-01-01
        value = None
    if match is None or value is None:
        raise FhirError(
            400,
            f"{field}: {raw!r} is not a date (YYYY-MM-DD, optional prefix).",
            code="value",
            expression=[field],
        )
    prefix = match.group(1) or "eq"
    lookups = {
        "eq": Q(adjudicated_at__date=value),
        "ne": ~Q(adjudicated_at__date=value),
        "gt": Q(adjudicated_at__date__gt=value),
        "lt": Q(adjudicated_at__date__lt=value),
        "ge": Q(adjudicated_at__date__gte=value),
        "le": Q(adjudicated_at__date__lte=value),
    }
    return lookups[prefix]


def eob_search(principal: Any, req: FhirRequest) -> dict[str, Any]:
    qs = _eob_claims(principal.user)
    params = req.params
    for raw in params.get("patient", []):
        member = raw.split("/")[-1].strip()
        qs = qs.filter(member_number=member)
    for raw in params.get("identifier", []):
        value = raw.split("|")[-1].strip().upper()
        qs = qs.filter(number=value)
    for raw in params.get("created", []):
        qs = qs.filter(_date_filter("created", raw))
    # status and type codes are checked by the endpoint (SearchParam.values) → 400.
    for raw in params.get("status", []):
        wanted = set(token_codes(raw))
        q = Q(pk__in=[])
        if "active" in wanted:
            q |= ~Q(status=ClaimStatus.VOIDED)
        if "cancelled" in wanted:
            q |= Q(status=ClaimStatus.VOIDED)
        qs = qs.filter(q)
    for raw in params.get("type", []):
        qs = qs.filter(kind__in=token_codes(raw))
    page = req.page or SearchPage()
    total = qs.count()
    # Newest first; the primary key breaks ties, so an _offset names the same page every time.
    ordered = qs.order_by("-adjudicated_at", "-id")
    claims = list(ordered[page.offset : page.stop]) if page.size else []
    audit_record(
        action="portico.eob.fhir_read",
        actor=principal.user,
        object_type="fhir.explanationofbenefit",
        changes={"interaction": "search", "count": len(claims), "offset": page.offset},
    )
    return paged_searchset_bundle(
        [eob_resource(eob_claim(c)) for c in claims], req=req, total=total
    )


def eob_read(principal: Any, req: FhirRequest) -> dict[str, Any]:
    claim = _eob_claims(principal.user).filter(number=(req.id or "").upper()).first()
    if claim is None:
        raise FhirNotFound()
    audit_record(
        action="portico.eob.fhir_read",
        actor=principal.user,
        obj=claim,
        organization_id=claim.organization_id,
        member_ref=claim.member_number,
        changes={"interaction": "read", "at": timezone.now().isoformat()},
    )
    return eob_resource(eob_claim(claim))


def register(registry: FhirRegistry) -> None:
    profiles = [PROFILE_PROFESSIONAL, PROFILE_INPATIENT, PROFILE_OUTPATIENT]
    registry.search(
        "ExplanationOfBenefit",
        eob_search,
        scope="claims",
        params=[
            SearchParam("patient", "reference", "The member ID (Patient/<member ID>)."),
            SearchParam("identifier", "token", "The claim number."),
            SearchParam("created", "date", "When the claim was adjudicated (ge/le/gt/lt/eq)."),
            SearchParam("status", "token", "active | cancelled", values=("active", "cancelled")),
            SearchParam(
                "type",
                "token",
                "professional | institutional",
                values=("professional", "institutional"),
            ),
        ],
        profiles=profiles,
        documentation="CARIN Blue Button EOBs of the caller's adjudicated claims.",
    )
    registry.read("ExplanationOfBenefit", eob_read, scope="claims", profiles=profiles)
