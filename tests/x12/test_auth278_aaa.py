"""278 responses that refuse a request: AAA (Request Validation) written in each loop's place
(005010X217) and read back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from portico.x12.auth278 import (
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
from portico.x12.errors import X12Error, X12WriteError
from portico.x12.models837 import Diagnosis
from portico.x12.tokenizer import SegmentReader
from portico.x12.validation import validate_envelope
from portico.x12.writer import Envelope


def request(*, dependent: bool = False) -> ServiceReview:
    """A 278 request with two services, a servicing provider and a service-level provider."""
    return ServiceReview(
        umo_name="SUMMIT SPINE REVIEW", umo_id="UMO123", member_id="JD998877",
        subscriber_last_name="DOE", subscriber_first_name="JOHN",
        subscriber_birth_date=date(1960, 1, 15), subscriber_sex="M",
        patient_last_name="DOE" if dependent else "",
        patient_first_name="JANE" if dependent else "",
        patient_birth_date=date(1995, 5, 5) if dependent else None,
        requester=AuthParty("1P", "WELBY", "1765432103", "MARCUS", tax_id="587654321"),
        trace_number="PA-2024-0001", trace_assigner="1587654321", service_type="73",
        event_date=date(2024, 4, 1), diagnoses=[Diagnosis("ABK", "M545")],
        servicing_providers=[AuthParty("SJ", "RIDGEVIEW IMAGING", "1122334455", entity_type="2",
                                       taxonomy="261QR0200X")],
        services=[
            ReviewedService("72148", D(1), trace_number="SVC1", service_date=date(2024, 4, 1)),
            ReviewedService(
                "9711X", D(12), trace_number="SVC2", service_date=date(2024, 4, 2),
                provider=AuthParty("SJ", "LAKESIDE PT", "1234567893", entity_type="2"),
            ),
        ],
    )  # fmt: skip


def ids_and_aaa(doc: str) -> list[str]:
    """The segment IDs in order, an AAA shown with its elements (``AAA*N**79*N``)."""
    return ["*".join(s.elements) if s.id == "AAA" else s.id for s in SegmentReader(doc)]


EVERY_LOOP = [
    Rejection(RejectLoop.UMO_LEVEL, RejectReason.UNABLE_TO_RESPOND, FollowUp.RESUBMIT_ORIGINAL,
              valid=True),
    Rejection(RejectLoop.UMO, RejectReason.INVALID_PARTICIPANT, FollowUp.NO_RESUBMISSION),
    Rejection(RejectLoop.REQUESTER, RejectReason.PROVIDER_NOT_ON_FILE),
    Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND),
    Rejection(RejectLoop.SUBSCRIBER, RejectReason.INVALID_BIRTH_DATE),
    Rejection(RejectLoop.DEPENDENT, RejectReason.PATIENT_NOT_ELIGIBLE),
    Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INVALID_DIAGNOSIS),
    Rejection(RejectLoop.EVENT_PROVIDER, RejectReason.INVALID_PROVIDER_ID, index=0),
    Rejection(RejectLoop.SERVICE, RejectReason.INVALID_PROCEDURE, index=1),
    Rejection(RejectLoop.SERVICE, RejectReason.INVALID_SERVICE_DATES, index=1),
    Rejection(RejectLoop.SERVICE_PROVIDER, RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION,
              index=1),
]  # fmt: skip


def test_aaa_in_every_loop_round_trips_in_the_guides_positions(envelope: Envelope) -> None:
    original = request(dependent=True)
    original.rejections = list(EVERY_LOOP)
    doc = build_278(original, envelope)
    assert validate_envelope(doc).accepted
    assert ids_and_aaa(doc)[3:-3] == [  # between ST and SE
        "BHT",
        "HL", "AAA*Y**42*P",                      # 2000A: right after HL
        "NM1", "AAA*N**79*N",                     # 2010A: after NM1 (PER)
        "HL", "NM1", "REF", "AAA*N**51*C",        # 2010B: after NM1 and REF, before PRV
        "HL", "NM1", "AAA*N**75*C", "AAA*N**58*C", "DMG",  # 2010C: before DMG
        "HL", "NM1", "AAA*N**95*C", "DMG",        # 2010D: before DMG
        "HL", "TRN", "AAA*N**AF*C", "UM", "DTP", "HI",     # 2000E: after TRN, before UM
        "NM1", "AAA*N**43*C", "PRV",              # 2010EA: after NM1, before PRV
        "HL", "TRN", "UM", "DTP", "SV1",          # 2000F, service 1: nothing wrong
        "HL", "TRN", "AAA*N**AG*C", "AAA*N**57*C", "UM", "DTP", "SV1",  # 2000F, service 2
        "NM1", "AAA*N**41*N",                     # 2010FA of service 2
    ]  # fmt: skip
    back = read_278(doc)
    assert back.is_response
    assert back.rejections == EVERY_LOOP
    assert back.decision is None and all(s.decision is None for s in back.services)
    original.reference = back.reference
    assert back == original


def test_a_rejected_request_is_a_response_without_hcr(envelope: Envelope) -> None:
    review = request()
    assert not review.is_response
    review.rejections = [Rejection(RejectLoop.SUBSCRIBER, RejectReason.INVALID_MEMBER_ID)]
    assert review.is_response
    doc = build_278(review, envelope)
    segments = list(SegmentReader(doc))
    bht = next(s for s in segments if s.id == "BHT")
    assert bht.elements[2] == "11"  # BHT02: response
    trn = [s.elements for s in segments if s.id == "TRN"]
    assert trn[0][:3] == ["TRN", "2", "PA-2024-0001"]  # the request's trace, echoed
    assert not [s for s in segments if s.id == "HCR"]
    assert read_278(doc).trace_number == "PA-2024-0001"


def test_aaa01_y_and_an_empty_aaa04_are_read(envelope: Envelope) -> None:
    review = request()
    review.rejections = [
        Rejection(RejectLoop.UMO, RejectReason.UNABLE_TO_RESPOND, "", valid=True),
        Rejection(RejectLoop.PATIENT_EVENT, "E8", FollowUp.NO_RESUBMISSION),  # any 901 code
    ]
    doc = build_278(review, envelope)
    assert "AAA*Y**42~" in doc
    assert read_278(doc).rejections == review.rejections


def test_rejections_sit_beside_decisions_of_other_services(envelope: Envelope) -> None:
    """A response may certify one service and refuse another (2000F AAA, no HCR there)."""
    review = request()
    review.services[0].decision = Decision(ReviewAction.CERTIFIED, "CERT1")
    review.rejections = [Rejection(RejectLoop.SERVICE, RejectReason.INVALID_PROCEDURE, index=1)]
    back = read_278(build_278(review, envelope))
    assert back.services[0].decision == Decision(ReviewAction.CERTIFIED, "CERT1")
    assert back.services[1].decision is None
    assert back.rejections == review.rejections


@pytest.mark.parametrize(
    "rejection",
    [
        Rejection(RejectLoop.SERVICE, RejectReason.INVALID_PROCEDURE),  # which service?
        Rejection(RejectLoop.SERVICE, RejectReason.INVALID_PROCEDURE, index=2),  # no 3rd service
        Rejection(RejectLoop.EVENT_PROVIDER, RejectReason.INVALID_PROVIDER_ID, index=1),
        Rejection(RejectLoop.SERVICE_PROVIDER, RejectReason.INVALID_PROVIDER_ID, index=0),
        Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND, index=0),
        Rejection(RejectLoop.DEPENDENT, RejectReason.PATIENT_NOT_ELIGIBLE),  # no dependent
        Rejection(RejectLoop.UMO, "7"),
        Rejection(RejectLoop.UMO, "af"),
        Rejection(RejectLoop.UMO, RejectReason.INVALID_PARTICIPANT, "Q"),
        Rejection("2000B", RejectReason.INVALID_PROVIDER_ID),  # type: ignore[arg-type]
    ],
)
def test_the_writer_refuses_an_aaa_the_document_cannot_carry(
    rejection: Rejection, envelope: Envelope
) -> None:
    review = request()
    review.rejections = [rejection]
    with pytest.raises(X12WriteError):
        build_278(review, envelope)


def test_at_most_nine_aaa_in_one_loop(envelope: Envelope) -> None:
    review = request()
    review.rejections = [Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS)] * 9
    build_278(review, envelope)
    review.rejections.append(Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS))
    with pytest.raises(X12WriteError):
        build_278(review, envelope)


def test_an_aaa_before_any_loop_is_an_error(envelope: Envelope) -> None:
    doc = build_278(request(), envelope).replace("HL*1**20*1~", "AAA*N**42*P~HL*1**20*1~")
    with pytest.raises(X12Error):
        read_278(doc)
