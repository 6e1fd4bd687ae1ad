"""The REST router and X12 278 in and out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from ninja.testing import TestClient

from portico.referrals.api import router
from portico.referrals.models import Referral, ReferralStatus
from portico.referrals.x12 import referral_278
from portico.x12.auth278 import ReviewAction, read_278
from tests.conftest import router_client
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


def test_278_with_bad_envelope_gets_999_and_bad_fields_get_a3(api, rw, world):
    user = world.users["physician"]
    garbage = api.post("/x12/278", data=b"hello", user=user)
    assert garbage["X-X12-Transaction"] == "999" and b"AK9*R" in garbage.content
    template = submit(rw)
    text = referral_278(template, response=False).replace(rw.member.member_id, "NOPE12345")
    answer = api.post("/x12/278", data=text.encode(), user=user)
    assert answer["X-X12-Transaction"] == "278"
    assert read_278(answer.content).decision.action == ReviewAction.NOT_CERTIFIED


def test_278_response_for_pending_and_denied(rw, world):
    pending = submit(rw, visits_requested=20)
    assert read_278(referral_278(pending)).decision.action == ReviewAction.PENDED
