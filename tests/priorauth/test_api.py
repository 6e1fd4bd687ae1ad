"""REST: submit, list, detail, letters, required-check (session-authenticated calls)."""

from __future__ import annotations

import pytest
from django.test import Client

from portico.core.models import AuditEvent
from portico.priorauth.api import router
from portico.priorauth.models import PriorAuthRequest
from tests.conftest import router_client

pytestmark = pytest.mark.django_db


def _payload(pa, **extra):
    data = {
        "payer_id": "HFX01",
        "service_category": "spine-surgery",
        "member_id": pa.member.member_id,
        "member_birth_date": "1968-03-14",
        "service_date": pa.service_date.isoformat(),
        "requesting_provider_npi": pa.provider_a.npi,
        "diagnoses": ["M54.50"],
        "clinical_answers": {
            "conservative_therapy": "yes",
            "imaging": "MRI",
            "neuro_deficit": "no",
        },
        "lines": [{"code": "63047", "units": 1}],
    }
    data.update(extra)
    return data


@pytest.fixture
def api(world):
    client = router_client(router)
    return lambda: client


def test_submit_list_detail_letters(pa, world):
    client = router_client(router)
    user = world.users["physician"]
    created = client.post("/requests", json=_payload(pa), user=user)
    assert created.status_code == 201, created.json()
    reference = created.json()["reference"]
    assert created.json()["status_label"] == "Received"
    listed = client.get("/requests", user=user).json()
    assert listed["count"] == 1
    # The list names the member: audited with what it showed (before: no event).
    event = AuditEvent.objects.get(action="portico.priorauth.listed")
    assert event.changes == {"requests": [reference]} and event.actor_id == user.pk
    assert client.get(f"/requests/{reference}", user=user).json()["status"] == "received"
    assert client.get(f"/requests/{reference}/letters", user=user).json() == []
    other = client.get(f"/requests/{reference}", user=world.users["billing_clerk_b"])
    assert other.status_code == 403


def test_a_retried_submission_with_its_idempotency_key_is_not_doubled(pa, world):
    client = router_client(router)
    user = world.users["physician"]
    headers = {"Idempotency-Key": "retry-after-timeout-1"}
    first = client.post("/requests", json=_payload(pa), user=user, headers=headers)
    second = client.post("/requests", json=_payload(pa), user=user, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert client.get("/requests", user=user).json()["count"] == 1


def test_field_errors_and_required_check(pa, world):
    client = router_client(router)
    user = world.users["physician"]
    bad = client.post("/requests", json=_payload(pa, lines=[{"code": "63047"}]), user=user)
    assert bad.status_code == 400
    assert "lines-0-units" in [f["field"] for f in bad.json()["error"]["fields"]]
    answer = client.get("/required?payer_id=HFX01&code=97110", user=user).json()
    assert answer["required"] is False
    _ = Client


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"facility_name": "F" * 201}, "facility_name", "at most 200 characters"),
        ({"clinical_notes": "n" * 5001}, "clinical_notes", "at most 5000 characters"),
        (
            {"urgency": "expedited", "expedited_attestation": True, "expedited_reason": "r" * 2001},
            "expedited_reason",
            "at most 2000 characters",
        ),
        (
            {"clinical_answers": {"conservative_therapy": "maybe", "imaging": "MRI"}},
            "q_conservative_therapy",
            "Answer yes or no.",
        ),
        (
            {"clinical_answers": {"conservative_therapy": "yes", "imaging": "x" * 2001}},
            "q_imaging",
            "at most 2000 characters",
        ),
        (
            {"clinical_answers": {"conservative_therapy": "yes", "imaging": "MRI", "bmi": "31"}},
            "clinical_answers",
            "Spine surgery has no question bmi.",
        ),
    ],
)
def test_what_the_form_bounds_is_bounded_for_integrators_too(pa, world, extra, field, message):
    """Before, REST stored a 10,000-character facility name (a 200-character column), a 1 MB
    note, "maybe" for a yes/no question and answers to questions the category does not ask."""
    client = router_client(router)
    response = client.post("/requests", json=_payload(pa, **extra), user=world.users["physician"])
    assert response.status_code == 400, response.json()
    errors = {f["field"]: f["message"] for f in response.json()["error"]["fields"]}
    assert message in errors.get(field, ""), errors
    assert client.get("/requests", user=world.users["physician"]).json()["count"] == 0


def test_a_yes_no_answer_is_stored_as_the_form_stores_it(pa, world):
    client = router_client(router)
    answers = {"conservative_therapy": "Yes", "imaging": "MRI", "neuro_deficit": "NO"}
    response = client.post(
        "/requests", json=_payload(pa, clinical_answers=answers), user=world.users["physician"]
    )
    assert response.status_code == 201, response.json()
    row = PriorAuthRequest.objects.get(reference=response.json()["reference"])
    assert row.clinical_answers["conservative_therapy"] == "yes"
    assert row.clinical_answers["neuro_deficit"] == "no"


def test_a_letter_is_downloaded_through_the_api(pa, world):
    """Before: a letter's download_url was the portal's page, which sends a bearer client to
    the sign-in page."""
    from datetime import timedelta

    from django.utils import timezone

    from portico.documents.models import Document
    from portico.priorauth.services import priorauth_send_back, priorauth_submit
    from tests.factories.priorauth import request_input

    reviewer = world.users["um_reviewer"]
    row = priorauth_submit(user=reviewer, staff=True, data=request_input(pa))
    priorauth_send_back(request=row, actor=reviewer, version=row.version, message="Notes, please")
    client = router_client(router)
    user = world.users["physician"]
    (letter,) = client.get(f"/requests/{row.reference}/letters", user=user).json()
    path = f"/requests/{row.reference}/letters/{letter['id']}"
    assert letter["download_url"].endswith(f"/api/v1/priorauth{path}")
    pdf = client.get(path, user=user)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/requests/{row.reference}/letters/999999", user=user).status_code == 404
    Document.objects.filter(pk=letter["id"]).update(
        available_until=timezone.now() - timedelta(days=1)
    )
    gone = client.get(path, user=user)
    assert gone.status_code == 410 and "retention" in gone.json()["error"]["message"]


def test_an_integrator_learns_the_categories_and_their_questions(pa, world):
    """Before: no endpoint named the categories' question keys, so clinical_answers could not
    be built from the API alone."""
    client = router_client(router)
    user = world.users["physician"]
    categories = client.get("/service-categories", user=user).json()
    spine = next(c for c in categories if c["code"] == pa.category.code)
    questions = {q["key"]: q for q in spine["questions"]}
    assert questions["conservative_therapy"]["kind"] == "yesno"
    assert questions["conservative_therapy"]["choices"] == ["yes", "no"]
    assert questions["imaging"]["required"] is True and questions["imaging"]["choices"] == []
    # What it lists is what a request needs: leaving out a required answer names its key.
    payload = _payload(pa)
    payload["clinical_answers"].pop("imaging", None)
    refused = client.post("/requests", json=payload, user=user)
    assert refused.status_code == 400
    assert "q_imaging" in [f["field"] for f in refused.json()["error"]["fields"]]
