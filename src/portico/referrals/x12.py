"""Referrals as X12 278s (005010X217, UM01 "SC" specialty care), through ``portico.x12.auth278``.

* ``referral_278(referral, response=...)``: the request as the office would send it, or the
  plan's response (HCR: A1 certified with the referral number as the certification number,
  A4 pended, A3 not certified, C cancelled).
* ``referral_278_receive(...)``: an inbound 278 request. The envelope is validated first; a
  bad envelope or an unreadable request is answered with a 999 rejection, a readable request
  becomes a referral (the same checks as the portal) and is answered with a 278 response, or,
  when a field is wrong, with a 278 response ``A3`` whose reason is in ``MSG``-free form:
  HCR03 is the decision reason code and the errors are returned alongside for the API.

Visits travel as the one service line's quantity (SV1, unit basis ``VS`` visits) with the
evaluation-and-management procedure code from settings (default 99242, office consultation);
the referred-to provider is the servicing provider (NM1*SJ specialist / NM1*FA facility).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from portico.members.models import Member
from portico.organizations.models import Organization
from portico.referrals import conf
from portico.referrals.models import Referral, ReferralStatus, ReferredToKind, Source, Urgency
from portico.referrals.services import ReferralInvalid, ReferralRequest, referral_submit
from portico.x12.ack999 import ExpectedGroup, build_999
from portico.x12.auth278 import (
    AuthParty,
    Decision,
    ReviewAction,
    ReviewedService,
    ServiceReview,
    build_278,
    read_278,
)
from portico.x12.errors import X12Error
from portico.x12.models837 import Diagnosis
from portico.x12.validation import validate_envelope
from portico.x12.writer import Envelope

REQUEST_CATEGORY = "SC"  # UM01 specialty care review (referrals)
SERVICE_TYPE = "3"  # UM03 consultation
VISIT_PROCEDURE = "99242"
LEVEL: dict[str, str] = {Urgency.ROUTINE: "E", Urgency.URGENT: "U", Urgency.EMERGENT: "03"}
URGENCY_FROM_LEVEL = {v: k for k, v in LEVEL.items()}
PAYER_ID = "PORTICO"


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
    """What to send back for an inbound 278: a 999 rejection or a 278 response."""

    content: str
    kind: str  # "999" or "278"
    referral: Referral | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _reject_999(content: str | bytes, control: int = 1) -> X12Answer:
    result = validate_envelope(content)
    envelope = Envelope(
        sender_id=PAYER_ID,
        receiver_id="SUBMITTER",
        interchange_control_number=control,
        group_control_number=control,
        created=timezone.localtime(),
    )
    text = build_999(result, envelope, expected_group=ExpectedGroup("HI", "0", "005010X217"))
    return X12Answer(text, "999")


def _denied_response(review: ServiceReview, errors: dict[str, str]) -> str:
    review.decision = Decision(ReviewAction.NOT_CERTIFIED, reason_code="AA")  # AA: invalid
    review.services = review.services[:1] or [ReviewedService(VISIT_PROCEDURE, Decimal(1))]
    for svc in review.services:
        svc.decision = None
    envelope = Envelope(
        sender_id=review.umo_id or PAYER_ID,
        receiver_id=(review.requester.npi or "SUBMITTER")[:15],
        interchange_control_number=1,
        group_control_number=1,
        created=timezone.localtime(),
    )
    return build_278(review, envelope)


def referral_278_receive(
    *, user: Any, organization: Organization, content: str | bytes, today: dt.date | None = None
) -> X12Answer:
    """Turn an inbound 278 referral request into a referral and answer it."""
    result = validate_envelope(content)
    if not result.accepted:
        return _reject_999(content)
    try:
        review = read_278(content)
    except X12Error:
        return _reject_999(content)
    if review.is_response or review.request_category != REQUEST_CATEGORY:
        errors = {"request_category": "Send referrals as 278 requests with UM01 = SC."}
        return X12Answer(_denied_response(review, errors), "278", errors=errors)
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
        visits_requested=int(svc.quantity) if svc and svc.quantity else 1,
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
    except ReferralInvalid as exc:
        return X12Answer(_denied_response(review, exc.errors), "278", errors=exc.errors)
    referral.refresh_from_db()
    return X12Answer(referral_278(referral, response=True), "278", referral=referral)
