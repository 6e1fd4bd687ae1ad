"""Connect's REST API: access forms submitted, signed, decided and seen as grants, and the
practice administrators' users — what an office's or a plan's system would do with it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from portico.core.models import AuditEvent, OutboxMessage
from portico.organizations.models import AccessRequest, Membership, PracticeInvitation
from tests.api.conftest import bearer
from tests.connect.helpers import sign_by_upload
from tests.matrix.api_connect import claims_body, patientinfo_body, support_body

pytestmark = pytest.mark.django_db

BASE = "/api/v1/connect"


def _post(client: Any, token: str, path: str, body: Any, **headers: str) -> Any:
    return client.post(
        f"{BASE}{path}",
        data=json.dumps(body),
        content_type="application/json",
        **bearer(token),
        **headers,
    )


def _fields(response: Any) -> dict[str, str]:
    return {f["field"]: f["message"] for f in response.json()["error"]["fields"]}


def test_claims_form_submitted_signed_approved_and_seen_as_a_grant(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    admin = tokens("staff", "access_admin")

    body = claims_body(world.users["billing_clerk"])
    created = _post(api_client, clerk, "/access-requests/claims", body)
    assert created.status_code == 201, created.content
    body = created.json()
    reference = body["reference"]
    assert body["status"] == "awaiting_signature"
    assert body["next_actions"] == ["sign"]
    assert body["data"]["tins"][0]["display"] == "12-3456789"

    pdf = api_client.get(f"{BASE}/access-requests/{reference}/form.pdf", **bearer(clerk))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    ar = AccessRequest.objects.get(reference=reference)
    sign_by_upload(ar, world.users["billing_clerk"])
    queue = api_client.get(f"{BASE}/staff/access-requests?status=submitted", **bearer(admin))
    assert [r["reference"] for r in queue.json()["results"]] == [reference]

    reviewed = _post(api_client, admin, f"/staff/access-requests/{reference}/review", {})
    assert reviewed.json()["status"] == "in_review"
    assert set(reviewed.json()["next_actions"]) >= {"approve", "deny", "ask_more_info"}
    approved = _post(api_client, admin, f"/staff/access-requests/{reference}/approve", {})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert [h["action"] for h in approved.json()["history"]][-1] == (
        "portico.access_request.approve"
    )

    me = api_client.get(f"{BASE}/me", **bearer(clerk)).json()
    claims = [g for g in me["grants"] if g["application"] == "claims"]
    assert any(set(g["scope"]["tins"]) == {"123456789", "987654321"} for g in claims)
    assert "Bayside Pediatrics" in {p["name"] for p in me["practices"]}

    again = _post(api_client, admin, f"/staff/access-requests/{reference}/approve", {})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_the_same_idempotency_key_returns_the_first_request(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    first = _post(
        api_client, clerk, "/access-requests/claims", claims_body(), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = _post(
        api_client, clerk, "/access-requests/claims", claims_body(), HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    # Another person's identical key is theirs alone.
    other = _post(
        api_client,
        tokens("user_b", "billing_clerk_b"),
        "/access-requests/claims",
        claims_body(),
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 201
    assert AccessRequest.objects.count() == 2


def test_bad_forms_answer_the_forms_own_field_errors_and_save_nothing(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    bad = {**claims_body(), "tins": "123", "officer_title": "Intern", "state": "ZZ"}
    response = _post(api_client, clerk, "/access-requests/claims", bad)
    assert response.status_code == 422
    fields = _fields(response)
    assert {"tins", "officer_title", "state"} <= fields.keys()
    assert "management" in fields["officer_title"].lower()

    rows = [{"name": "A", "email": "a@example.org", "npi": "1234567890"}] * 2
    pip = _post(
        api_client, clerk, "/access-requests/patientinfo", {**patientinfo_body(), "rows": rows}
    )
    assert pip.status_code == 422
    assert "rows[0].npi" in _fields(pip)
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("npi", "answer"),
    [
        ("1234-567-893", {"stored": "1234567893"}),
        ("1234 567 893", {"stored": "1234567893"}),
        ("1234-567-8930", {"error": "An NPI is exactly 10 digits."}),
        ("12345678930000000", {"error": "An NPI is exactly 10 digits."}),
    ],
)
def test_an_npi_typed_with_separators_is_the_npi(world, tokens, api_client, npi, answer):
    """Spaces and dashes between an NPI's digits are what people type; a browser's maxlength
    used to hide that the API answered Django's "at most 10 characters (it has 12)"."""
    clerk = tokens("user_a", "billing_clerk")
    body = patientinfo_body()
    body["rows"] = [{**body["rows"][0], "npi": npi}]
    response = _post(api_client, clerk, "/access-requests/patientinfo", body)
    if "stored" in answer:
        assert response.status_code == 201, response.content
        assert response.json()["data"]["rows"][0]["npi"] == answer["stored"]
    else:
        assert response.status_code == 422
        assert _fields(response)["rows[0].npi"] == answer["error"]
        assert not AccessRequest.objects.exists()


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"roles": ["specialist", "staff"]}, ["staff", "specialist"]),
        ({"role": "pcp"}, ["pcp"]),  # deprecated: one string, as before "select all that apply"
        ({"roles": ["staff"], "role": "pcp"}, ["staff"]),  # role is ignored when roles is given
    ],
)
def test_physician_info_form_takes_roles_and_the_deprecated_role(
    world, tokens, api_client, given, stored
):
    clerk = tokens("user_a", "billing_clerk")
    body = {k: v for k, v in patientinfo_body().items() if k != "roles"}
    created = _post(api_client, clerk, "/access-requests/patientinfo", {**body, **given})
    assert created.status_code == 201, created.content
    assert created.json()["data"]["roles"] == stored and "role" not in created.json()["data"]


def test_physician_info_form_needs_a_role(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    body = {k: v for k, v in patientinfo_body().items() if k != "roles"}
    response = _post(api_client, clerk, "/access-requests/patientinfo", body)
    assert response.status_code == 422
    assert _fields(response)["roles"] == "Choose Staff, PCP or Specialist (one or more)."
    assert not AccessRequest.objects.exists()


def test_physician_info_form_and_the_answer_to_a_question(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    admin = tokens("staff", "access_admin")
    created = _post(api_client, clerk, "/access-requests/patientinfo", patientinfo_body())
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    assert created.json()["data"]["rows"][0]["npi"] == "1234567893"
    ar = AccessRequest.objects.get(reference=reference)
    sign_by_upload(ar, world.users["billing_clerk"])
    _post(api_client, admin, f"/staff/access-requests/{reference}/review", {})
    empty = _post(
        api_client, admin, f"/staff/access-requests/{reference}/more-info", {"message": ""}
    )
    assert empty.status_code == 422 and "message" in _fields(empty)
    asked = _post(
        api_client,
        admin,
        f"/staff/access-requests/{reference}/more-info",
        {"message": "Which NPI?"},
    )
    assert asked.json()["status"] == "more_info"

    mine = api_client.get(f"{BASE}/access-requests/{reference}", **bearer(clerk)).json()
    assert mine["staff_message"] == "Which NPI?"
    assert "reply" in mine["next_actions"]
    replied = _post(
        api_client, clerk, f"/access-requests/{reference}/reply", {"reply": "1234567893"}
    )
    assert replied.json()["status"] == "submitted"
    listed = api_client.get(f"{BASE}/access-requests", **bearer(clerk)).json()
    assert [r["reference"] for r in listed["results"]] == [reference]


def test_support_access_form_pads_the_pfi_and_checks_the_user_id(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    bad = _post(api_client, clerk, "/access-requests/support", {**support_body(), "user_id": "X1"})
    assert bad.status_code == 422 and "user_id" in _fields(bad)
    created = _post(api_client, clerk, "/access-requests/support", support_body())
    assert created.status_code == 201
    assert created.json()["application"] == "support"
    assert created.json()["data"]["pfi"] == "000123456"


def test_staff_reading_a_request_is_audited_and_others_cannot(world, tokens, api_client):
    clerk = tokens("user_a", "billing_clerk")
    reference = _post(api_client, clerk, "/access-requests/claims", claims_body()).json()[
        "reference"
    ]
    response = api_client.get(
        f"{BASE}/staff/access-requests/{reference}", **bearer(tokens("staff", "access_admin"))
    )
    assert response.status_code == 200
    assert response.json()["requester"] == world.users["billing_clerk"].username
    assert AuditEvent.objects.filter(
        action="portico.access_request.viewed", actor=world.users["access_admin"]
    ).exists()
    other = tokens("user_b", "billing_clerk_b")
    assert api_client.get(f"{BASE}/access-requests/{reference}", **bearer(other)).status_code == 404
    assert (
        api_client.get(f"{BASE}/staff/access-requests/{reference}", **bearer(other)).status_code
        == 403
    )


def test_practice_administrator_invites_and_deactivates_users(
    world, tokens, api_client, django_capture_on_commit_callbacks
):
    admin = tokens("user_a", "practice_admin")
    practices = api_client.get(f"{BASE}/practices", **bearer(admin)).json()
    assert [p["id"] for p in practices] == [world.practice_a.pk]
    org = world.practice_a.pk

    invalid = _post(api_client, admin, f"/practices/{org}/invitations", {"email": "nope"})
    assert invalid.status_code == 422 and "email" in _fields(invalid)
    with django_capture_on_commit_callbacks(execute=True):
        invited = _post(
            api_client, admin, f"/practices/{org}/invitations", {"email": "pat@example.org"}
        )
    assert invited.status_code == 201
    assert PracticeInvitation.objects.filter(email="pat@example.org").exists()
    sent = OutboxMessage.objects.get(to="pat@example.org")
    assert any("/connect/invitations/" in url for url in sent.links)

    users = api_client.get(f"{BASE}/practices/{org}/users", **bearer(admin)).json()
    assert "pat@example.org" in {i["email"] for i in users["invitations"]}
    clerk = next(
        u for u in users["users"] if u["username"] == world.users["billing_clerk"].username
    )
    after = _post(api_client, admin, f"/practices/{org}/users/{clerk['id']}/deactivate", {})
    assert after.status_code == 200
    assert not Membership.objects.get(pk=clerk["id"]).is_active

    providers = api_client.get(f"{BASE}/practices/{org}/providers", **bearer(admin))
    assert providers.status_code == 200
    b = world.practice_b.pk
    assert api_client.get(f"{BASE}/practices/{b}/users", **bearer(admin)).status_code == 404


def test_a_token_without_the_connect_scope_is_refused(world, tokens, api_client):
    token = tokens("user_a", "billing_clerk", scopes=["claims"])
    response = api_client.get(f"{BASE}/me", **bearer(token))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"


def test_detail_shows_who_has_signed_and_staff_see_each_signature(world, tokens, api_client):
    from portico.organizations.services.signatures import access_request_esign_start

    clerk_user = world.users["billing_clerk"]
    clerk = tokens("user_a", "billing_clerk")
    admin = tokens("staff", "access_admin")
    created = _post(api_client, clerk, "/access-requests/claims", claims_body(clerk_user))
    reference = created.json()["reference"]
    assert created.json()["signatures"] == []
    ar = AccessRequest.objects.get(reference=reference)
    officer_email = ar.data["officer_email"]
    access_request_esign_start(
        access_request=ar,
        actor=clerk_user,
        typed_name=clerk_user.get_full_name(),
        ip_address="203.0.113.9",
    )

    mine = api_client.get(f"{BASE}/access-requests/{reference}", **bearer(clerk)).json()
    lines = {line["role"]: line for line in mine["signatures"]}
    assert set(lines) == {"Authorizing Officer", "User"}
    assert lines["User"]["signed"] is True and lines["User"]["signed_at"]
    officer = lines["Authorizing Officer"]
    assert officer["signed"] is False and officer["email"] == officer_email
    assert officer["link_sent_at"] and officer["link_expires_at"]
    # The requester does not see the IP addresses; staff do, with the typed names.
    assert "signed_ip" not in lines["User"]
    staff = api_client.get(f"{BASE}/staff/access-requests/{reference}", **bearer(admin)).json()
    staff_lines = {line["role"]: line for line in staff["signatures"]}
    assert staff_lines["User"]["signed_ip"] == "203.0.113.9"
    assert staff_lines["User"]["signed_name"] == clerk_user.get_full_name()
    assert staff_lines["Authorizing Officer"]["signed_ip"] is None
