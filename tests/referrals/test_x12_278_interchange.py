"""``POST /api/v1/referrals/x12/278`` as a trading partner checks it: answers go back to the
sender with their own interchange control numbers, the response echoes the request's
identifying data as sent, and visit counts that are not whole numbers in range are input
errors (AAA 33)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from portico.referrals.api import router
from portico.referrals.models import Referral
from portico.referrals.x12 import referral_278
from portico.x12.auth278 import (
    Decision,
    Rejection,
    RejectLoop,
    ReviewAction,
    ServiceReview,
    build_278,
    read_278,
)
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.validation import validate_envelope
from portico.x12.writer import Envelope
from tests.conftest import router_client
from tests.factories.referrals import submit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x12_helpers import pyx12_errors

pytestmark = pytest.mark.django_db

REQUEST_ENVELOPE = Envelope(
    sender_id="CLEARHOUSE01",
    receiver_id="RFP01",
    sender_qualifier="30",
    receiver_qualifier="ZZ",
    interchange_control_number=812,
    group_control_number=812,
    created=dt.datetime(2026, 11, 20, 9, 30),
    application_sender_code="SUBAPP7",
    application_receiver_code="UMOAPP3",
    usage_indicator="T",
)


def request_review(rw) -> ServiceReview:
    """A referral request as a clearinghouse sends it (built from a referral of practice A)."""
    return read_278(referral_278(submit(rw), response=False))


def post_text(world, text: str):
    client = router_client(router)
    return client.post("/x12/278", data=text.encode(), user=world.users["physician"])


def segments(content: bytes | str, segment_id: str) -> list[Segment]:
    return [s for s in SegmentReader(content) if s.id == segment_id]


def assert_addressed_back(response) -> None:
    isa, gs = segments(response.content, "ISA")[0], segments(response.content, "GS")[0]
    assert (isa.get(5).strip(), isa.get(6).strip()) == ("ZZ", "RFP01")
    assert (isa.get(7).strip(), isa.get(8).strip()) == ("30", "CLEARHOUSE01")
    assert (gs.get(2), gs.get(3)) == ("UMOAPP3", "SUBAPP7")
    assert isa.get(15) == "T"


def test_answers_go_back_to_the_sender_each_with_its_own_control_number(rw, world):
    good = build_278(request_review(rw), REQUEST_ENVELOPE)
    refused = good.replace("HI*ABK:M5450~", "HI*ABK:ZZZ999~")
    unreadable = good.replace("SE*", "SE*9", 1)
    responses = [post_text(world, text) for text in (good, refused, refused, unreadable)]
    kinds = [r["X-X12-Transaction"] for r in responses]
    assert kinds == ["278", "278", "278", "999"]
    numbers = []
    for response in responses:
        isa13 = segments(response.content, "ISA")[0].get(13)
        gs06 = segments(response.content, "GS")[0].get(6)
        assert segments(response.content, "IEA")[0].get(2) == isa13
        assert int(gs06) == int(isa13)
        numbers.append(int(isa13))
        assert_addressed_back(response)
    assert len(set(numbers)) == len(numbers) and 1 not in numbers
    assert pyx12_errors(responses[-1].content.decode()) == []


def test_the_response_echoes_the_request_as_sent(rw, world):
    review = request_review(rw)
    review = dataclasses.replace(
        review,
        trace_number="REQ-TRACE-9",
        trace_assigner="9CLEARHS01",
        service_type="98",
        facility_code="22",
    )
    review.requester.entity_type = "2"  # the referring practice as an organization
    review.requester.first_name = ""
    service = review.services[0]
    service.procedure_code = "99243"
    service.trace_number, service.trace_assigner = "SVC-77", "9OFFICE001"
    service.service_type = "98"
    visits = service.quantity
    response = post_text(world, build_278(review, REQUEST_ENVELOPE))
    assert response.status_code == 200, response.content
    assert response["X-X12-Transaction"] == "278"
    text = response.content.decode()
    assert validate_envelope(text).accepted
    answer = read_278(text)
    assert answer.decision is not None and answer.decision.action == ReviewAction.CERTIFIED
    referral = Referral.objects.get(number=answer.decision.certification_number)
    assert referral.trace_number == "REQ-TRACE-9"
    # 2000E and 2000F: the requester's traces come back with TRN01 = 2, TRN02/TRN03 as sent.
    assert [s.elements[1:] for s in segments(text, "TRN")] == [
        ["2", "REQ-TRACE-9", "9CLEARHS01"],
        ["2", "SVC-77", "9OFFICE001"],
    ]
    ums = [s.elements[1:] for s in segments(text, "UM")]
    assert ums[0][:4] == ["SC", "I", "98", "22:B"]  # UM03/UM04 as requested
    assert ums[1][:3] == ["SC", "I", "98"]
    # The service asked for: SV1 procedure and units as sent.
    assert [s.elements[1:] for s in segments(text, "SV1")] == [["HC:99243", "", "VS", str(visits)]]
    requester = next(s for s in segments(text, "NM1") if s.get(1) == "1P")
    assert requester.get(2) == "2" and requester.get(9) == rw.pcp.npi
    assert answer.services[0].decision is not None
    assert answer.services[0].decision.certification_number == referral.number


@pytest.mark.parametrize("visits", ["99999999999999999999", "1E400", "1.5", "-1"])
def test_visits_not_a_whole_number_in_range_are_input_errors(rw, world, visits):
    text = referral_278(submit(rw), response=False)
    count = Referral.objects.count()
    wrong = text.replace("SV1*HC:99242**VS*3~", f"SV1*HC:99242**VS*{visits}~")
    assert wrong != text
    response = post_text(world, wrong)
    assert response.status_code == 200, response.content
    answer = read_278(response.content)
    assert answer.decision is None
    assert answer.rejections == [Rejection(RejectLoop.SERVICE, "33", "C", index=0)]
    assert Referral.objects.count() == count


def test_a_modified_referral_reports_the_visits_approved_without_rewriting_the_request(rw):
    """HSD carries what was certified; SV1 keeps what was asked (here through the writer,
    as the receive path builds its answer)."""
    review = request_review(rw)
    review.decision = None
    service = review.services[0]
    service.approved_quantity = Decimal(2)
    service.decision = Decision(ReviewAction.MODIFIED, "R1")
    text = build_278(review, REQUEST_ENVELOPE)
    assert [s.elements[1:] for s in segments(text, "HSD")] == [["VS", "2"]]
    back = read_278(text)
    assert back.services[0].quantity == Decimal(3)
    assert back.services[0].approved_quantity == Decimal(2)
