"""/fhir/r4/: the CapabilityStatement from the registry, content negotiation, bearer auth and
OperationOutcomes (validated with fhir.resources R4B) for every kind of bad request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import Http404
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from portico.api import fhir_views
from portico.fhir.common import (
    FhirError,
    FhirRegistry,
    FhirRequest,
    FhirResponse,
    RegistryError,
    SearchParam,
    outcome_issue,
    searchset_bundle,
)
from tests.api.conftest import bearer

CALLS: list[tuple[Any, FhirRequest]] = []


def _search(principal, req):
    CALLS.append((principal, req))
    patient = {"resourceType": "Patient", "id": "p1", "active": True}
    return searchset_bundle([patient], base_url=req.base_url)


def _read(principal, req):
    if req.id == "missing":
        raise Http404
    if req.id == "crash":
        raise KeyError("internal detail")
    return {"resourceType": "Patient", "id": req.id}


def _submit(principal, req):
    CALLS.append((principal, req))
    if not req.body.get("entry"):
        raise FhirError(
            422,
            issues=[
                outcome_issue("required", "Bundle.entry is required", expression=["Bundle.entry"]),
                outcome_issue("invalid", "No Claim", severity="warning"),
            ],
        )
    return FhirResponse({"resourceType": "Bundle", "type": "collection"}, status=201)


def _bad_handler(principal, req):
    return "not a resource"


@pytest.fixture
def registry():
    registry = FhirRegistry()
    registry.search(
        "Patient",
        _search,
        scope="patients",
        params=[SearchParam("identifier", "token", "Member ID"), "name"],
        profiles=["http://example.org/StructureDefinition/patient"],
    )
    registry.read("Patient", _read, scope="patients")
    registry.operation(
        "Claim",
        "$submit",
        _submit,
        scope="priorauth",
        accepts=["Bundle"],
        definition="http://hl7.org/fhir/us/davinci-pas/OperationDefinition/Claim-submit",
    )
    registry.operation("Claim", "$broken", _bad_handler, scope="priorauth")
    fhir_views.set_registry(registry)
    CALLS.clear()
    yield registry
    fhir_views.set_registry(None)


def _outcome(response, status: int, code: str) -> OperationOutcome:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].code == code
    assert "Traceback" not in response.content.decode()
    return outcome


def test_metadata_is_a_valid_r4_capability_statement(client, registry):
    response = client.get("/fhir/r4/metadata", HTTP_ACCEPT="application/fhir+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    statement = CapabilityStatement.model_validate(response.json())
    assert statement.fhirVersion == "4.0.1" and statement.kind == "instance"
    rest = statement.rest[0]
    by_type = {r.type: r for r in rest.resource}
    assert {i.code for i in by_type["Patient"].interaction} == {"read", "search-type"}
    assert [p.name for p in by_type["Patient"].searchParam] == ["identifier", "name"]
    ops = {o.name: o.definition for o in by_type["Claim"].operation}
    assert ops["submit"].endswith("Claim-submit")
    assert rest.security.service[0].coding[0].code == "OAuth"


def test_metadata_of_the_real_registry_validates(client):
    fhir_views.set_registry(None)
    response = client.get("/fhir/r4/metadata")
    CapabilityStatement.model_validate(response.json())


def test_registry_refuses_bad_registrations():
    registry = FhirRegistry()
    registry.read("Patient", _read, scope="patients")
    with pytest.raises(RegistryError):
        registry.read("Patient", _read, scope="patients")
    with pytest.raises(RegistryError):
        registry.operation("Claim", "submit", _submit, scope="priorauth")
    with pytest.raises(RegistryError):
        registry.search("patient", _search, scope="patients")
    with pytest.raises(RegistryError):
        registry.search("Patient", _search, scope="patients", params=[SearchParam("x", "bogus")])


@pytest.mark.django_db
def test_search_read_and_operation_with_a_bearer_token(registry, world, tokens, client):
    user_token = bearer(tokens("user_a", "physician"))
    found = client.get("/fhir/r4/Patient", {"identifier": "M1", "_format": "json"}, **user_token)
    assert found.status_code == 200 and found.json()["total"] == 1
    principal, req = CALLS[-1]
    assert principal.kind == "user" and principal.user == world.users["physician"]
    assert req.params == {"identifier": ["M1"]} and req.base_url.endswith("/fhir/r4")
    assert client.get("/fhir/r4/Patient/p7", **user_token).json()["id"] == "p7"
    system = bearer(tokens("system"))
    submitted = client.post(
        "/fhir/r4/Claim/$submit",
        data=json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{}]}),
        content_type="application/fhir+json",
        **system,
    )
    assert submitted.status_code == 201, submitted.content
    assert CALLS[-1][0].kind == "system"


@pytest.mark.django_db
def test_every_bad_request_is_an_operation_outcome(registry, world, tokens, client):
    token = bearer(tokens("user_a", "physician"))

    def post(path: str, data: Any, content_type: str = "application/fhir+json"):
        return client.post(path, data=data, content_type=content_type, **token)

    _outcome(client.get("/fhir/r4/Patient"), 401, "login")
    _outcome(client.get("/fhir/r4/Patient", HTTP_AUTHORIZATION="Bearer nope"), 401, "login")
    _outcome(post("/fhir/r4/Claim/$submit", "{not json"), 400, "structure")
    _outcome(post("/fhir/r4/Claim/$submit", "[1, 2]"), 400, "structure")
    wrong = _outcome(
        post("/fhir/r4/Claim/$submit", json.dumps({"resourceType": "Claim"})), 400, "invalid"
    )
    assert "Bundle" in wrong.issue[0].diagnostics
    _outcome(
        post("/fhir/r4/Claim/$submit", "<Bundle/>", "application/fhir+xml"), 415, "not-supported"
    )
    many = _outcome(
        post(
            "/fhir/r4/Claim/$submit", json.dumps({"resourceType": "Bundle", "type": "collection"})
        ),
        422,
        "required",
    )
    assert len(many.issue) == 2 and many.issue[0].expression == ["Bundle.entry"]
    _outcome(client.get("/fhir/r4/Observation", **token), 404, "not-supported")
    _outcome(client.get("/fhir/r4/lowercase", **token), 404, "not-supported")
    _outcome(post("/fhir/r4/Claim/$nope", "{}"), 404, "not-supported")
    _outcome(client.get("/fhir/r4/Claim/$submit", **token), 405, "not-supported")
    _outcome(client.get("/fhir/r4/Patient/missing", **token), 404, "not-found")
    _outcome(client.get("/fhir/r4/Patient/bad$id!", **token), 400, "value")
    _outcome(client.get("/fhir/r4/Patient/crash", **token), 500, "exception")
    _outcome(
        post("/fhir/r4/Claim/$broken", json.dumps({"resourceType": "Bundle"})), 500, "exception"
    )
    _outcome(
        client.get("/fhir/r4/Patient", HTTP_ACCEPT="application/fhir+xml", **token),
        406,
        "not-supported",
    )
    _outcome(client.get("/fhir/r4/a/b/c/d", **token), 404, "not-found")
    # A token without the interaction's scope.
    narrow = bearer(tokens("user_a", "physician", scopes=["claims"]))
    _outcome(client.get("/fhir/r4/Patient", **narrow), 403, "forbidden")


@pytest.mark.django_db
def test_session_calls_to_fhir_need_csrf_for_posts(registry, world, persona_client):
    browser = persona_client("physician")
    browser.handler.enforce_csrf_checks = True
    assert browser.get("/fhir/r4/Patient").status_code == 200
    response = browser.post(
        "/fhir/r4/Claim/$submit",
        data=json.dumps({"resourceType": "Bundle", "entry": [{}]}),
        content_type="application/fhir+json",
    )
    _outcome(response, 403, "forbidden")
