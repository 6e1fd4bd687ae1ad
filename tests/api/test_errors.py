"""One structured error shape for every failure of the REST API; never a trace."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.testing import TestClient

from portico.api import discovery, rest
from tests.api.conftest import bearer


class ItemIn(Schema):
    name: str
    count: int


probe = Router(tags=["probe"])


@probe.post("/items", response={201: dict})
def create_item(request, payload: ItemIn):
    return 201, {"name": payload.name}


@probe.get("/boom")
def boom(request):
    raise RuntimeError("secret internals /etc/passwd")


@probe.get("/conflict")
def conflict(request):
    raise HttpError(409, "Already submitted.")


@probe.get("/refused")
def refused(request):
    err = HttpError(400, "The claim has errors.")
    err.errors = {"total_charge": ["Does not equal the sum of the lines."]}  # type: ignore[attr-defined]
    raise err


@probe.get("/invalid")
def invalid(request):
    from django.core.exceptions import ValidationError

    raise ValidationError({"member_id": ["Member not found."], "__all__": ["Check the form."]})


@pytest.fixture
def probe_api():
    api = rest.build_api(
        [discovery.DiscoveredRouter("probe", "tests.api.test_errors", probe, "claims")],
        namespace="probe-api",
    )
    return TestClient(api)


def _shape(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"] and body["detail"] == body["error"]["message"]
    return body


@pytest.mark.django_db
def test_validation_errors_name_each_field(probe_api, world, tokens):
    token = tokens("user_a", "billing_clerk")
    response = probe_api.post(
        "/probe/items",
        json={"name": "x", "count": "many"},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = _shape(response, 422, "validation_error")
    assert [f["field"] for f in body["error"]["fields"]] == ["count"]
    missing = probe_api.post("/probe/items", json={}, headers={"Authorization": f"Bearer {token}"})
    fields = {f["field"] for f in _shape(missing, 422, "validation_error")["error"]["fields"]}
    assert fields == {"name", "count"}


@pytest.mark.django_db
def test_server_errors_are_structured_and_never_leak(probe_api, world, tokens, caplog):
    token = tokens("user_a", "billing_clerk")
    with override_settings(DEBUG=True):
        response = probe_api.get("/probe/boom", headers={"Authorization": f"Bearer {token}"})
    body = _shape(response, 500, "server_error")
    assert "passwd" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    assert "secret internals" in caplog.text  # logged for the operators


@pytest.mark.django_db
def test_http_and_django_errors_keep_the_shape(probe_api, world, tokens):
    headers = {"Authorization": f"Bearer {tokens('user_a', 'billing_clerk')}"}
    assert _shape(probe_api.get("/probe/conflict", headers=headers), 409, "conflict")["detail"] == (
        "Already submitted."
    )
    body = _shape(probe_api.get("/probe/refused", headers=headers), 400, "bad_request")
    assert body["error"]["fields"] == [
        {"field": "total_charge", "message": "Does not equal the sum of the lines."}
    ]
    body = _shape(probe_api.get("/probe/invalid", headers=headers), 400, "bad_request")
    assert body["error"]["message"] == "Check the form."
    assert body["error"]["fields"] == [{"field": "member_id", "message": "Member not found."}]


@pytest.mark.django_db
def test_unknown_paths_methods_and_media_types(world, api_client, tokens):
    token = bearer(tokens("user_a", "billing_clerk"))
    _shape(api_client.get("/api/v1/no/such/thing", **token), 404, "not_found")
    body = _shape(api_client.delete("/api/v1/whoami", **token), 405, "method_not_allowed")
    assert "GET" in body["error"]["message"]
    response = api_client.post(
        "/api/v1/support/cases", data="<xml/>", content_type="application/xml", **token
    )
    _shape(response, 415, "unsupported_media_type")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "subject=Help&description=Locked+out"),
        ("text/plain", '{"subject": "Help", "description": "Locked out"}'),
    ],
)
def test_a_json_operation_given_a_form_or_text_answers_415(
    world, api_client, tokens, content_type, body
):
    """The guard lets forms and text through for the X12 and file operations; an operation
    that reads a JSON schema used to answer 400 "Cannot parse request body" to them."""
    from portico.support.models import Case

    token = bearer(tokens("user_a", "direct_customer"))
    response = api_client.post(
        "/api/v1/support/cases", data=body, content_type=content_type, **token
    )
    error = _shape(response, 415, "unsupported_media_type")["error"]
    assert error["message"] == (
        f"Send the request body as application/json (it was sent as {content_type})."
    )
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_json_that_cannot_be_read_says_where(world, api_client, tokens):
    from portico.support.models import Case

    token = bearer(tokens("user_a", "direct_customer"))
    response = api_client.post(
        "/api/v1/support/cases",
        data='{"subject": "Help",\n "description": }',
        content_type="application/json",
        **token,
    )
    error = _shape(response, 400, "bad_json")["error"]
    assert error["message"] == (
        "The request body is not valid JSON (Expecting value at line 2, column 17)."
    )
    response = api_client.post(
        "/api/v1/support/cases", data=b"\xff\xfe{", content_type="application/json", **token
    )
    assert _shape(response, 400, "bad_json")["error"]["message"] == (
        "The request body is not valid JSON (it is not UTF-8 text)."
    )
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_oversized_bodies_answer_413(world, api_client, tokens, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    token = bearer(tokens("user_a", "direct_customer"))
    response = api_client.post(
        "/api/v1/support/cases",
        data=json.dumps({"subject": "x" * 500, "description": "y"}),
        content_type="application/json",
        **token,
    )
    _shape(response, 413, "payload_too_large")


def test_openapi_documents_the_error_shape(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    whoami = schema["paths"]["/api/v1/whoami"]["get"]
    for status in ("401", "403", "429"):
        assert whoami["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorOut"
        }
    assert {"BearerAuth", "PorticoSessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_nul_characters_are_refused_before_they_reach_the_database(world, api_client, tokens):
    """PostgreSQL cannot store or compare NUL; found by the Schemathesis run on PostgreSQL
    (POST /api/v1/referrals/ with a "\\u0000" in a text field answered 500)."""
    token = bearer(tokens("user_a", "physician"))
    body = '{"member_id": "M\\u00001", "reason": "x"}'
    posted = api_client.post(
        "/api/v1/referrals/", data=body, content_type="application/json", **token
    )
    assert posted.status_code == 422
    assert "NUL" in posted.json()["error"]["message"]
    searched = api_client.get("/api/v1/claims/claims?q=ab%00c", **token)
    assert searched.status_code == 422 and searched.json()["error"]["code"] == "validation_error"
    fhir = api_client.get(
        "/fhir/r4/Patient?name=a%00b", HTTP_ACCEPT="application/fhir+json", **token
    )
    assert fhir.status_code == 400 and fhir.json()["resourceType"] == "OperationOutcome"
