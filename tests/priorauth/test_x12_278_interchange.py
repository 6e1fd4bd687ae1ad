"""``POST /api/v1/priorauth/x12/278`` as a trading partner checks it: the envelope is validated
(a wrong SE01 is a 999, nothing saved), a repeated request is not saved twice, every answer
carries its own interchange control number and goes back to its sender, and the request's
category and units are refused with the documented AAA codes."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from portico.claims.services.common import numbers_allocate
from portico.priorauth.api import router
from portico.priorauth.models import PriorAuthRequest
from portico.x12 import auth278
from portico.x12.auth278 import FollowUp, Rejection, RejectLoop, RejectReason
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.validation import validate_envelope
from portico.x12.writer import Envelope
from tests.conftest import router_client
from tests.priorauth.test_x12_278_rejections import TRACE, rejected, request_278

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x12_helpers import pyx12_errors

pytestmark = pytest.mark.django_db

# The submitter addresses the UMO: distinct ISA and GS identifiers, so a response that swaps
# only one pair (or invents its own) shows.
REQUEST_ENVELOPE = Envelope(
    sender_id="CLEARHOUSE01",
    receiver_id="HFX01",
    sender_qualifier="30",
    receiver_qualifier="ZZ",
    interchange_control_number=4711,
    group_control_number=4711,
    created=dt.datetime(2026, 11, 20, 9, 30),
    application_sender_code="SUBAPP7",
    application_receiver_code="UMOAPP3",
    usage_indicator="T",
)


def body_of(review: auth278.ServiceReview) -> str:
    return auth278.build_278(review, REQUEST_ENVELOPE)


def post_text(world, text: str, persona: str = "physician"):
    client = router_client(router)
    return client.post("/x12/278", data=text.encode(), user=world.users[persona])


def first(text: bytes | str, segment_id: str) -> Segment:
    return next(s for s in SegmentReader(text) if s.id == segment_id)


def controls(response) -> tuple[str, str, str]:
    """ISA13, GS06 and IEA02 of an answer."""
    return (
        first(response.content, "ISA").get(13),
        first(response.content, "GS").get(6),
        first(response.content, "IEA").get(2),
    )


def assert_addressed_back(response) -> None:
    isa, gs = first(response.content, "ISA"), first(response.content, "GS")
    assert (isa.get(5).strip(), isa.get(6).strip()) == ("ZZ", "HFX01")  # the request's ISA07/08
    assert (isa.get(7).strip(), isa.get(8).strip()) == ("30", "CLEARHOUSE01")  # its ISA05/06
    assert (gs.get(2), gs.get(3)) == ("UMOAPP3", "SUBAPP7")  # its GS03, GS02
    assert isa.get(15) == "T"  # a test interchange is answered as a test interchange


# -- 1. the envelope is validated like the 276 and referral endpoints do ------------------------
def test_a_wrong_se01_count_is_a_999_and_creates_nothing(world, pa):
    text = body_of(request_278(pa))
    se = next(line for line in text.split("~") if line.strip().startswith("SE*"))
    wrong = text.replace(se.strip() + "~", "SE*5*0001~", 1)
    assert wrong != text
    response = post_text(world, wrong)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/edi-x12"
    assert response["X-X12-Transaction"] == "999"
    ack = response.content.decode()
    assert first(ack, "AK1").elements[1:] == ["HI", "4711", "005010X217"]
    assert first(ack, "IK5").elements[1:] == ["R", "4"]  # number of included segments wrong
    assert first(ack, "AK9").get(1) == "R"
    assert pyx12_errors(ack) == []
    assert not PriorAuthRequest.objects.exists()
    assert_addressed_back(response)


def test_a_non_x12_body_is_a_999_for_the_278_group(world, pa):
    response = post_text(world, "this is not an interchange")
    assert response.status_code == 400
    ack = response.content.decode()
    assert first(ack, "AK1").elements[1:] == ["HI", "0", "005010X217"]
    assert pyx12_errors(ack) == []


def test_a_trace_number_longer_than_trn02_takes_is_a_999_and_saves_nothing(world, pa):
    """Before, a 500-character TRN02 was saved (cut to 80) and echoed whole in the 278
    response, which no translator takes (TRN02 is AN 1/50)."""
    text = body_of(request_278(pa, trace_number="T" * 51))
    response = post_text(world, text)
    assert response.status_code == 400 and response["X-X12-Transaction"] == "999"
    ack = response.content.decode()
    assert "IK3*TRN*" in ack and first(ack, "IK4").get(3) == "5"
    assert first(ack, "IK5").get(1) == "R" and pyx12_errors(ack) == []
    assert not PriorAuthRequest.objects.exists()


# -- 2. duplicates ------------------------------------------------------------------------------
def test_the_same_278_twice_is_answered_with_the_request_already_held(world, pa):
    text = body_of(request_278(pa))
    answers = [post_text(world, text) for _ in range(3)]
    assert PriorAuthRequest.objects.count() == 1  # the duplicates saved nothing
    row = PriorAuthRequest.objects.get()
    for response in answers:
        assert response.status_code == 200, response.content
        assert response["X-X12-Transaction"] == "278"
        answer = auth278.read_278(response.content)
        assert answer.is_response and answer.rejections == []
        assert answer.trace_number == TRACE  # each answer matches its own request
        assert answer.decision.certification_number == row.reference  # HCR02: the one held
        assert answer.decision.action == auth278.ReviewAction.PENDED
        assert [s.procedure_code for s in answer.services] == ["63047", "63048"]
        assert all(s.decision is not None for s in answer.services)
        assert validate_envelope(response.content).accepted


def test_a_duplicate_listing_its_services_in_another_order_gets_each_lines_decision(world, pa):
    review = request_278(pa)
    post_text(world, body_of(review))
    review.services.reverse()
    response = post_text(world, body_of(review))
    assert PriorAuthRequest.objects.count() == 1
    answer = auth278.read_278(response.content)
    assert [s.procedure_code for s in answer.services] == ["63048", "63047"]
    assert answer.decision.certification_number == PriorAuthRequest.objects.get().reference


# -- 3. control numbers and 4. addressing --------------------------------------------------------
def test_every_answer_has_its_own_control_number_from_the_shared_sequence(world, pa):
    text = body_of(request_278(pa))
    bad = text.replace("SE*", "SE*9", 1)
    responses = [post_text(world, text) for _ in range(3)] + [post_text(world, bad)]
    responses.append(post_text(world, body_of(request_278(pa, umo_id="NOPLAN9"))))
    numbers = []
    for response in responses:
        isa13, gs06, iea02 = controls(response)
        assert isa13 == iea02 and int(gs06) == int(isa13)
        numbers.append(int(isa13))
        assert_addressed_back(response)
    assert len(set(numbers)) == len(numbers)  # no two interchanges share a number
    # The sequence is the one the 999 and 277CA writers draw from: the next one is later.
    after = int(numbers_allocate(prefix="IC")[0][2:]) % 999_999_999
    assert after > max(numbers)


def test_a_refusal_goes_back_to_the_sender_too(world, pa):
    response = post_text(world, body_of(request_278(pa, member_id="HF999999999")))
    rejected(response)
    assert_addressed_back(response)
    assert "SUBMITTER" not in response.content.decode()


# -- 7. category and units -----------------------------------------------------------------------
def test_a_specialty_care_referral_is_not_taken_as_a_prior_authorization(world, pa):
    answer = rejected(post_text(world, body_of(request_278(pa, request_category="SC"))))
    assert answer.rejections == [
        Rejection(
            RejectLoop.PATIENT_EVENT, RejectReason.INPUT_ERRORS, FollowUp.CORRECT_AND_RESUBMIT
        )
    ]


@pytest.mark.parametrize("category", ["HS", "AR"])
def test_health_services_and_admission_reviews_are_taken(world, pa, category):
    response = post_text(world, body_of(request_278(pa, request_category=category)))
    answer = auth278.read_278(response.content)
    assert answer.rejections == [] and answer.decision is not None
    assert PriorAuthRequest.objects.count() == 1


@pytest.mark.parametrize("units", ["99999999999999999999", "1E400", "1.5", "-2"])
def test_units_out_of_range_are_input_errors_in_their_2000f(world, pa, units):
    text = body_of(request_278(pa))
    wrong = text.replace("SV1*HC:63048**UN*2~", f"SV1*HC:63048**UN*{units}~")
    assert wrong != text
    answer = rejected(post_text(world, wrong))
    assert answer.rejections == [Rejection(RejectLoop.SERVICE, RejectReason.INPUT_ERRORS, index=1)]


@pytest.mark.parametrize("service_line", ["SV1*HC:63048**UN*0~", "SV1*HC:63048**UN~"])
def test_units_missing_are_still_required_data_missing(world, pa, service_line):
    text = body_of(request_278(pa)).replace("SV1*HC:63048**UN*2~", service_line)
    answer = rejected(post_text(world, text))
    assert answer.rejections == [
        Rejection(RejectLoop.SERVICE, RejectReason.REQUIRED_DATA_MISSING, index=1)
    ]
