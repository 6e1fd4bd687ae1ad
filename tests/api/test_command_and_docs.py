"""``portico api-client`` and the human-readable API page."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from portico.api.models import ApiClientBinding
from portico.core.models import AuditEvent


def _run(*args: str) -> object:
    out = io.StringIO()
    call_command("api_client", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_create_list_and_delete_a_system_client(world, client, settings):
    created = _run(
        "create", "--name", "PM robot", "--organization", "Practice A",
        "--application", "claims", "--application", "priorauth", "--submit-claims",
    )  # fmt: skip
    assert created["client_secret"] and created["scopes"] == ["claims", "priorauth"]
    # Absolute, where this deployment serves it (before: a path to complete by hand).
    assert created["token_endpoint"] == f"{settings.PORTICO_BASE_URL}/identity/o/api/token"
    binding = ApiClientBinding.objects.get(client_id=created["client_id"])
    assert binding.organization == world.practice_a
    assert binding.service_user.grants.get(application="claims").scope["submit_claims"] is True
    assert AuditEvent.objects.filter(action="portico.api.client_bound").exists()
    token = client.post(
        "/identity/o/api/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION="Basic "
        + __import__("base64")
        .b64encode(f"{created['client_id']}:{created['client_secret']}".encode())
        .decode(),
    ).json()["access_token"]
    assert client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert [c["client_id"] for c in _run("list")] == [created["client_id"]]
    _run("delete", created["client_id"])
    assert not ApiClientBinding.objects.exists()
    binding.service_user.refresh_from_db()
    assert not binding.service_user.is_active
    assert client.get("/api/v1/whoami", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.django_db
def test_create_refuses_bad_input(world):
    with pytest.raises(CommandError, match="organisation"):
        _run("create", "--name", "X", "--organization", "Nowhere", "--application", "claims")
    with pytest.raises(CommandError, match="region"):
        _run("create", "--name", "X", "--organization", str(world.practice_a.pk),
             "--application", "patientinfo")  # fmt: skip
    assert not ApiClientBinding.objects.exists()


@pytest.mark.django_db
def test_api_page_lists_operations_scopes_and_fhir(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and html.count("<h1") == 1
    assert "GET /api/v1/support/cases" in html
    assert "/api/v1/openapi.json" in html and "/fhir/r4/metadata" in html
    assert "<script>" not in html and "cdn" not in html.lower()
    index = client.get("/api/v1/").json()
    assert index["openapi"].endswith("/api/v1/openapi.json")


@pytest.mark.django_db
def test_landing_page_leads_developers_to_the_api_reference(client):
    landing = client.get("/").content.decode()
    assert 'href="/api/v1/docs"' in landing
    assert client.get("/api/v1/docs").status_code == 200
