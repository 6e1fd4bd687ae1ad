"""Referrals as X12 278s (005010X217, UM01 "SC" specialty care), through ``portico.x12.auth278``.

* ``referral_278(referral, response=...)``: the request as the office would send it, or the
  plan's response (HCR: A1 certified with the referral number as the certification number,
  A4 pended, A3 not certified, C cancelled).
* ``referral_278_receive(...)``: an inbound 278 request. The envelope is validated first; a
  bad envelope or an unreadable document is answered with a 999 rejection; a readable request
  becomes a referral (the same checks as the portal) and is answered with a 278 response
  (HCR) that echoes the request as sent (its TRN02/TRN03 in 2000E and 2000F with TRN01 ``2``,
  UM, the requested SV1 and the parties' NM1) and reports the decision on it (HCR; HSD with
  the visits approved when fewer were approved). A request that cannot be taken (a field is
  wrong, or it is not a UM01 ``SC`` request) is not a clinical decision: it is answered with
  a 278 response that echoes the request and carries AAA (Request Validation) segments in the
  loops at fault instead of HCR (``rejections_for_errors``), and nothing is saved.

Every answer (999 or 278) is addressed back to the sender (ISA06/GS02 = the request's
ISA08/GS03 and the other way round) and carries the next interchange control number of the
sequence the 999 and 277CA writers use.

Visits travel as the one service line's quantity (SV1, unit basis ``VS`` visits) with the
evaluation-and-management procedure code from settings (default 99242, office consultation);
the referred-to provider is the servicing provider (NM1*SJ specialist / NM1*FA facility).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from portico.core.interchange import next_interchange_control_number
from portico.members.models import Member
from portico.members.validators import normalize_member_id
from portico.organizations.models import Organization, Provider
from portico.organizations.validators import validate_npi
from portico.referrals import conf
from portico.referrals.models import Referral, ReferralStatus, ReferredToKind, Source, Urgency
from portico.referrals.services import ReferralInvalid, ReferralRequest, referral_submit
from portico.x12.ack999 import ExpectedGroup, build_999, reply_envelope
from portico.x12.auth278 import (
    MAX_AAA,
    AuthParty,
    Decision,
    FollowUp,
    Rejection,
    RejectLoop,
    RejectReason,
    ReviewAction,
    ReviewedService,
    ServiceReview,
    build_278,
    read_278,
)
from portico.x12.errors import X12Error
from portico.x12.models837 import Diagnosis
from portico.x12.validation import ValidationResult, reject_for_reader_error, validate_envelope
from portico.x12.writer import Envelope

REQUEST_CATEGORY = "SC"  # UM01 specialty care review (referrals)
SERVICE_TYPE = "3"  # UM03 consultation
VISIT_PROCEDURE = "99242"
LEVEL: dict[str, str] = {Urgency.ROUTINE: "E", Urgency.URGENT: "U", Urgency.EMERGENT: "03"}
URGENCY_FROM_LEVEL = {v: k for k, v in LEVEL.items()}
PAYER_ID = "PORTICO"
EXPECTED_278 = ExpectedGroup("HI", "0", "005010X217")  # acknowledged when nothing is readable


# Control numbers: the one sequence every X12 answer draws from (``core.interchange``).
def _reply_envelope(validation: ValidationResult) -> Envelope:
    """The answer's envelope: addressed back to the request's sender, numbered in sequence."""
    return reply_envelope(
        validation,
        control_number=next_interchange_control_number(),
        created=timezone.localtime(),
        sender=PAYER_ID,
    )


def _envelope(referral_pk: int, *, sender: str, receiver: str) -> Envelope:
    control = referral_pk % 999_999_999 or 1
    return Envelope(
        sender_id=sender[:15],
        receiver_id=receiver[:15],
        interchange_control_number=control,
        group_control_number=control,
        created=timezone.localtime(),
    )


def _decision(referral: Referral) -> Decision:
    status = referral.status
    if status in (ReferralStatus.APPROVED, ReferralStatus.USED, ReferralStatus.EXPIRED):
        action = ReviewAction.CERTIFIED
        if referral.visits_approved and referral.visits_approved < referral.visits_requested:
            action = ReviewAction.MODIFIED
        return Decision(
            action,
            certification_number=referral.number,
            effective_date=referral.start_date,
            expiration_date=referral.end_date,
            issue_date=(referral.decided_at or referral.created_at).date(),
        )
    if status == ReferralStatus.DENIED:
        return Decision(ReviewAction.NOT_CERTIFIED, reason_code="35")  # 35: benefit maximum / n.c.
    if status == ReferralStatus.CANCELLED:
        return Decision(ReviewAction.CANCELLED)
    return Decision(ReviewAction.PENDED, reason_code="0U")  # 0U: additional review needed


def _review(referral: Referral, *, response: bool) -> ServiceReview:
    member: Member = referral.member
    subscriber = member.subscriber or member
    referring = referral.referring_provider
    to = referral.referred_to_provider
    to_party = AuthParty(
        "FA" if referral.referred_to_kind == ReferredToKind.FACILITY else "SJ",
        (to.last_name or to.organization_name) if to else referral.referred_to_name,
        referral.referred_to_npi,
        first_name=to.first_name if to else "",
        entity_type=to.entity_type if to else "2",
        taxonomy=to.taxonomy_code if to else "",
    )
    visits = referral.visits_approved if response and referral.visits_approved else None
    review = ServiceReview(
        umo_name=referral.plan.name[:60] or conf.umo_name(),
        umo_id=referral.plan.payer_id,
        requester=AuthParty(
            "1P", referring.last_name, referring.npi, first_name=referring.first_name
        ),
        member_id=subscriber.member_id,
        subscriber_last_name=subscriber.last_name,
        subscriber_first_name=subscriber.first_name,
        subscriber_birth_date=subscriber.date_of_birth,
        subscriber_sex=subscriber.sex if subscriber.sex in ("F", "M") else "U",
        trace_number=referral.trace_number or referral.number,
        request_category=REQUEST_CATEGORY,
        certification_type="I",
        service_type=SERVICE_TYPE,
        facility_code="11",
        level_of_service=LEVEL.get(referral.urgency, "E"),
        event_date=referral.start_date,
        event_date_end=referral.end_date,
        diagnoses=[
            Diagnosis("ABK" if i == 0 else "ABF", code)
            for i, code in enumerate(referral.diagnosis_codes)
        ],
        servicing_providers=[to_party],
        services=[
            ReviewedService(
                VISIT_PROCEDURE,
                Decimal(visits or referral.visits_requested),
                unit_basis="VS",
                service_type=SERVICE_TYPE,
                service_date=referral.start_date,
                service_date_end=referral.end_date,
            )
        ],
        decision=_decision(referral) if response else None,
        reference=referral.number,
    )
    if subscriber.pk != member.pk:
        review.patient_last_name = member.last_name
        review.patient_first_name = member.first_name
        review.patient_birth_date = member.date_of_birth
        review.patient_sex = member.sex if member.sex in ("F", "M") else "U"
    return review


def referral_278(referral: Referral, *, response: bool = True) -> str:
    """The referral as a 278 request (``response=False``) or the plan's 278 response."""
    review = _review(referral, response=response)
    office = referral.referring_provider.npi
    payer = referral.plan.payer_id or PAYER_ID
    sender, receiver = (payer, office) if response else (office, payer)
    return build_278(review, _envelope(referral.pk, sender=sender, receiver=receiver))


@dataclass
class X12Answer:
    """What to send back for an inbound 278: a 999 rejection or a 278 response.

    A refused request is a 278 response too (``kind`` "278"), with ``rejections`` (its AAA
    segments) and the field ``errors`` they come from, and no ``referral``."""

    content: str
    kind: str  # "999" or "278"
    referral: Referral | None = None
    errors: dict[str, str] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)


def _reject_999(validation: ValidationResult, error: X12Error | None = None) -> X12Answer:
    """The 999 for a 278 that cannot be read: the envelope's errors or, when the envelopes are
    sound, the segment the 278 reader refused (``error``)."""
    if error is not None:
        reject_for_reader_error(validation, error)
    envelope = _reply_envelope(validation)
    return X12Answer(build_999(validation, envelope, expected_group=EXPECTED_278), "999")


# ---------------------------------------------------------------------------
# Refusals: ReferralInvalid.errors -> AAA (Request Validation) in the loop at fault
# ---------------------------------------------------------------------------
PROVIDER_NAME_MISSING = "44"  # AAA03 Invalid/Missing Provider Name (element 901)

# Field errors about the patient event (2000E): its UM, HI and DTP*AAH segments.
_EVENT_REASONS: dict[str, str] = {
    "diagnoses": RejectReason.INVALID_DIAGNOSIS,  # HI: none, too many, not ICD-10-CM
    "start_date": RejectReason.INVALID_SERVICE_DATES,  # DTP*AAH
    "end_date": RejectReason.INVALID_SERVICE_DATES,
    "request_category": RejectReason.INPUT_ERRORS,  # UM01 is not SC, or not a request
    "urgency": RejectReason.INPUT_ERRORS,  # UM06
}


def _referring_rejection(npi: str) -> Rejection:
    """The referring PCP (2010B) refused: NPI missing or invalid (43), unknown (51), or known
    but not one of the submitting practice's providers (41, no resubmission: connect the
    provider to the practice first)."""
    loop = RejectLoop.REQUESTER
    npi = npi.strip()
    try:
        validate_npi(npi)
    except ValidationError:
        return Rejection(loop, RejectReason.INVALID_PROVIDER_ID)
    if not Provider.objects.filter(npi=npi).exists():
        return Rejection(loop, RejectReason.PROVIDER_NOT_ON_FILE)
    return Rejection(loop, RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION)


def _member_found(request: ReferralRequest | None) -> bool:
    """A member with the request's ID and date of birth exists (then a ``member_id`` error is
    about eligibility on the start date)."""
    if request is None or request.date_of_birth is None or not request.member_id.strip():
        return False
    return Member.objects.filter(
        member_id=normalize_member_id(request.member_id), date_of_birth=request.date_of_birth
    ).exists()


def _field_rejection(key: str, review: ServiceReview, request: ReferralRequest | None) -> Rejection:
    patient = RejectLoop.DEPENDENT if review.patient_last_name else RejectLoop.SUBSCRIBER
    event = RejectLoop.PATIENT_EVENT
    referred_to = RejectLoop.EVENT_PROVIDER if review.servicing_providers else None
    if key == "member_id":
        if not review.member_id.strip():
            return Rejection(RejectLoop.SUBSCRIBER, RejectReason.INVALID_MEMBER_ID)
        if _member_found(request):  # found, but no coverage on the start date
            return Rejection(patient, RejectReason.PATIENT_NOT_ELIGIBLE)
        # No member with this ID and date of birth: a wrong date of birth reads the same.
        return Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND)
    if key == "date_of_birth":
        return Rejection(patient, RejectReason.INVALID_BIRTH_DATE)
    if key == "referring_npi":
        return _referring_rejection(review.requester.npi)
    if key in ("referred_to_npi", "referred_to_name", "referred_to_kind"):
        if referred_to is None:  # no servicing provider (2010EA) in the request at all
            return Rejection(event, RejectReason.INVALID_PROVIDER_ID)
        if key == "referred_to_name":  # an NPI not in the directory, and no name for it
            return Rejection(referred_to, PROVIDER_NAME_MISSING, index=0)
        if key == "referred_to_kind":
            return Rejection(referred_to, RejectReason.INPUT_ERRORS, index=0)
        try:
            validate_npi(review.servicing_providers[0].npi.strip())
        except ValidationError:
            return Rejection(referred_to, RejectReason.INVALID_PROVIDER_ID, index=0)
        return Rejection(referred_to, RejectReason.INPUT_ERRORS, index=0)  # the PCP themself
    if key == "visits_requested":
        if not review.services:
            return Rejection(event, RejectReason.REQUIRED_DATA_MISSING)
        service = review.services[0]
        if service.quantity == 0 and not service.quantity_invalid:  # none or 0 sent
            return Rejection(RejectLoop.SERVICE, RejectReason.REQUIRED_DATA_MISSING, index=0)
        # Out of range (500, 1E400, 20 digits), negative, or not a whole number (1.5).
        return Rejection(RejectLoop.SERVICE, RejectReason.INPUT_ERRORS, index=0)
    return Rejection(event, _EVENT_REASONS.get(key, RejectReason.INPUT_ERRORS))


def rejections_for_errors(
    errors: dict[str, str],
    review: ServiceReview,
    *,
    request: ReferralRequest | None = None,
) -> list[Rejection]:
    """``ReferralInvalid.errors`` (keyed by ``ReferralRequest``'s field names) → AAA segments
    in the loops that carry those fields.

    2010C subscriber: member ID missing (72) or no member with that ID and date of birth (75);
    2010C, or 2010D for a dependent: date of birth missing (58), not eligible on the start date
    (95). 2010B requester (the referring PCP): NPI invalid or missing (43), not on file (51),
    not one of the practice's providers (41, AAA04 N). 2010EA the referred-to provider: NPI
    invalid (43), not in the directory and no name (44), the PCP themself (33). 2000E patient
    event: diagnoses (AF), dates (57), not a UM01 SC request (33), anything else (33). 2000F
    the service line: visits missing (15) or out of range (33). AAA01 is "N"; AAA04 is "C"
    (please correct and resubmit) except for 41. One AAA per loop and reason, at most
    ``MAX_AAA`` per loop."""
    found: list[Rejection] = []
    for key in errors:
        rejection = _field_rejection(key, review, request)
        same_loop = [r for r in found if (r.loop, r.index) == (rejection.loop, rejection.index)]
        if rejection not in found and len(same_loop) < MAX_AAA:
            found.append(rejection)
    return found


def _refused(
    review: ServiceReview,
    errors: dict[str, str],
    validation: ValidationResult,
    *,
    request: ReferralRequest | None = None,
) -> X12Answer:
    """The request echoed as a 278 response with AAA segments where the problems are, no HCR."""
    rejections = rejections_for_errors(errors, review, request=request) or [
        Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS)
    ]
    review.decision = None
    for svc in review.services:
        svc.decision = None
    review.rejections = rejections
    envelope = _reply_envelope(validation)
    return X12Answer(build_278(review, envelope), "278", errors=errors, rejections=rejections)


def _answered(referral: Referral, review: ServiceReview, validation: ValidationResult) -> str:
    """The 278 response to a request that became ``referral``: the request echoed as sent
    (BHT03 aside, which names the referral) with the decision on it. The event and its
    service carry the HCR; when fewer visits were approved than asked, the service's HSD says
    how many (SV1 keeps the count asked)."""
    decision = _decision(referral)
    review.rejections = []
    review.decision = decision
    approved = referral.visits_approved
    for service in review.services:
        service.decision = dataclasses.replace(decision)
        certified = decision.action in (ReviewAction.CERTIFIED, ReviewAction.MODIFIED)
        if certified and approved and Decimal(approved) != service.quantity:
            service.approved_quantity = Decimal(approved)
    review.reference = referral.number
    return build_278(review, _reply_envelope(validation))


def referral_278_receive(
    *, user: Any, organization: Organization, content: str | bytes, today: dt.date | None = None
) -> X12Answer:
    """Turn an inbound 278 referral request into a referral and answer it."""
    validation = validate_envelope(content)
    if not validation.accepted:
        return _reject_999(validation)
    try:
        review = read_278(content)
    except X12Error as exc:
        return _reject_999(validation, exc)
    if review.is_response or review.request_category != REQUEST_CATEGORY:
        errors = {"request_category": "Send referrals as 278 requests with UM01 = SC."}
        return _refused(review, errors, validation)
    to = review.servicing_providers[0] if review.servicing_providers else None
    svc = review.services[0] if review.services else None
    member_id = review.member_id
    born = review.subscriber_birth_date
    if review.patient_last_name:  # a dependent: the patient's own date of birth identifies them
        born = review.patient_birth_date
    request = ReferralRequest(
        member_id=member_id,
        date_of_birth=born,
        referring_npi=review.requester.npi,
        referred_to_npi=to.npi if to else "",
        referred_to_name=" ".join(p for p in ((to.first_name, to.name) if to else ()) if p),
        referred_to_kind=ReferredToKind.FACILITY
        if to and to.entity_code == "FA"
        else ReferredToKind.SPECIALIST,
        reason=f"Specialty care referral (278 trace {review.trace_number})"[:500],
        diagnoses=[dx.code for dx in review.diagnoses],
        # No count (SV104 absent reads as 0) is refused with AAA 15, never taken as 1 visit;
        # a count that is not a whole number in range with 33 (``ReviewedService.whole_quantity``).
        visits_requested=(svc.whole_quantity or 0) if svc is not None else 0,
        start_date=review.event_date,
        end_date=review.event_date_end or review.event_date,
        urgency=URGENCY_FROM_LEVEL.get(review.level_of_service, Urgency.ROUTINE),
    )
    try:
        referral = referral_submit(
            organization=organization,
            request=request,
            actor=user,
            source=Source.X12,
            trace_number=review.trace_number,
            today=today,
        )
    except ReferralInvalid as exc:  # nothing saved: the transaction rolled back
        return _refused(review, exc.errors, validation, request=request)
    referral.refresh_from_db()
    return X12Answer(_answered(referral, review, validation), "278", referral=referral)
