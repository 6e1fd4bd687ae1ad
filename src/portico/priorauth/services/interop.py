"""FHIR Da Vinci PAS and X12 278 channels: the same validation and services as the portal.

``priorauth_submit_pas(user=, bundle=)`` → the PAS response Bundle (dict); bad input raises
``PasInputError`` (``portico.fhir.pas``) whose ``issues`` are OperationOutcome issues; nothing
is saved then. ``priorauth_inquire_pas`` answers the current status of one request.
``priorauth_submit_278(user=, content=)`` takes a 278 request and returns the 278 response.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone

from portico.fhir.common import outcome_issue
from portico.fhir.pas import (
    PasInputError,
    PasItemResult,
    PasRequest,
    PasResult,
    build_claim_response_bundle,
    parse_inquiry,
    parse_pas_request,
)
from portico.members.models import HealthPlan
from portico.priorauth.models import (
    LineDecision,
    PriorAuthRequest,
    ServiceCategory,
    Source,
    Status,
    Urgency,
)
from portico.priorauth.services.requests import (
    LineInput,
    PossibleDuplicate,
    RequestInput,
    RequestInvalid,
    priorauth_organization_ids,
    priorauth_submit,
)
from portico.x12 import auth278
from portico.x12.errors import X12Error
from portico.x12.writer import Envelope

FIELD_EXPRESSIONS = {
    "plan": "Claim.insurer",
    "member_id": "Coverage.subscriberId",
    "member_birth_date": "Patient.birthDate",
    "service_date": "Claim.item.servicedDate",
    "requesting_provider": "Claim.provider",
    "servicing_provider": "Claim.careTeam",
    "diagnoses": "Claim.diagnosis",
    "expedited_attestation": "Claim.priority",
    "service_category": "Claim.item.category",
}


def _action(line: Any, request: PriorAuthRequest) -> str:
    if request.withdrawn_at:
        return "C"
    if line.decision == LineDecision.APPROVED:
        return "A2" if line.is_partial else "A1"
    if line.decision == LineDecision.DENIED:
        return "A3"
    if line.decision == LineDecision.NOT_REQUIRED:
        return "NA"
    return "A4"


def pas_result(request: PriorAuthRequest) -> PasResult:
    items = []
    for line in request.lines.all():
        items.append(
            PasItemResult(
                sequence=line.line_no,
                action=_action(line, request),
                auth_number=line.auth_number,
                reason=line.deny_reason,
                quantity=line.approved_units,
                start=line.approved_start,
                end=line.approved_end,
            )
        )
    final = request.is_final
    outcome = "complete" if final else "queued"
    return PasResult(
        reference=request.reference,
        outcome=outcome,
        disposition=f"{request.get_status_display()}: {request.meaning}",
        items=items,
        created=timezone.now(),
        status_label=request.get_status_display(),
    )


def _category_for(code: str) -> ServiceCategory | None:
    """Service category: spine surgery codes 22xxx/63xxx, joint 27xxx/29xxx, else pain."""
    prefix = code[:2]
    wanted = {
        "22": "spine-surgery",
        "63": "spine-surgery",
        "27": "joint-surgery",
        "29": "joint-surgery",
    }.get(prefix, "pain-management")
    return ServiceCategory.objects.filter(code=wanted).first() or ServiceCategory.objects.first()


def _input_from_pas(parsed: PasRequest) -> RequestInput:
    plan = HealthPlan.objects.filter(payer_id=parsed.payer_id).first()
    if plan is None:
        raise PasInputError(
            [
                outcome_issue(
                    "not-found",
                    f"No health plan with payer identifier {parsed.payer_id!r}.",
                    expression=["Claim.insurer"],
                )
            ]
        )
    category = _category_for(parsed.items[0].code if parsed.items else "")
    answers = {
        q["key"]: "Provided in the PAS submission"
        for q in (category.questions if category else [])
        if q.get("kind") != "yesno"
    }
    answers.update(
        {
            q["key"]: "yes"
            for q in (category.questions if category else [])
            if q.get("kind") == "yesno"
        }
    )
    for key, question in ((q["key"], q) for q in (category.questions if category else [])):
        if question.get("kind") == "number":
            answers[key] = "0"
    first = next((i.start for i in parsed.items if i.start), None)
    return RequestInput(
        plan=plan,
        member_id=parsed.member_id,
        member_birth_date=parsed.patient_birth_date,
        requesting_provider_npi=parsed.provider_npi,
        servicing_provider_npi=parsed.servicing_npi,
        service_category=category,
        service_date=first,
        diagnoses=parsed.diagnoses,
        urgency=Urgency.EXPEDITED if parsed.expedited else Urgency.STANDARD,
        expedited_attestation=parsed.expedited,
        expedited_reason="Submitted as urgent through Da Vinci PAS." if parsed.expedited else "",
        clinical_answers=answers,
        clinical_notes="Submitted through the FHIR Da Vinci PAS interface.",
        lines=[
            LineInput(code=i.code, units=i.quantity, start_date=i.start, end_date=i.end)
            for i in parsed.items
        ],
        external_id=parsed.identifier,
    )


def _issues_from(errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    issues = []
    for key, messages in errors.items():
        if key.startswith("lines-"):
            index = key.split("-")[1]
            expression = f"Claim.item[{index}]"
        else:
            expression = FIELD_EXPRESSIONS.get(key, "Claim")
        issues += [outcome_issue("invalid", m, expression=[expression]) for m in messages]
    return issues


def priorauth_submit_pas(*, user: Any, bundle: dict[str, Any]) -> dict[str, Any]:
    """``Claim/$submit``: the PAS request Bundle → the ClaimResponse Bundle."""
    parsed = parse_pas_request(bundle)
    data = _input_from_pas(parsed)
    try:
        row = priorauth_submit(user=user, data=data, source=Source.FHIR)
    except RequestInvalid as exc:
        raise PasInputError(_issues_from(exc.errors)) from None
    except PossibleDuplicate as exc:
        raise PasInputError(
            [outcome_issue("duplicate", exc.message, expression=["Claim"])]
        ) from None
    return build_claim_response_bundle(parsed, pas_result(row))


def priorauth_inquire_pas(*, user: Any, bundle: dict[str, Any]) -> dict[str, Any]:
    """``Claim/$inquire``: the current status of a request the caller may see."""
    tracking, identifier = parse_inquiry(bundle)
    qs = PriorAuthRequest.objects.filter(organization_id__in=priorauth_organization_ids(user=user))
    row = None
    if tracking:
        row = qs.filter(reference=tracking).first()
    if row is None and identifier:
        row = qs.filter(external_id=identifier).order_by("-created_at").first()
    if row is None:
        raise Http404("No such prior authorization.")
    parsed = (
        parse_pas_request({"resourceType": "Bundle", "entry": bundle.get("entry", [])})
        if _looks_complete(bundle)
        else _minimal(bundle)
    )
    return build_claim_response_bundle(parsed, pas_result(row))


def _looks_complete(bundle: dict[str, Any]) -> bool:
    try:
        parse_pas_request(bundle)
    except PasInputError:
        return False
    return True


def _minimal(bundle: dict[str, Any]) -> PasRequest:
    claim: dict[str, Any] = next(
        (
            e["resource"]
            for e in bundle.get("entry", [])
            if (e or {}).get("resource", {}).get("resourceType") == "Claim"
        ),
        {},
    )
    return PasRequest("", "", "", "", None, "", "", "", "", "normal", claim=claim)


# ---------------------------------------------------------------------------
# X12 278
# ---------------------------------------------------------------------------
def priorauth_submit_278(*, user: Any, content: str | bytes, envelope: Envelope) -> str:
    """A 278 request (005010X217) → the 278 response with HCR decisions per service.

    Raises ``RequestInvalid`` (field errors) or ``X12Error`` for a malformed document.
    """
    review = auth278.read_278(content)
    if review.is_response:
        raise X12Error("this is a 278 response, not a request")
    plan = HealthPlan.objects.filter(payer_id=review.umo_id).first()
    if plan is None:
        raise RequestInvalid(
            {"plan": [f"No health plan with payer ID {review.umo_id!r} (NM109 of the UMO)."]}
        )
    first = next((s.service_date for s in review.services if s.service_date), review.event_date)
    code = review.services[0].procedure_code if review.services else ""
    category = _category_for(code)
    answers: dict[str, str] = {}
    for question in category.questions if category else []:
        answers[question["key"]] = {"yesno": "yes", "number": "0"}.get(
            question.get("kind", ""), "Provided in the 278 request"
        )
    data = RequestInput(
        plan=plan,
        member_id=review.member_id,
        member_birth_date=review.patient_birth_date or review.subscriber_birth_date,
        requesting_provider_npi=review.requester.npi,
        servicing_provider_npi=review.servicing_providers[0].npi
        if review.servicing_providers
        else "",
        service_category=category,
        service_date=first,
        diagnoses=[d.code for d in review.diagnoses],
        urgency=Urgency.EXPEDITED if review.level_of_service in ("U", "03") else Urgency.STANDARD,
        expedited_attestation=review.level_of_service in ("U", "03"),
        expedited_reason="Urgent (UM06) in the 278 request."
        if review.level_of_service in ("U", "03")
        else "",
        clinical_answers=answers,
        lines=[
            LineInput(
                code=s.procedure_code,
                units=int(s.quantity) or None,
                start_date=s.service_date or first,
                end_date=s.service_date_end or s.service_date or first,
                modifier=s.modifiers[0] if s.modifiers else "",
            )
            for s in review.services
        ],
        external_id=review.trace_number,
    )
    row = priorauth_submit(user=user, data=data, source=Source.X12, confirm_duplicate=True)
    return build_278_response(row, review, envelope)


def build_278_response(
    row: PriorAuthRequest, review: auth278.ServiceReview, envelope: Envelope
) -> str:
    today = timezone.localdate()
    lines = {ln.line_no: ln for ln in row.lines.all()}
    for number, service in enumerate(review.services, start=1):
        line = lines.get(number)
        if line is None:
            continue
        action = auth278.ReviewAction(_action(line, row))
        service.decision = auth278.Decision(
            action,
            certification_number=line.auth_number
            or (
                row.reference
                if action
                in (auth278.ReviewAction.PARTIALLY_CERTIFIED, auth278.ReviewAction.CERTIFIED)
                else ""
            ),
            reason_code=""
            if action not in (auth278.ReviewAction.NOT_CERTIFIED, auth278.ReviewAction.PENDED)
            else "0V",
            issue_date=today,
            effective_date=line.approved_start,
            expiration_date=line.approved_end,
        )
    pending = row.status in (Status.RECEIVED, Status.IN_REVIEW, Status.SEND_BACK)
    review.decision = auth278.Decision(
        auth278.ReviewAction.PENDED
        if pending
        else (
            auth278.ReviewAction.NO_ACTION_REQUIRED
            if row.status == Status.NOT_REQUIRED
            else auth278.ReviewAction.CERTIFIED
            if row.status == Status.APPROVED
            else auth278.ReviewAction.PARTIALLY_CERTIFIED
            if row.status == Status.PARTIALLY_APPROVED
            else auth278.ReviewAction.NOT_CERTIFIED
        ),
        certification_number=row.reference,
        reason_code="0V" if pending or row.status == Status.DENIED else "",
        issue_date=today,
    )
    review.reference = row.reference
    return auth278.build_278(review, envelope)


__all__ = [
    "PasInputError",
    "build_278_response",
    "pas_result",
    "priorauth_inquire_pas",
    "priorauth_submit_278",
    "priorauth_submit_pas",
]
