"""FHIR Da Vinci PAS and X12 278 channels: the same validation and services as the portal.

``priorauth_submit_pas(user=, bundle=)`` → the PAS response Bundle (dict); bad input raises
``PasInputError`` (``portico.fhir.pas``) whose ``issues`` are OperationOutcome issues; nothing
is saved then. ``priorauth_inquire_pas`` answers the current status of one request.
``priorauth_receive_278(user=, content=)`` answers an inbound 278 as X12: a 999 when the
envelopes are not sound (wrong SE01 count, control numbers...) or the set cannot be read,
otherwise ``priorauth_submit_278``'s 278 response: HCR decisions when the request was
submitted, AAA (Request Validation) segments in the loops of the request's problems when it
was refused (then nothing is saved), or, for a duplicate of an open request, that request's
decisions (nothing new is saved). Answers are addressed back to the sender and carry the next
interchange control number of the sequence the 999 and 277CA writers use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from portico.core.interchange import next_interchange_control_number
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
from portico.organizations.models import Provider
from portico.organizations.validators import validate_npi
from portico.priorauth.models import (
    LineDecision,
    PriorAuthRequest,
    ServiceCategory,
    Source,
    Status,
    Urgency,
)
from portico.priorauth.services.common import PriorAuthError
from portico.priorauth.services.requests import (
    LineInput,
    PossibleDuplicate,
    RequestInput,
    RequestInvalid,
    priorauth_organization_ids,
    priorauth_submit,
)
from portico.x12 import auth278
from portico.x12.ack999 import ExpectedGroup, build_999, reply_envelope
from portico.x12.auth278 import FollowUp, Rejection, RejectLoop, RejectReason
from portico.x12.errors import X12Error
from portico.x12.validation import ValidationResult, reject_for_reader_error, validate_envelope
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
    """The Claim of a bundle that is not a complete PAS request (entries of any JSON shape)."""
    entries = bundle.get("entry")
    resources = (
        [e.get("resource") for e in entries if isinstance(e, dict)]
        if isinstance(entries, list)
        else []
    )
    claim: dict[str, Any] = next(
        (r for r in resources if isinstance(r, dict) and r.get("resourceType") == "Claim"), {}
    )
    return PasRequest("", "", "", "", None, "", "", "", "", "normal", claim=claim)


# ---------------------------------------------------------------------------
# X12 278
# ---------------------------------------------------------------------------
# UM01 of the requests prior authorization takes: HS health services review, AR admission
# review. SC (specialty care) is a referral: the referrals endpoint takes it.
REQUEST_CATEGORIES = frozenset({"HS", "AR"})
# What a 999 acknowledges when nothing readable arrived: the 278's group.
EXPECTED_278 = ExpectedGroup("HI", "0", "005010X217")


# Control numbers: the one sequence every X12 answer draws from (``core.interchange``).
def x12_reply_envelope(validation: ValidationResult) -> Envelope:
    """Addressed back to the request's sender (see ``reply_envelope``), numbered in sequence."""
    return reply_envelope(
        validation, control_number=next_interchange_control_number(), created=timezone.localtime()
    )


@dataclass(slots=True)
class X12Reply:
    """What to send back for an inbound 278: ``kind`` "278" (a response, 200) or "999" (400)."""

    content: str
    kind: str


def priorauth_receive_278(*, user: Any, content: str | bytes) -> X12Reply:
    """An inbound 278 → the X12 answer. The envelopes are validated first, as the referral and
    276 endpoints do: a wrong SE01 count, a control number mismatch or a body that is not X12
    is answered with a 999 rejecting it, and so is a set the 278 reader cannot read (the 999
    names its segment and element); nothing is saved then."""
    validation = validate_envelope(content)
    envelope = x12_reply_envelope(validation)
    if not validation.accepted:
        return X12Reply(build_999(validation, envelope, expected_group=EXPECTED_278), "999")
    try:
        text = priorauth_submit_278(user=user, content=content, envelope=envelope)
    except X12Error as exc:
        reject_for_reader_error(validation, exc)
        return X12Reply(build_999(validation, envelope, expected_group=EXPECTED_278), "999")
    return X12Reply(text, "278")


def priorauth_submit_278(*, user: Any, content: str | bytes, envelope: Envelope) -> str:
    """A 278 request (005010X217) → the 278 response.

    Submitted: HCR decisions per service and for the event. Refused (unknown UMO/payer, field
    errors, no right to submit, not a UM01 HS/AR request): the request echoed with AAA
    segments where the problems are (see ``rejections_for_errors``), and nothing saved. The
    same request as one still open (the portal's duplicate rule): that request's decisions,
    its reference as the certification number, and nothing new saved. Raises ``X12Error``
    only for a document that is not a readable 278 request (the caller answers a 999); the
    envelopes are the caller's to check (``priorauth_receive_278``).
    """
    review = auth278.read_278(content)
    if review.is_response:
        # A response sent where requests go is refused like a request that cannot be taken
        # (AAA 33 in the patient event), as the referrals endpoint answers it.
        wrong_kind = Rejection(
            RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS, FollowUp.CORRECT_AND_RESUBMIT
        )
        return build_278_rejection(review, [wrong_kind], envelope)
    if review.request_category not in REQUEST_CATEGORIES:
        # UM01 SC is a referral (specialty care), not a prior authorization: AAA 33 in 2000E,
        # as the referrals endpoint refuses a request that is not UM01 SC.
        wrong_category = Rejection(
            RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS, FollowUp.CORRECT_AND_RESUBMIT
        )
        return build_278_rejection(review, [wrong_category], envelope)
    plan = HealthPlan.objects.filter(payer_id=review.umo_id).first()
    if plan is None:  # NM109 of 2010A names no plan this UMO reviews for
        unknown = Rejection(
            RejectLoop.UMO, RejectReason.INVALID_PARTICIPANT, FollowUp.NO_RESUBMISSION
        )
        return build_278_rejection(review, [unknown], envelope)
    try:
        row = priorauth_submit(user=user, data=_input_from_278(review, plan), source=Source.X12)
    except RequestInvalid as exc:
        return build_278_rejection(review, rejections_for_errors(exc.errors, review), envelope)
    except PossibleDuplicate as exc:
        # The portal's duplicate rule (REST 409, PAS "duplicate"): X12 has no "confirm" flag
        # and no reject reason for a repeated request, so the UMO answers it with the request
        # it already holds: its decisions and reference (HCR02). Nothing new is saved.
        existing = max(exc.duplicates, key=lambda r: (r.submitted_at or r.created_at, r.pk))
        return build_278_response(existing, review, envelope)
    except PriorAuthError as exc:
        return build_278_rejection(review, [_refusal(exc)], envelope)
    return build_278_response(row, review, envelope)


def _input_from_278(review: auth278.ServiceReview, plan: HealthPlan) -> RequestInput:
    first = next((s.service_date for s in review.services if s.service_date), review.event_date)
    code = review.services[0].procedure_code if review.services else ""
    category = _category_for(code)
    answers: dict[str, str] = {}
    for question in category.questions if category else []:
        answers[question["key"]] = {"yesno": "yes", "number": "0"}.get(
            question.get("kind", ""), "Provided in the 278 request"
        )
    urgent = review.level_of_service in ("U", "03")
    return RequestInput(
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
        urgency=Urgency.EXPEDITED if urgent else Urgency.STANDARD,
        expedited_attestation=urgent,
        expedited_reason="Urgent (UM06) in the 278 request." if urgent else "",
        clinical_answers=answers,
        lines=[
            LineInput(
                code=s.procedure_code,
                units=s.whole_quantity,
                start_date=s.service_date or first,
                end_date=s.service_date_end or s.service_date or first,
                modifier=s.modifiers[0] if s.modifiers else "",
            )
            for s in review.services
        ],
        external_id=review.trace_number,
    )


# Field errors of a service line (``lines-<index>-<field>``) → AAA03 in that line's 2000F.
_LINE_REASONS = {
    "code": RejectReason.INVALID_PROCEDURE,
    "modifier": RejectReason.INVALID_PROCEDURE,  # SV101-3: part of the procedure composite
    "start_date": RejectReason.INVALID_SERVICE_DATES,
    "end_date": RejectReason.INVALID_SERVICE_DATES,
}


def _provider_rejection(loop: RejectLoop, npi: str, index: int | None = None) -> Rejection:
    """A requesting/servicing provider refused: bad NPI (43), unknown (51), or known but not
    connected to the submitter's practices (41, no resubmission: connect it first)."""
    npi = npi.strip()
    try:
        validate_npi(npi)
    except ValidationError:
        return Rejection(loop, RejectReason.INVALID_PROVIDER_ID, index=index)
    if not Provider.objects.filter(npi=npi).exists():
        return Rejection(loop, RejectReason.PROVIDER_NOT_ON_FILE, index=index)
    return Rejection(loop, RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION, index)


def _field_rejection(key: str, review: auth278.ServiceReview) -> Rejection:
    patient = RejectLoop.DEPENDENT if review.patient_last_name else RejectLoop.SUBSCRIBER
    event = RejectLoop.PATIENT_EVENT
    if key == "plan":
        return Rejection(RejectLoop.UMO, RejectReason.INVALID_PARTICIPANT, FollowUp.NO_RESUBMISSION)
    if key == "member_id":  # "not found" also covers a wrong birth date: never say which
        if not review.member_id.strip():
            return Rejection(RejectLoop.SUBSCRIBER, RejectReason.INVALID_MEMBER_ID)
        return Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND)
    if key == "member_birth_date":
        return Rejection(patient, RejectReason.INVALID_BIRTH_DATE)
    if key == "service_date":  # no date at all, or no coverage on it
        if not any(s.service_date for s in review.services) and review.event_date is None:
            return Rejection(event, RejectReason.INVALID_SERVICE_DATES)
        return Rejection(patient, RejectReason.PATIENT_NOT_ELIGIBLE)
    if key == "requesting_provider":
        return _provider_rejection(RejectLoop.REQUESTER, review.requester.npi)
    if key == "servicing_provider":
        if review.servicing_providers:
            npi = review.servicing_providers[0].npi
            return _provider_rejection(RejectLoop.EVENT_PROVIDER, npi, 0)
        return Rejection(event, RejectReason.INVALID_PROVIDER_ID)
    if key == "diagnoses":
        return Rejection(event, RejectReason.INVALID_DIAGNOSIS)
    if key == "lines":  # none, or more than Portico takes
        if not review.services:
            return Rejection(event, RejectReason.INVALID_PROCEDURE)
        return Rejection(event, RejectReason.INPUT_ERRORS)
    if key.startswith("lines-"):
        _, number, name = key.split("-", 2)
        index = int(number) if number.isdigit() else len(review.services)
        if index >= len(review.services):
            return Rejection(event, RejectReason.INPUT_ERRORS)
        reason = _LINE_REASONS.get(name, RejectReason.INPUT_ERRORS)
        service = review.services[index]
        if name == "units" and service.quantity <= 0 and not service.quantity_invalid:
            # None or 0 sent: missing. Out of range (1E400, 20 digits), negative with a
            # value, or not whole: input errors (33), as api.md's table says.
            reason = (
                RejectReason.REQUIRED_DATA_MISSING
                if service.quantity == 0
                else RejectReason.INPUT_ERRORS
            )
        return Rejection(RejectLoop.SERVICE, reason, index=index)
    if key == "service_category" or key.startswith("q_"):
        return Rejection(event, RejectReason.REQUIRED_DATA_MISSING)
    return Rejection(event, RejectReason.INPUT_ERRORS)  # urgency, attestation, facility, ...


def rejections_for_errors(
    errors: dict[str, list[str]], review: auth278.ServiceReview
) -> list[Rejection]:
    """``RequestInvalid.errors`` (keyed by the form's field names) → AAA segments in the loops
    that carry those fields: the member's in 2010C (2010D for a dependent's birth date and
    eligibility), the requester's in 2010B, the servicing provider's in 2010EA, diagnoses,
    dates and the clinical data in 2000E, a service line's in its 2000F. One AAA per loop and
    reason, at most ``auth278.MAX_AAA`` per loop."""
    found: list[Rejection] = []
    for key in errors:
        rejection = _field_rejection(key, review)
        same_loop = [r for r in found if (r.loop, r.index) == (rejection.loop, rejection.index)]
        if rejection not in found and len(same_loop) < auth278.MAX_AAA:
            found.append(rejection)
    return found


def _refusal(exc: PriorAuthError) -> Rejection:
    """A refusal that is not about a field: the submitter may not submit (41 in 2010B), or the
    UMO cannot take the request now (42 in 2010A: AAA01 "Y", the request itself is valid)."""
    if exc.code == "forbidden":
        return Rejection(
            RejectLoop.REQUESTER, RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION
        )
    return Rejection(
        RejectLoop.UMO, RejectReason.UNABLE_TO_RESPOND, FollowUp.RESUBMIT_ORIGINAL, valid=True
    )


def build_278_rejection(
    review: auth278.ServiceReview, rejections: list[Rejection], envelope: Envelope
) -> str:
    """The request echoed as a 278 response with AAA segments and no decisions."""
    review.decision = None
    for service in review.services:
        service.decision = None
    # Never answer a refusal without saying why (and without an AAA it would be a request).
    review.rejections = rejections or [
        Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS)
    ]
    return auth278.build_278(review, envelope)


def _lines_for_services(row: PriorAuthRequest, review: auth278.ServiceReview) -> list[Any]:
    """The request's line for each service of the 278: the same procedure code in order (a
    duplicate may list its services in another order), else the line at that position."""
    lines = list(row.lines.all())
    free = list(lines)
    found: list[Any] = []
    for service in review.services:
        line = next((ln for ln in free if ln.code == service.procedure_code), None)
        if line is not None:
            free.remove(line)
        found.append(line)
    for number, line in enumerate(found):
        if line is None and number < len(lines) and lines[number] in free:
            found[number] = lines[number]
            free.remove(lines[number])
    return found


def build_278_response(
    row: PriorAuthRequest, review: auth278.ServiceReview, envelope: Envelope
) -> str:
    today = timezone.localdate()
    review.rejections = []
    lines = _lines_for_services(row, review)
    for service, line in zip(review.services, lines, strict=True):
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
    "X12Reply",
    "build_278_rejection",
    "build_278_response",
    "pas_result",
    "priorauth_inquire_pas",
    "priorauth_receive_278",
    "priorauth_submit_278",
    "priorauth_submit_pas",
    "rejections_for_errors",
    "x12_reply_envelope",
]
