"""The support router, driven through django-ninja's test client (the API root is not built)."""

from __future__ import annotations

import pytest
from ninja.testing import TestClient

from portico.core.models import AuditEvent
from portico.support.api import router
from portico.support.models import Actor, Case
from portico.support.services import case_comment_add
from tests.conftest import router_client
from tests.support.conftest import open_case

CLAIM = {
    "patient_name": "Pat Doe",
    "member_id": "ab123",
    "service_date": "2026-01-05",
    "billed_amount": "125.50",
    "date_submitted": "2026-01-06",
}


@pytest.fixture(scope="module")
def api() -> TestClient:
    return TestClient(router)


def test_anonymous_and_unlinked_users_are_refused(api, sw):
    assert api.get("/cases").status_code == 401
    # Sam has a grant but has never done the customer log-in, so nothing is linked yet.
    response = api.get("/cases", user=sw.user)
    assert response.status_code == 403 and "customer log in" in response.json()["detail"]


def test_a_page_past_the_last_is_empty_and_page_zero_is_refused(sw):
    """Before: ?page=99999 gave page 1 again, so a client reading pages until one is empty
    never stopped (every list operation pages through core.api_errors.api_page)."""
    api = router_client(router)
    payload = {"subject": "Rejected", "description": "Why?", "claim": CLAIM}
    assert api.post("/cases", json=payload, user=sw.colleague_user).status_code == 201
    first = api.get("/cases?page=1", user=sw.colleague_user).json()
    assert first["count"] == 1 and len(first["results"]) == 1
    past = api.get("/cases?page=99999", user=sw.colleague_user).json()
    assert (past["count"], past["page"], past["results"]) == (1, 99999, [])
    zero = api.get("/cases?page=0", user=sw.colleague_user)
    assert zero.status_code == 400
    assert zero.json()["error"]["fields"] == [{"field": "page", "message": "Use 1 or more."}]


def test_create_list_and_read_a_case(api, sw):
    payload = {"subject": "Rejected", "description": "Why?", "claim": CLAIM}
    response = api.post("/cases", json=payload, user=sw.colleague_user)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["claim"]["member_id"] == "AB123" and body["claim"]["payer_id"] == "NYSPARCS"
    assert body["status"] == "new" and body["number"].startswith("CS-")
    listed = api.get("/cases?scope=mine", user=sw.colleague_user).json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == body["number"]
    detail = api.get(f"/cases/{body['number']}", user=sw.colleague_user)
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(action="portico.support.case_viewed").exists()


@pytest.mark.parametrize(
    ("claim", "status", "text"),
    [
        ({**CLAIM, "ect_number": "E1"}, 422, "ECT Number is not used"),
        ({**CLAIM, "billed_amount": "-1"}, 400, "more than zero"),
        ({**CLAIM, "service_date": "2999-01-01"}, 400, "future"),
        ({**CLAIM, "member_id": "A B"}, 400, "member ID"),
        ({**CLAIM, "billed_amount": "abc"}, 422, ""),
    ],
)
def test_bad_input_is_a_structured_error_and_saves_nothing(api, sw, claim, status, text):
    payload = {"subject": "S", "description": "D", "claim": claim}
    response = api.post("/cases", json=payload, user=sw.colleague_user)
    assert response.status_code == status
    assert text in str(response.json())
    assert not Case.objects.exists()


def test_other_customers_cases_are_not_found(api, sw):
    other = open_case(sw.other_customer, sw.other_user)
    assert api.get(f"/cases/{other.number}", user=sw.colleague_user).status_code == 404
    response = api.post(
        f"/cases/{other.number}/comments", json={"body": "x"}, user=sw.colleague_user
    )
    assert response.status_code == 404
    assert (
        api.get(f"/cases?scope=number&number={other.number}", user=sw.colleague_user).json()[
            "count"
        ]
        == 0
    )


def test_internal_notes_never_reach_the_customer_api(api, sw):
    case = open_case(sw.colleague, sw.colleague_user)
    response = api.post(
        f"/staff/cases/{case.number}/comments",
        json={"body": "INTERNAL-ONLY-7", "internal": True},
        user=sw.agent,
    )
    assert response.status_code == 201
    assert any(
        e["internal"] and e["body"] == "INTERNAL-ONLY-7" for e in response.json()["timeline"]
    )
    case_comment_add(case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="Public reply")
    customer_view = api.get(f"/cases/{case.number}", user=sw.colleague_user)
    text = customer_view.content.decode()
    assert "INTERNAL-ONLY-7" not in text and '"internal"' not in text
    assert "Public reply" in text
    after_comment = api.post(
        f"/cases/{case.number}/comments", json={"body": "Thanks"}, user=sw.colleague_user
    )
    assert "INTERNAL-ONLY-7" not in after_comment.content.decode()


def test_agent_queue_and_status(api, sw):
    case = open_case(sw.colleague, sw.colleague_user)
    assert api.get("/staff/cases", user=sw.colleague_user).status_code == 403
    queue = api.get("/staff/cases?status=open", user=sw.agent).json()
    assert [r["number"] for r in queue["results"]] == [case.number]
    response = api.post(
        f"/staff/cases/{case.number}/status", json={"status": "resolved"}, user=sw.agent
    )
    assert response.status_code == 200 and response.json()["status"] == "resolved"
    response = api.post(f"/staff/cases/{case.number}/status", json={"status": "new"}, user=sw.agent)
    assert response.status_code == 400 and "can't be moved" in response.json()["detail"]
    assert api.get("/staff/cases/CS-1999-000001", user=sw.agent).status_code == 404


def test_an_unknown_queue_filter_is_refused_not_dropped(sw):
    """Before: ?status=bogus or ?assignee=bogus was left out silently and the queue listed
    every case."""
    api = router_client(router)
    open_case(sw.colleague, sw.colleague_user)
    for query, field in (("status=bogus", "status"), ("assignee=bogus", "assignee")):
        response = api.get(f"/staff/cases?{query}", user=sw.agent)
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] == "A filter was not understood."
        assert [f["field"] for f in body["error"]["fields"]] == [field]
        assert "“bogus” is not one of the" in body["error"]["fields"][0]["message"]
    assert api.get("/staff/cases?status=all&assignee=me", user=sw.agent).status_code == 200


def test_a_retried_create_or_comment_with_the_same_idempotency_key_saves_one(api, sw, mailoutbox):
    """Before: a client retrying after a timeout opened a second case (and a second email)."""
    payload = {"subject": "Rejected", "description": "Why?", "claim": CLAIM}
    key = {"Idempotency-Key": "retry-7f3a"}
    first = api.post("/cases", json=payload, user=sw.colleague_user, headers=key)
    again = api.post("/cases", json=payload, user=sw.colleague_user, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == 1
    emails = len(mailoutbox)
    number = first.json()["number"]
    comment = {"body": "Any news?"}
    for _ in range(2):
        sent = api.post(
            f"/cases/{number}/comments",
            json=comment,
            user=sw.colleague_user,
            headers={"Idempotency-Key": "comment-1"},
        )
        assert sent.status_code == 201
    case = Case.objects.get()
    assert case.comments.filter(body="Any news?").count() == 1
    assert len(mailoutbox) == emails
    other = api.post(
        "/cases", json=payload, user=sw.colleague_user, headers={"Idempotency-Key": "k2"}
    )
    assert other.status_code == 201 and other.json()["number"] != number


def test_a_case_number_typed_in_lower_case_opens_the_case(api, sw):
    """Before: /cases/cs-2026-000001 was a 404, while the search by number took lower case."""
    mine = open_case(sw.colleague, sw.colleague_user)
    other = open_case(sw.other_customer, sw.other_user)
    user = sw.colleague_user
    assert api.get(f"/cases/{mine.number.lower()}", user=user).json()["number"] == mine.number
    assert api.get(f"/cases/{other.number.lower()}", user=user).status_code == 404
