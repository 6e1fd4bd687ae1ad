"""``POST /api/v1/claims/status-inquiry`` with a body that is not a readable 276: the answer is
a 999 (400, ``application/edi-x12``) that rejects the set and names the segment and element,
addressed back to the sender; never a plain-text message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.conftest import router_client
from x12_helpers import pyx12_errors

from portico.claims.api import router
from portico.x12.status276 import ClaimStatusRequest, StatusInquiry, build_276
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.writer import Envelope

pytestmark = pytest.mark.django_db

ENVELOPE = Envelope(
    sender_id="SUBM01",
    receiver_id="PORTICO01",
    sender_qualifier="30",
    interchange_control_number=77,
    group_control_number=77,
    created=dt.datetime(2026, 3, 10, 8, 0),
    application_sender_code="SUBAPP",
    application_receiver_code="PAYAPP",
)


def inquiry_276() -> str:
    request = ClaimStatusRequest(
        payer_name="HARBOR",
        payer_id="PORTICO01",
        receiver_name="PRACTICE A",
        receiver_id="SUBM01",
        inquiries=[
            StatusInquiry(
                trace_number="T1",
                provider_name="PRACTICE A",
                provider_npi="1234567893",
                subscriber_last_name="DOE",
                member_id="HM100000001",
                service_date=dt.date(2026, 3, 10),
            )
        ],
    )
    return build_276(request, ENVELOPE)


def post(world, body: bytes):
    client = router_client(router)
    return client.post("/status-inquiry", body=body, user=world.users["billing_clerk"])


def first(text: str, segment_id: str) -> Segment:
    return next(s for s in SegmentReader(text) if s.id == segment_id)


def ack_of(response) -> str:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/edi-x12"
    assert response["X-X12-Transaction"] == "999"
    ack = response.content.decode()
    assert pyx12_errors(ack) == []
    return ack


def test_a_readable_276_is_answered_with_a_277_addressed_back(world):
    response = post(world, inquiry_276().encode())
    assert response.status_code == 200, response.content
    text = response.content.decode()
    isa, gs = first(text, "ISA"), first(text, "GS")
    assert (isa.get(6).strip(), isa.get(8).strip()) == ("PORTICO01", "SUBM01")
    assert isa.get(7).strip() == "30"
    assert (gs.get(2), gs.get(3)) == ("PAYAPP", "SUBAPP")


@pytest.mark.parametrize(
    ("date", "shown"),
    [
        ("RD8*20261345-20261345", "20261345-20261345"),
        ("RD8*20260301-20261345", "20260301-20261345"),
        ("D8*20260230", "20260230"),
    ],
)
def test_an_impossible_service_date_is_a_999_naming_the_dtp(world, date, shown):
    text = inquiry_276()
    dtp = next(line for line in text.split("~") if line.strip().startswith("DTP*472*"))
    bad = text.replace(dtp.strip() + "~", f"DTP*472*{date}~", 1)
    assert bad != text
    ack = ack_of(post(world, bad.encode()))
    assert first(ack, "AK1").elements[1:] == ["HR", "77", "005010X212"]
    ik3 = first(ack, "IK3")
    assert ik3.get(1) == "DTP" and ik3.get(4) == "8"
    ik4 = first(ack, "IK4")
    assert (ik4.get(1), ik4.get(3), ik4.get(4)) == ("3", "8", shown)  # invalid date
    assert first(ack, "IK5").get(1) == "R" and first(ack, "AK9").get(1) == "R"
    isa = first(ack, "ISA")
    assert (isa.get(6).strip(), isa.get(8).strip()) == ("PORTICO01", "SUBM01")


def test_an_837_sent_for_status_is_a_999_rejecting_its_st(world):
    body = (Path(__file__).parent / "fixtures" / "837p_commercial.txt").read_bytes()
    ack = ack_of(post(world, body))
    assert "IK3*ST*1" in ack
    assert first(ack, "IK4").get(1) == "1" and first(ack, "IK4").get(4) == "837"
    assert first(ack, "IK5").get(1) == "R" and first(ack, "AK9").get(1) == "R"


@pytest.mark.parametrize(("trace", "code"), [("T" * 51, "5"), ("", "1"), ("T\x001", "6")])
def test_a_trace_number_that_cannot_be_echoed_is_a_999_naming_trn02(world, trace, code):
    """The 277 echoes TRN02 (AN 1/50): before, a 5,000-character trace number was answered
    with a 277 carrying it, which the submitter's translator would refuse."""
    ack = ack_of(post(world, inquiry_276().replace("TRN*1*T1~", f"TRN*1*{trace}~").encode()))
    assert "IK3*TRN*" in ack
    ik4 = first(ack, "IK4")
    assert (ik4.get(1), ik4.get(3)) == ("2", code)
    assert first(ack, "IK5").get(1) == "R" and first(ack, "AK9").get(1) == "R"


def test_a_body_that_is_not_x12_is_a_999_for_the_276_group(world):
    ack = ack_of(post(world, b"hello"))
    assert first(ack, "AK1").elements[1:] == ["HR", "0", "005010X212"]
    assert "005010X222" not in ack


def test_each_answer_has_its_own_control_number(world):
    numbers = {first(post(world, b"hello").content.decode(), "ISA").get(13) for _ in range(3)}
    numbers.add(first(post(world, inquiry_276().encode()).content.decode(), "ISA").get(13))
    assert len(numbers) == 4
