"""FHIR ``ExplanationOfBenefit`` search as an integrator pages through it (FHIR R4
http.html#paging): a system client with more EOBs than one page (and than ``_count``'s cap)
follows ``Bundle.link`` next from the first page to the last and gets every EOB exactly once;
``_count`` / ``_offset`` / ``_summary=count`` are honoured; invalid token codes are 400 for every
token parameter; unknown parameters follow the documented handling (lenient unless
``Prefer: handling=strict``). Bundles are validated with fhir.resources R4B."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.operationoutcome import OperationOutcome

from portico.api import fhir_views
from portico.claims.models import ClaimKind, ClaimStatus
from portico.fhir.common import MAX_COUNT
from tests.api.conftest import bearer
from tests.factories.claims import make_claim

EOB = "/fhir/r4/ExplanationOfBenefit"
MANY = MAX_COUNT + 34  # 134 EOBs: more than a default page and more than the _count cap
AT = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def many_eobs(world) -> list[str]:
    """MANY adjudicated claims of practice A; groups of 10 share an adjudication time, so
    the order needs its tie-breaker to be stable. Every 7th is institutional, every 11th void."""
    fhir_views.set_registry(None)
    numbers = []
    for i in range(MANY):
        claim = make_claim(
            organization=world.practice_a,
            tin="111111111",
            number=f"C2025{i:06d}",
            status=ClaimStatus.VOIDED if i % 11 == 0 else ClaimStatus.FINALIZED_PAID,
            kind=ClaimKind.INSTITUTIONAL if i % 7 == 0 else ClaimKind.PROFESSIONAL,
            adjudicated_at=AT + dt.timedelta(minutes=i // 10),
        )
        numbers.append(claim.number)
    return numbers


def _links(bundle: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle.get("link", [])}


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _bundle(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    Bundle.model_validate(body)
    return body


def _outcome_400(response: Any, code: str) -> None:
    assert response.status_code == 400, response.content[:300]
    assert OperationOutcome.model_validate(response.json()).issue[0].code == code


@pytest.mark.django_db
def test_a_system_client_pages_through_every_eob(many_eobs, tokens, client):
    system = bearer(tokens("system"))
    first = _bundle(client.get(EOB, **system))
    assert first["total"] == MANY and len(first["entry"]) == 20
    links = _links(first)
    assert {"self", "first", "next", "last"} <= set(links) and "previous" not in links
    assert _query(links["next"])["_offset"] == ["20"]
    seen: list[str] = []
    url: str | None = links["self"]
    pages = 0
    while url:
        page = _bundle(client.get(url, **system))
        assert page["total"] == MANY
        for entry in page.get("entry", []):
            ExplanationOfBenefit.model_validate(entry["resource"])
            assert entry["fullUrl"].endswith(f"/ExplanationOfBenefit/{entry['resource']['id']}")
            seen.append(entry["resource"]["id"])
        if pages:
            assert "previous" in _links(page)
        url = _links(page).get("next")
        pages += 1
    assert pages == -(-MANY // 20)
    assert len(seen) == len(set(seen)) == MANY and set(seen) == set(many_eobs)
    # Newest adjudication first, ties in a fixed order: asking again gives the same pages.
    again = _bundle(client.get(EOB, {"_offset": "40", "_count": "20"}, **system))
    assert [e["resource"]["id"] for e in again["entry"]] == seen[40:60]


@pytest.mark.django_db
def test_count_is_capped_and_the_rest_is_reachable(many_eobs, tokens, client):
    system = bearer(tokens("system"))
    big = _bundle(client.get(EOB, {"_count": "500"}, **system))
    assert len(big["entry"]) == MAX_COUNT and big["total"] == MANY
    assert _query(_links(big)["next"]) == {"_count": [str(MAX_COUNT)], "_offset": [str(MAX_COUNT)]}
    rest = _bundle(client.get(_links(big)["next"], **system))
    assert len(rest["entry"]) == MANY - MAX_COUNT and "next" not in _links(rest)
    assert _query(_links(rest)["previous"])["_offset"] == ["0"]


@pytest.mark.django_db
def test_search_parameters_are_kept_in_the_links(many_eobs, tokens, client):
    system = bearer(tokens("system"))
    institutional = sum(1 for i in range(MANY) if i % 7 == 0)
    page = _bundle(client.get(EOB, {"type": "institutional", "_count": "5"}, **system))
    assert page["total"] == institutional and len(page["entry"]) == 5
    for relation in ("self", "next", "last"):
        assert _query(_links(page)[relation])["type"] == ["institutional"]
    kinds = {
        e["resource"]["type"]["coding"][0]["code"]
        for e in _bundle(client.get(_links(page)["next"], **system))["entry"]
    }
    assert kinds == {"institutional"}


@pytest.mark.django_db
def test_summary_count_answers_the_total_only(many_eobs, tokens, client):
    system = bearer(tokens("system"))
    voided = sum(1 for i in range(MANY) if i % 11 == 0)
    counted = _bundle(client.get(EOB, {"_summary": "count", "status": "cancelled"}, **system))
    assert counted["total"] == voided and "entry" not in counted
    assert set(_links(counted)) == {"self"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"type": "bogus"},
        {"type": "professional,bogus"},
        {"type": "http://terminology.hl7.org/CodeSystem/claim-type|pharmacy"},
        {"status": "bogus"},
        {"status": "active,"},
    ],
)
def test_invalid_token_codes_are_400_for_every_token_parameter(world, tokens, client, query):
    fhir_views.set_registry(None)
    _outcome_400(client.get(EOB, query, **bearer(tokens("system"))), "value")


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{"_count": "-1"}, {"_count": "1e3"}, {"_offset": "x"}])
def test_invalid_paging_values_are_400(world, tokens, client, query):
    fhir_views.set_registry(None)
    _outcome_400(client.get(EOB, query, **bearer(tokens("system"))), "value")


@pytest.mark.django_db
def test_unknown_parameters_are_ignored_unless_strict(many_eobs, tokens, client):
    system = bearer(tokens("system"))
    lenient = _bundle(client.get(EOB, {"_sort": "-created", "foo": "bar"}, **system))
    assert lenient["total"] == MANY
    assert set(_query(_links(lenient)["self"])) == {"_count", "_offset"}
    strict = client.get(EOB, {"foo": "bar"}, HTTP_PREFER="handling=strict", **system)
    _outcome_400(strict, "not-supported")


@pytest.mark.django_db
def test_the_capability_statement_lists_the_eob_search(client):
    fhir_views.set_registry(None)
    statement = client.get("/fhir/r4/metadata").json()
    CapabilityStatement.model_validate(statement)
    eob = next(r for r in statement["rest"][0]["resource"] if r["type"] == "ExplanationOfBenefit")
    params = {p["name"]: p for p in eob["searchParam"]}
    assert set(params) == {"patient", "identifier", "created", "status", "type"}
    assert "professional" in params["type"]["documentation"]
    assert "_offset" in statement["rest"][0]["documentation"]
