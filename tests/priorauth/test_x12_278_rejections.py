"""``POST /api/v1/priorauth/x12/278``: a request Portico refuses is answered in X12 — 200 with a
278 response carrying AAA (Request Validation) in the loop of the problem — and saves nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from portico.priorauth.api import router
from portico.priorauth.models import PriorAuthRequest
from portico.priorauth.services import PriorAuthError
from portico.priorauth.services import interop as interop_services
from portico.priorauth.services.interop import priorauth_submit_278
from portico.x12 import auth278
from portico.x12.auth278 import FollowUp, Rejection, RejectLoop, RejectReason
from portico.x12.models837 import Diagnosis
from portico.x12.tokenizer import SegmentReader
from portico.x12.validation import validate_envelope
from portico.x12.writer import Envelope
from tests.conftest import router_client
from tests.factories.priorauth import npi

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x12_helpers import pyx12_errors

pytestmark = pytest.mark.django_db

TRACE = "TRACE-AAA-1"
ENVELOPE = Envelope(
    sender_id="SUBMITTER",
    receiver_id="HFX01",
    interchange_control_number=11,
    group_control_number=11,
    created=dt.datetime(2026, 11, 20, 9, 30),
)


def request_278(pa, **changes) -> auth278.ServiceReview:
    """A valid 278 request: practice A's provider asks for two spine services for the member."""
    review = auth278.ServiceReview(
        umo_name="HARBORVIEW",
        umo_id=pa.plan.payer_id,
        requester=auth278.AuthParty("1P", "HARTWELL", npi=pa.provider_a.npi, first_name="ROBIN"),
        member_id=pa.member.member_id,
        subscriber_last_name="WHITFIELD",
        subscriber_first_name="DANA",
        subscriber_birth_date=pa.member.date_of_birth,
        trace_number=TRACE,
        diagnoses=[Diagnosis("ABK", "M5450")],
        services=[
            auth278.ReviewedService("63047", Decimal(1), service_date=pa.service_date),
            auth278.ReviewedService("63048", Decimal(2), service_date=pa.service_date),
        ],
    )
    return dataclasses.replace(review, **changes)


def post(world, review: auth278.ServiceReview, persona: str = "physician"):
    client = router_client(router)
    body = auth278.build_278(review, ENVELOPE).encode()
    return client.post("/x12/278", data=body, user=world.users[persona])


def rejected(response) -> auth278.ServiceReview:
    """The answer is a well-enveloped 278 response that echoes the trace and decides nothing."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/edi-x12"
    text = response.content.decode()
    assert validate_envelope(text).accepted
    answer = auth278.read_278(text)
    assert answer.is_response
    assert answer.trace_number == TRACE
    assert not [s for s in SegmentReader(text) if s.id == "HCR"]
    assert not PriorAuthRequest.objects.exists()  # nothing saved
    return answer


def test_a_valid_request_is_still_decided_and_saved(world, pa):
    response = post(world, request_278(pa))
    assert response.status_code == 200
    answer = auth278.read_278(response.content)
    assert answer.rejections == []
    assert answer.decision.action == auth278.ReviewAction.PENDED
    assert [s.decision.action for s in answer.services] == [auth278.ReviewAction.PENDED] * 2
    row = PriorAuthRequest.objects.get()
    assert answer.decision.certification_number == row.reference
    assert row.external_id == TRACE and row.lines.count() == 2


def test_unknown_payer_is_refused_in_2010a(world, pa):
    answer = rejected(post(world, request_278(pa, umo_id="NOPLAN9")))
    assert answer.rejections == [
        Rejection(RejectLoop.UMO, RejectReason.INVALID_PARTICIPANT, FollowUp.NO_RESUBMISSION)
    ]
    assert answer.umo_id == "NOPLAN9"


def test_unknown_member_is_refused_in_2010c(world, pa):
    answer = rejected(post(world, request_278(pa, member_id="HF999999999")))
    assert answer.rejections == [Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND)]


def test_a_wrong_birth_date_reads_as_not_found(world, pa):
    """Never say whether the member ID exists: a wrong date of birth is "not found" too."""
    review = request_278(pa, subscriber_birth_date=dt.date(1970, 1, 1))
    answer = rejected(post(world, review))
    assert answer.rejections == [Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND)]


def test_missing_member_id_and_birth_date(world, pa):
    answer = rejected(post(world, request_278(pa, member_id="", subscriber_birth_date=None)))
    assert set(answer.rejections) == {
        Rejection(RejectLoop.SUBSCRIBER, RejectReason.INVALID_MEMBER_ID),
        Rejection(RejectLoop.SUBSCRIBER, RejectReason.INVALID_BIRTH_DATE),
    }


def test_member_not_eligible_on_the_date(world, pa):
    day = dt.date(2025, 6, 1)  # before the member's coverage
    services = [auth278.ReviewedService("63047", Decimal(1), service_date=day)]
    answer = rejected(post(world, request_278(pa, services=services)))
    assert answer.rejections == [
        Rejection(RejectLoop.SUBSCRIBER, RejectReason.PATIENT_NOT_ELIGIBLE)
    ]


@pytest.mark.parametrize(
    ("requester_npi", "reason", "follow_up"),
    [
        (npi(7999), RejectReason.PROVIDER_NOT_ON_FILE, FollowUp.CORRECT_AND_RESUBMIT),
        ("1234567890", RejectReason.INVALID_PROVIDER_ID, FollowUp.CORRECT_AND_RESUBMIT),
        ("", RejectReason.INVALID_PROVIDER_ID, FollowUp.CORRECT_AND_RESUBMIT),
        ("unconnected", RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION),
    ],
)
def test_requesting_provider_is_refused_in_2010b(world, pa, requester_npi, reason, follow_up):
    if requester_npi == "unconnected":  # known to Portico, not connected to practice A
        requester_npi = pa.unconnected.npi
    requester = auth278.AuthParty("1P", "SOMEONE", npi=requester_npi, first_name="PAT")
    answer = rejected(post(world, request_278(pa, requester=requester)))
    assert answer.rejections == [Rejection(RejectLoop.REQUESTER, reason, follow_up)]
    assert answer.requester.npi == requester_npi


def test_unconnected_servicing_provider_is_refused_in_2010ea(world, pa):
    servicing = auth278.AuthParty("SJ", "SUMMIT", npi=pa.provider_b.npi, first_name="ALEX")
    answer = rejected(post(world, request_278(pa, servicing_providers=[servicing])))
    assert answer.rejections == [
        Rejection(
            RejectLoop.EVENT_PROVIDER, RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION, 0
        )
    ]


def test_bad_procedure_code_on_the_second_line_is_refused_in_its_2000f(world, pa):
    review = request_278(pa)
    review.services[1].procedure_code = "6304X"
    response = post(world, review)
    answer = rejected(response)
    assert answer.rejections == [
        Rejection(RejectLoop.SERVICE, RejectReason.INVALID_PROCEDURE, index=1)
    ]
    # The AAA sits in the second service's loop, right after its HL, before its UM.
    ids = [s.id for s in SegmentReader(response.content)]
    second_ss = [i for i, s in enumerate(SegmentReader(response.content)) if s.id == "HL"][-1]
    assert ids[second_ss : second_ss + 3] == ["HL", "AAA", "UM"]


def test_bad_diagnosis_is_refused_in_2000e(world, pa):
    answer = rejected(post(world, request_278(pa, diagnoses=[Diagnosis("ABK", "Z9999")])))
    assert answer.rejections == [
        Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INVALID_DIAGNOSIS)
    ]


def test_several_problems_each_in_its_loop(world, pa):
    review = request_278(pa, member_id="HF999999999", diagnoses=[])
    review.services[0].quantity = Decimal(0)
    review.services[1].service_date = dt.date(2026, 12, 5)
    review.services[1].service_date_end = dt.date(2026, 12, 2)  # ends before it starts
    answer = rejected(post(world, review))
    assert set(answer.rejections) == {
        Rejection(RejectLoop.SUBSCRIBER, RejectReason.MEMBER_NOT_FOUND),
        Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INVALID_DIAGNOSIS),
        Rejection(RejectLoop.SERVICE, RejectReason.REQUIRED_DATA_MISSING, index=0),
        Rejection(RejectLoop.SERVICE, RejectReason.INVALID_SERVICE_DATES, index=1),
    }


def test_no_service_lines_and_no_dates_are_refused_in_2000e(world, pa):
    answer = rejected(post(world, request_278(pa, services=[], event_date=None)))
    assert set(answer.rejections) == {
        Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INVALID_SERVICE_DATES),
        Rejection(RejectLoop.PATIENT_EVENT, RejectReason.INVALID_PROCEDURE),
    }


def test_a_submitter_without_prior_authorization_access_gets_41_in_2010b(world, pa):
    """The service's own refusal (no practice with a Prior Authorization grant)."""
    text = priorauth_submit_278(
        user=world.users["billing_clerk"],
        content=auth278.build_278(request_278(pa), ENVELOPE),
        envelope=ENVELOPE,
    )
    assert auth278.read_278(text).rejections == [
        Rejection(RejectLoop.REQUESTER, RejectReason.ACCESS_RESTRICTED, FollowUp.NO_RESUBMISSION)
    ]
    assert not PriorAuthRequest.objects.exists()


def test_any_other_refusal_is_42_in_2010a(world, pa, monkeypatch):
    def refuse(**kwargs):
        raise PriorAuthError("The plan is being moved to a new system; try again later.")

    monkeypatch.setattr(interop_services, "priorauth_submit", refuse)
    answer = rejected(post(world, request_278(pa)))
    assert answer.rejections == [
        Rejection(
            RejectLoop.UMO, RejectReason.UNABLE_TO_RESPOND, FollowUp.RESUBMIT_ORIGINAL, valid=True
        )
    ]
    assert answer.decision is None


def test_an_unreadable_document_is_still_a_999(world, pa):
    client = router_client(router)
    response = client.post("/x12/278", data=b"not x12 at all", user=world.users["physician"])
    assert response.status_code == 400
    assert response["Content-Type"] == "application/edi-x12"
    assert "ST*999" in response.content.decode()
    assert not PriorAuthRequest.objects.exists()


def test_a_278_response_sent_as_a_request_is_refused_in_the_event(world, pa):
    decided = request_278(pa, decision=auth278.Decision(auth278.ReviewAction.CERTIFIED, "PA1"))
    answer = rejected(post(world, decided))
    assert answer.rejections == [
        Rejection(
            RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS, FollowUp.CORRECT_AND_RESUBMIT
        )
    ]


def test_an_unreadable_278_in_sound_envelopes_gets_a_999_rejecting_its_segment(world, pa):
    body = auth278.build_278(request_278(pa), ENVELOPE)
    bad = body.replace(f"DTP*472*D8*{pa.service_date:%Y%m%d}", "DTP*472*D8*20261340", 1)
    assert bad != body
    client = router_client(router)
    response = client.post("/x12/278", data=bad.encode(), user=world.users["physician"])
    assert response.status_code == 400
    ack = response.content.decode()
    segments = {s.id: s for s in SegmentReader(ack)}
    assert segments["IK5"].get(1) == "R" and segments["AK9"].get(1) == "R"
    assert segments["IK3"].get(1) == "DTP" and segments["IK3"].get(4) == "8"
    assert segments["IK4"].get(1) == "3" and segments["IK4"].get(3) == "8"  # invalid date
    assert segments["IK4"].get(4) == "20261340"
    assert pyx12_errors(ack) == []
    assert not PriorAuthRequest.objects.exists()
