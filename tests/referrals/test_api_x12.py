"""The REST router and X12 278 in and out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from ninja.testing import TestClient

from portico.core.models import AuditEvent
from portico.referrals.api import router
from portico.referrals.models import Referral, ReferralStatus
from portico.referrals.services import ReferralRequest
from portico.referrals.x12 import referral_278, rejections_for_errors
from portico.x12.auth278 import Rejection, RejectLoop, ReviewAction, build_278, read_278
from portico.x12.writer import Envelope
from tests.conftest import router_client
from tests.factories.members import CoverageFactory, MemberFactory
from tests.factories.organizations import valid_npi
from tests.factories.referrals import submit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def api() -> TestClient:
    return router_client(router)


def payload(rw, **overrides):
    today = timezone.localdate()
    data = {
        "member_id": rw.member.member_id,
        "date_of_birth": rw.member.date_of_birth.isoformat(),
        "referring_npi": rw.pcp.npi,
        "referred_to_npi": rw.specialist.npi,
        "reason": "Back pain",
        "diagnoses": ["M54.50"],
        "visits_requested": 2,
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


def test_submit_search_view_cancel(api, rw, world):
    user = world.users["physician"]
    assert api.get("").status_code == 401
    assert api.get("", user=world.users["billing_clerk"]).status_code == 403
    created = api.post("", json=payload(rw), user=user)
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    assert created.json()["status"] == "approved"
    listed = api.get(f"?member_id={rw.member.member_id}", user=user).json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == number
    # The search names the member: audited with what it showed (before: no event).
    event = AuditEvent.objects.get(action="portico.referrals.listed")
    assert event.changes == {
        "referrals": [number],
        "filters": {"member_id": rw.member.member_id},
    }
    assert api.get(f"/{number}", user=user).json()["history"]
    assert api.get(f"/{number}", user=world.users["billing_clerk_b"]).status_code == 403
    cancelled = api.post(f"/{number}/cancel", json={"note": "x"}, user=user)
    assert cancelled.json()["status"] == "cancelled"


def test_bad_input_is_a_structured_error(api, rw, world):
    response = api.post(
        "", json=payload(rw, diagnoses=[], visits_requested=500), user=world.users["physician"]
    )
    assert response.status_code == 400
    errors = [f["field"] for f in response.json()["error"]["fields"]]
    assert "diagnoses" in errors and "visits_requested" in errors
    assert api.post("", json={"member_id": 1}, user=world.users["physician"]).status_code == 422
    assert Referral.objects.count() == 0


def test_a_name_longer_than_the_form_allows_is_refused_not_cut(api, rw, world):
    """Before: a REST referral to an NPI outside the directory with a 250-character name was
    stored with the name cut to 200 characters."""
    response = api.post(
        "",
        json=payload(rw, referred_to_npi="1234567893", referred_to_name="N" * 250),
        user=world.users["physician"],
    )
    assert response.status_code == 400
    fields = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert fields["referred_to_name"] == (
        "Enter the specialist's or facility's name in at most 200 characters (it has 250)."
    )
    assert Referral.objects.count() == 0
    ok = api.post(
        "",
        json=payload(rw, referred_to_npi="1234567893", referred_to_name="N" * 200),
        user=world.users["physician"],
    )
    assert ok.status_code == 201, ok.json()
    assert Referral.objects.get().referred_to_name == "N" * 200


def test_other_practice_referral_is_404(api, rw, rw_b, world):
    theirs = submit(rw_b)
    assert api.get(f"/{theirs.number}", user=world.users["physician"]).status_code == 404


def test_278_request_round_trip_creates_a_referral(api, rw, world):
    template = submit(rw)  # build a realistic request from an existing referral
    request_text = referral_278(template, response=False)
    parsed = read_278(request_text)
    assert parsed.request_category == "SC" and not parsed.is_response
    response = api.post("/x12/278", data=request_text.encode(), user=world.users["physician"])
    assert response.status_code == 200 and response["X-X12-Transaction"] == "278"
    answer = read_278(response.content)
    assert answer.decision is not None and answer.decision.action == ReviewAction.CERTIFIED
    created = Referral.objects.get(number=answer.decision.certification_number)
    assert created.source == "x12" and created.status == ReferralStatus.APPROVED
    assert created.visits_requested == template.visits_requested


def _request(rw) -> tuple[str, int]:
    """A 278 request built from a referral of practice A, and the referral count after it."""
    text = referral_278(submit(rw), response=False)
    return text, Referral.objects.count()


def _refused(response, count: int) -> list[Rejection]:
    """A refused request: 200, a 278 response echoing the request, AAA and no HCR, no referral
    saved. Returns the AAA segments read back."""
    assert response.status_code == 200, response.content
    assert response["X-X12-Transaction"] == "278"
    assert response["Content-Type"].startswith("application/edi-x12")
    assert not response.has_header("X-Referral-Number")
    assert b"BHT*0007*11*" in response.content and b"HCR*" not in response.content
    answer = read_278(response.content)
    assert answer.is_response and answer.decision is None
    assert all(svc.decision is None for svc in answer.services)
    assert answer.trace_number  # TRN02 of the request, echoed
    assert Referral.objects.count() == count
    return answer.rejections


def test_278_bad_envelope_is_a_999_with_400(api, rw, world):
    response = api.post("/x12/278", data=b"hello", user=world.users["physician"])
    assert response.status_code == 400
    assert response["X-X12-Transaction"] == "999"
    assert response["Content-Type"].startswith("application/edi-x12")
    assert b"ST*999*" in response.content and b"AK9*R" in response.content
    assert Referral.objects.count() == 0


def test_278_unknown_member_is_refused_in_2010c(api, rw, world):
    text, count = _request(rw)
    text = text.replace(f"*MI*{rw.member.member_id}~", "*MI*NOPE12345~")
    response = api.post("/x12/278", data=text.encode(), user=world.users["physician"])
    assert _refused(response, count) == [Rejection(RejectLoop.SUBSCRIBER, "75", "C")]
    assert b"~\nAAA*N**75*C~\nDMG*" in response.content  # after 2010C's NM1, before DMG


@pytest.mark.parametrize(
    ("npi", "reason", "follow_up"),
    [
        ("1234567890", "43", "C"),  # fails the NPI check digit
        (valid_npi(88_888_888), "51", "C"),  # a valid NPI no provider has
        ("other-practice", "41", "N"),  # practice B's PCP: not one of A's providers
    ],
)
def test_278_bad_referring_npi_is_refused_in_2010b(api, rw, rw_b, world, npi, reason, follow_up):
    text, count = _request(rw)
    npi = rw_b.pcp.npi if npi == "other-practice" else npi
    text = text.replace(f"*XX*{rw.pcp.npi}~", f"*XX*{npi}~")
    response = api.post("/x12/278", data=text.encode(), user=world.users["physician"])
    assert _refused(response, count) == [Rejection(RejectLoop.REQUESTER, reason, follow_up)]


def test_278_bad_diagnosis_is_refused_in_2000e(api, rw, world):
    text, count = _request(rw)
    text = text.replace("HI*ABK:M5450~", "HI*ABK:ZZZ999~")
    response = api.post("/x12/278", data=text.encode(), user=world.users["physician"])
    assert _refused(response, count) == [Rejection(RejectLoop.PATIENT_EVENT, "AF", "C")]
    assert b"~\nAAA*N**AF*C~\nUM*SC*" in response.content  # after HL and TRN, before UM


def test_278_not_specialty_care_is_refused_in_2000e(api, rw, world):
    text, count = _request(rw)
    text = text.replace("UM*SC*", "UM*HS*")
    response = api.post("/x12/278", data=text.encode(), user=world.users["physician"])
    assert _refused(response, count) == [Rejection(RejectLoop.PATIENT_EVENT, "33", "C")]


def test_278_bad_referred_to_npi_and_visits_are_refused_in_their_loops(api, rw, world):
    text, count = _request(rw)
    text = text.replace(f"*XX*{rw.specialist.npi}~", "*XX*1234567890~")
    text = text.replace("SV1*HC:99242**VS*3~", "SV1*HC:99242**VS*500~")
    response = api.post("/x12/278", data=text.encode(), user=world.users["physician"])
    assert _refused(response, count) == [
        Rejection(RejectLoop.EVENT_PROVIDER, "43", "C", index=0),
        Rejection(RejectLoop.SERVICE, "33", "C", index=0),
    ]


@pytest.mark.parametrize("service_line", ["SV1*HC:99242**VS*0~", "SV1*HC:99242**VS~"])
def test_278_without_a_visit_count_is_refused_not_taken_as_one_visit(api, rw, world, service_line):
    text, count = _request(rw)
    text = text.replace("SV1*HC:99242**VS*3~", service_line)
    before = Referral.objects.count()
    response = api.post("/x12/278", data=text.encode(), user=world.users["physician"])
    assert _refused(response, count) == [Rejection(RejectLoop.SERVICE, "15", "C", index=0)]
    assert Referral.objects.count() == before


def _review(rw, *, dependent: bool = False):
    review = read_278(referral_278(submit(rw), response=False))
    if dependent:
        review.patient_last_name, review.patient_first_name = "Doe", "Sam"
    return review


@pytest.mark.parametrize(
    ("key", "dependent", "expected"),
    [
        ("date_of_birth", False, Rejection(RejectLoop.SUBSCRIBER, "58")),
        ("date_of_birth", True, Rejection(RejectLoop.DEPENDENT, "58")),
        ("referred_to_name", False, Rejection(RejectLoop.EVENT_PROVIDER, "44", index=0)),
        ("start_date", False, Rejection(RejectLoop.PATIENT_EVENT, "57")),
        ("end_date", False, Rejection(RejectLoop.PATIENT_EVENT, "57")),
        ("urgency", False, Rejection(RejectLoop.PATIENT_EVENT, "33")),
        ("notes", False, Rejection(RejectLoop.PATIENT_EVENT, "33")),
    ],
)
def test_rejections_for_errors_loops(rw, key, dependent, expected):
    review = _review(rw, dependent=dependent)
    assert rejections_for_errors({key: "wrong"}, review) == [expected]
    review.rejections = [expected]  # the writer places it, the reader finds it again
    envelope = Envelope("RFP01", "SUBMITTER", 7, 7, timezone.localtime())
    assert read_278(build_278(review, envelope)).rejections == [expected]


def test_rejections_for_errors_member(rw):
    review = _review(rw)
    review.member_id = ""
    assert rejections_for_errors({"member_id": "x"}, review) == [
        Rejection(RejectLoop.SUBSCRIBER, "72")
    ]
    lapsed = MemberFactory(plan=rw.plan)  # found, but no coverage on the start date: 95
    CoverageFactory(member=lapsed, start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31))
    request = ReferralRequest(
        member_id=lapsed.member_id,
        date_of_birth=lapsed.date_of_birth,
        referring_npi=rw.pcp.npi,
        referred_to_npi=rw.specialist.npi,
        reason="x",
        diagnoses=["M54.50"],
        visits_requested=1,
        start_date=timezone.localdate(),
        end_date=timezone.localdate(),
    )
    review = _review(rw, dependent=True)
    assert rejections_for_errors({"member_id": "x"}, review, request=request) == [
        Rejection(RejectLoop.DEPENDENT, "95")
    ]
    review.patient_last_name = ""
    assert rejections_for_errors({"member_id": "x"}, review, request=request) == [
        Rejection(RejectLoop.SUBSCRIBER, "95")
    ]


def test_rejections_for_errors_one_per_loop_and_reason(rw):
    review = _review(rw)
    errors = {"start_date": "x", "end_date": "y", "diagnoses": "z", "reason": "r", "files": "f"}
    assert rejections_for_errors(errors, review) == [
        Rejection(RejectLoop.PATIENT_EVENT, "57"),
        Rejection(RejectLoop.PATIENT_EVENT, "AF"),
        Rejection(RejectLoop.PATIENT_EVENT, "33"),
    ]


def test_278_response_for_pending_and_denied(rw, world):
    pending = submit(rw, visits_requested=20)
    assert read_278(referral_278(pending)).decision.action == ReviewAction.PENDED


def test_278_unreadable_in_sound_envelopes_is_a_999_naming_the_segment(api, rw, world):
    text, count = _request(rw)
    date = next(s for s in text.split("~") if s.strip().startswith("DTP*")).split("*")[3]
    bad = text.replace(f"*{date}~", "*20261399~", 1)
    assert bad != text
    response = api.post("/x12/278", data=bad.encode(), user=world.users["physician"])
    assert response.status_code == 400 and response["X-X12-Transaction"] == "999"
    ack = response.content.decode()
    assert "IK5*R" in ack and "AK9*R" in ack  # not "accepted": nothing was processed
    assert "IK3*DTP*" in ack and "IK4*3**8*20261399~" in ack
    assert Referral.objects.count() == count
