"""The PIP router: POSTed look-ups, summaries, 404 outside the caller's view."""

from __future__ import annotations

import pytest
from ninja.testing import TestClient

from portico.core.models import AuditEvent
from portico.patientinfo.api import router

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def api() -> TestClient:
    return TestClient(router)


def test_lookup_and_summary(api, pw, world):
    user = world.users["physician"]
    assert api.post("/patients/search", json={"member_id": "x"}).status_code == 401
    refused = api.post(
        "/patients/search", json={"member_id": "x"}, user=world.users["billing_clerk"]
    )
    assert refused.status_code == 403
    found = api.post("/patients/search", json={"member_id": pw.attributed.member_id}, user=user)
    assert [p["id"] for p in found.json()] == [pw.attributed.pk]
    by_name = api.post(
        "/patients/search",
        json={"last_name": "Whitfield", "date_of_birth": "1961-03-04"},
        user=user,
    )
    assert [p["first_name"] for p in by_name.json()] == ["Dana"]
    no_dob = api.post("/patients/search", json={"last_name": "Whitfield"}, user=user)
    assert no_dob.status_code == 400 and "date of birth" in no_dob.json()["detail"]
    summary = api.get(f"/patients/{pw.attributed.pk}?rx_from=2026-01-01", user=user).json()
    assert {d["code"] for d in summary["diagnoses"]} == {"E11.9", "I10"}
    assert [rx["drug_name"] for rx in summary["prescriptions"]] == ["Metformin hydrochloride"]
    assert AuditEvent.objects.filter(action="portico.patientinfo.patient_api_viewed").count() == 1


def test_outside_view_is_404(api, pw, world):
    user = world.users["physician"]
    assert api.get(f"/patients/{pw.practice_b_member.pk}", user=user).status_code == 404
    assert (
        api.get(f"/patients/{pw.attributed.pk}", user=world.users["billing_clerk"]).status_code
        == 404
    )
    hidden = api.post("/patients/search", json={"member_id": pw.other_region.member_id}, user=user)
    assert hidden.json() == []


def test_summary_says_when_it_lists_only_the_newest_fills(api, pw, world):
    """Before: the API cut the fills at 200 without a word."""
    import datetime as dt

    from tests.factories.patientinfo import PharmacyClaimFactory

    user = world.users["physician"]
    start = dt.date(2020, 1, 1)
    for day in range(201):
        PharmacyClaimFactory(member=pw.attributed, fill_date=start + dt.timedelta(days=day))
    summary = api.get(f"/patients/{pw.attributed.pk}", user=user).json()
    assert len(summary["prescriptions"]) == 200 and summary["prescriptions_truncated"] is True
    recent = api.get(f"/patients/{pw.attributed.pk}?rx_from=2025-01-01", user=user).json()
    assert recent["prescriptions_truncated"] is False


def test_refused_and_not_found_searches_are_audited(api, pw, world):
    """Before: a refused search left no audit event, and one that found nobody did not say
    which member ID was searched."""
    user = world.users["physician"]
    missing = api.post("/patients/search", json={"member_id": "zz 404"}, user=user)
    assert missing.json() == []
    refused = api.post(
        "/patients/search", json={"last_name": "W*", "date_of_birth": "1961-03-04"}, user=user
    )
    assert refused.status_code == 400
    events = AuditEvent.objects.filter(action="portico.patientinfo.patient_searched")
    first, second = events.order_by("id")
    assert (first.member_ref, first.changes) == ("ZZ404", {"by": "member_id", "results": 0})
    assert second.changes == {
        "by": "name",
        "searched": {"last_name": "W*", "first_name": "", "date_of_birth": "1961-03-04"},
        "outcome": "refused",
        "reason": "not_a_name",
    }
