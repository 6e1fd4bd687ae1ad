"""/fhir/r4/ request handling an integrator checks: hostile JSON bodies answer a 400
OperationOutcome (never a 500), the application access is checked before the request itself
(403 like REST, before any parameter or body is looked at), and the search framework
(``portico.fhir.common``: paging links, ``_count`` / ``_offset`` / ``_summary``, unknown
parameters, modifiers and token codes). Every answer is validated with fhir.resources R4B."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from portico.api import fhir_views
from portico.fhir.common import (
    MAX_COUNT,
    FhirError,
    FhirRegistry,
    FhirRequest,
    RegistryError,
    SearchPage,
    SearchParam,
    check_search_params,
    paged_searchset_bundle,
    parse_search_page,
)
from tests.api.conftest import bearer

SUBMIT = "/fhir/r4/Claim/$submit"
EOB = "/fhir/r4/ExplanationOfBenefit"
FHIR_JSON = "application/fhir+json"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _outcome(response: Any, status: int, *codes: str) -> OperationOutcome:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith(FHIR_JSON)
    outcome = OperationOutcome.model_validate(response.json())
    assert outcome.issue[0].code in codes, outcome.issue[0]
    assert "Traceback" not in response.content.decode()
    return outcome


# ---------------------------------------------------------------------------
# 1. Hostile JSON bodies: a 400 OperationOutcome, never a 500
# ---------------------------------------------------------------------------
HOSTILE_BODIES = {
    "100000 nested arrays (RecursionError)": b'{"resourceType":"Bundle","x":' + b"[" * 100_000,
    "100000 nested, closed": b'{"resourceType":"Bundle","x":'
    + b"[" * 100_000
    + b"]" * 100_000
    + b"}",
    "nested objects": b'{"resourceType":"Bundle","x":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
    "deeper than the limit but parseable": b'{"resourceType":"Bundle","x":'
    + b"[" * 200
    + b"]" * 200
    + b"}",
    "float out of range": b'{"resourceType":"Bundle","x":1e999999}',
    "negative float out of range": b'{"resourceType":"Bundle","x":-1e999999}',
    "integer past the digits limit": b'{"resourceType":"Bundle","x":' + b"9" * 5000 + b"}",
    "NaN": b'{"resourceType":"Bundle","x":NaN}',
    "Infinity": b'{"resourceType":"Bundle","x":-Infinity}',
    "invalid UTF-8": b'{"resourceType":"Bundle","x":"\xff\xfe\xfa"}',
    "lone surrogate bytes": b'{"resourceType":"Bundle","x":"\xed\xa0\x80"}',
    "lone surrogate escape": b'{"resourceType":"Bundle","x":"\\ud800"}',
    "lone surrogate in a key": b'{"resourceType":"Bundle","\\udfff":1}',
    "truncated": b'{"resourceType":"Bundle",',
}


@pytest.mark.django_db
@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_json_bodies_answer_400_operation_outcomes(body, world, tokens, client):
    token = bearer(tokens("user_a", "physician"))  # Prior Authorization grant
    response = client.post(SUBMIT, data=body, content_type=FHIR_JSON, **token)
    outcome = _outcome(response, 400, "structure", "invalid")
    assert "not valid JSON" in (outcome.issue[0].diagnostics or "")


@pytest.mark.django_db
def test_a_normal_depth_body_still_reaches_the_handler(world, tokens, client):
    token = bearer(tokens("user_a", "physician"))
    body = {"resourceType": "Bundle", "type": "collection", "x": [[[[[1.5, 2]]]]]}
    response = client.post(SUBMIT, data=json.dumps(body), content_type=FHIR_JSON, **token)
    # The PAS parser refuses it (no Claim): its issues, not a JSON error.
    outcome = _outcome(response, 400, "required", "invalid", "structure", "value")
    assert "not valid JSON" not in (outcome.issue[0].diagnostics or "")


# ---------------------------------------------------------------------------
# 3. Access before the request: 403 like REST, before parameters and bodies
# ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_eob_without_a_claims_grant_is_403_like_rest(world, tokens, client):
    token = bearer(tokens("user_a", "physician"))  # no Claims grant
    rest = client.get("/api/v1/claims/claims", **token)
    assert rest.status_code == 403
    _outcome(client.get(EOB, **token), 403, "forbidden")
    _outcome(client.get(EOB, {"status": "bogus", "_count": "x"}, **token), 403, "forbidden")
    _outcome(client.get(f"{EOB}/C2025000001", **token), 403, "forbidden")
    form = client.post(
        f"{EOB}/_search", "patient=x", content_type="application/x-www-form-urlencoded", **token
    )
    _outcome(form, 403, "forbidden")
    # A caller with the grant but nothing in scope still gets an empty Bundle.
    clerk_b = bearer(tokens("user_b", "billing_clerk_b"))
    empty = client.get(EOB, **clerk_b)
    assert empty.status_code == 200 and Bundle.model_validate(empty.json()).total == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"resourceType": "Bundle", "type": "collection"}),  # invalid PAS request
        json.dumps({"resourceType": "Claim"}),  # wrong resourceType
        "{not json",
        '{"resourceType":"Bundle","x":' + "[" * 100_000,
    ],
    ids=["invalid-bundle", "wrong-type", "bad-json", "deep"],
)
def test_submit_without_prior_auth_access_is_403_before_validation(body, world, tokens, client):
    token = bearer(tokens("user_a", "billing_clerk"))  # Claims grant, no Prior Authorization
    assert client.get("/api/v1/priorauth/requests", **token).status_code == 403  # REST
    response = client.post(SUBMIT, data=body, content_type=FHIR_JSON, **token)
    _outcome(response, 403, "forbidden")
    inquire = client.post("/fhir/r4/Claim/$inquire", data=body, content_type=FHIR_JSON, **token)
    _outcome(inquire, 403, "forbidden")


@pytest.mark.django_db
def test_no_token_is_401_before_the_body_is_read(world, client):
    response = client.post(SUBMIT, data="{not json", content_type=FHIR_JSON)
    _outcome(response, 401, "login")


# ---------------------------------------------------------------------------
# 2. The search framework (a registry of our own; the EOB search: test_eob_paging.py)
# ---------------------------------------------------------------------------
ITEMS: list[dict[str, Any]] = [
    {"resourceType": "Basic", "id": f"b{i:03d}", "code": {"text": "x"}} for i in range(45)
]


def _basic_search(principal: Any, req: FhirRequest) -> dict[str, Any]:
    assert req.page is not None
    kinds = req.params.get("kind", [])
    matches = [i for i in ITEMS if not kinds or int(i["id"][1:]) % 2 == (kinds[0] == "odd")]
    page = req.page
    return paged_searchset_bundle(matches[page.offset : page.stop], req=req, total=len(matches))


@pytest.fixture
def basic_registry():
    registry = FhirRegistry()
    registry.search(
        "Basic",
        _basic_search,
        scope="patients",
        params=[SearchParam("kind", "token", "odd | even", values=("odd", "even"))],
    )
    fhir_views.set_registry(registry)
    yield registry
    fhir_views.set_registry(None)


def _links(bundle: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle.get("link", [])}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.django_db
def test_paging_links_reach_every_match_once(basic_registry, world, tokens, client):
    token = bearer(tokens("user_a", "physician"))
    response = client.get("/fhir/r4/Basic", {"_count": "10", "kind": "even"}, **token)
    assert response.status_code == 200
    bundle = response.json()
    Bundle.model_validate(bundle)
    links = _links(bundle)
    assert set(links) == {"self", "first", "next", "last"}
    assert _query(links["self"]) == {"kind": ["even"], "_count": ["10"], "_offset": ["0"]}
    assert _query(links["next"])["_offset"] == ["10"]
    assert _query(links["last"])["_offset"] == ["20"]
    seen: list[str] = []
    url: str | None = links["self"]
    pages = 0
    while url:
        page = client.get(url, **token)
        assert page.status_code == 200
        body = page.json()
        Bundle.model_validate(body)
        assert body["total"] == 23
        seen += [e["resource"]["id"] for e in body.get("entry", [])]
        if pages:
            assert "previous" in _links(body)
        url = _links(body).get("next")
        pages += 1
    assert pages == 3
    assert seen == [i["id"] for i in ITEMS if int(i["id"][1:]) % 2 == 0]


@pytest.mark.django_db
def test_count_offset_and_summary(basic_registry, world, tokens, client):
    token = bearer(tokens("user_a", "physician"))

    def get(**query: str) -> dict[str, Any]:
        response = client.get("/fhir/r4/Basic", query, **token)
        assert response.status_code == 200, response.content
        Bundle.model_validate(response.json())
        return response.json()

    default = get()
    assert len(default["entry"]) == 20 and default["total"] == 45
    big = get(_count="100000000000")
    assert len(big["entry"]) == 45 and _query(_links(big)["self"])["_count"] == [str(MAX_COUNT)]
    tail = get(_count="20", _offset="40")
    assert [e["resource"]["id"] for e in tail["entry"]] == ["b040", "b041", "b042", "b043", "b044"]
    assert "next" not in _links(tail) and _query(_links(tail)["previous"])["_offset"] == ["20"]
    beyond = get(_offset="500")
    assert "entry" not in beyond and beyond["total"] == 45
    count_only = get(_summary="count", kind="odd")
    assert count_only["total"] == 22 and "entry" not in count_only
    assert set(_links(count_only)) == {"self"}
    assert _query(_links(count_only)["self"])["_summary"] == ["count"]
    zero = get(_count="0")
    assert zero["total"] == 45 and "entry" not in zero


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"_count": "-1"}, "value"),
        ({"_count": "1e3"}, "value"),
        ({"_count": "abc"}, "value"),
        ({"_offset": "-5"}, "value"),
        ({"_offset": "99999999999"}, "value"),
        ({"_summary": "text"}, "not-supported"),
        ({"kind": "bogus"}, "value"),
        ({"kind": "odd,"}, "value"),
        ({"kind": "http://example.org|bogus"}, "value"),
        ({"kind:not": "odd"}, "not-supported"),
    ],
)
def test_invalid_search_values_are_400(basic_registry, world, tokens, client, query, code):
    token = bearer(tokens("user_a", "physician"))
    _outcome(client.get("/fhir/r4/Basic", query, **token), 400, code)


@pytest.mark.django_db
def test_unknown_parameters_lenient_by_default_strict_on_request(
    basic_registry, world, tokens, client
):
    token = bearer(tokens("user_a", "physician"))
    lenient = client.get("/fhir/r4/Basic", {"bogus": "1", "kind": "odd"}, **token)
    assert lenient.status_code == 200 and lenient.json()["total"] == 22
    assert "bogus" not in _query(_links(lenient.json())["self"])  # not used, not echoed
    strict = client.get(
        "/fhir/r4/Basic", {"bogus": "1"}, HTTP_PREFER="return=minimal, handling=strict", **token
    )
    _outcome(strict, 400, "not-supported")
    ok = client.get("/fhir/r4/Basic", {"kind": "odd"}, HTTP_PREFER="handling=strict", **token)
    assert ok.status_code == 200


def test_page_parsing_and_param_checks_without_http():
    assert parse_search_page({}) == SearchPage(0, 20, False)
    assert parse_search_page({"_count": ["7"], "_offset": ["14"]}) == SearchPage(14, 7, False)
    assert parse_search_page({"_summary": ["count"]}).size == 0
    with pytest.raises(FhirError):
        parse_search_page({"_count": ["1", "2"]})
    declared = [SearchParam("kind", "token", values=("odd", "even"))]
    assert check_search_params(declared, {"kind": ["odd"], "x": ["1"], "_count": ["3"]}) == {
        "kind": ["odd"],
        "_count": ["3"],
    }
    with pytest.raises(RegistryError):
        FhirRegistry().search("Basic", _basic_search, scope="x", params=[SearchParam("_count")])
    with pytest.raises(RegistryError):
        FhirRegistry().search(
            "Basic", _basic_search, scope="x", params=[SearchParam("d", "date", values=("x",))]
        )


def test_capability_statement_documents_the_search_policy(client):
    fhir_views.set_registry(None)
    statement = client.get("/fhir/r4/metadata").json()
    CapabilityStatement.model_validate(statement)
    policy = statement["rest"][0]["documentation"]
    assert "_count" in policy and str(MAX_COUNT) in policy and "handling=strict" in policy
