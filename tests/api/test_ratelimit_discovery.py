"""Rate limits (429 + Retry-After) and router / FHIR module autodiscovery."""

from __future__ import annotations

import pytest

from portico.api import discovery, fhir_views, ratelimit, rest
from tests.api.conftest import bearer


def test_rates_parse():
    assert ratelimit.parse_rate("600/m") == ratelimit.Rate(600, 60)
    assert ratelimit.parse_rate("5/10s") == ratelimit.Rate(5, 10)
    with pytest.raises(ValueError):
        ratelimit.parse_rate("lots")


@pytest.mark.django_db
def test_each_token_has_its_own_budget_and_429_says_when_to_retry(
    world, tokens, api_client, settings
):
    settings.PORTICO_API_RATE_LIMIT = "3/h"
    first, second = bearer(tokens("user_a", "billing_clerk")), bearer(tokens("system"))
    for _ in range(3):
        assert api_client.get("/api/v1/whoami", **first).status_code == 200
    limited = api_client.get("/api/v1/whoami", **first)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 3601
    assert api_client.get("/api/v1/whoami", **second).status_code == 200
    fhir = api_client.get("/fhir/r4/Claim", **first)
    assert fhir.status_code == 429 and fhir.json()["resourceType"] == "OperationOutcome"
    assert fhir["Retry-After"]


@pytest.mark.django_db
def test_a_new_token_does_not_start_a_new_window(world, tokens, api_client, settings):
    """Before: the window was the token's, so a client over its limit fetched another token
    (client credentials) and carried on."""
    settings.PORTICO_API_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert api_client.get("/api/v1/whoami", **bearer(tokens("system"))).status_code == 200
    assert api_client.get("/api/v1/whoami", **bearer(tokens("system"))).status_code == 429
    for _ in range(2):
        fresh = bearer(tokens("user_a", "billing_clerk"))
        assert api_client.get("/api/v1/whoami", **fresh).status_code == 200
    again = bearer(tokens("user_a", "billing_clerk"))
    assert api_client.get("/api/v1/whoami", **again).status_code == 429
    other = bearer(tokens("user_a", "physician"))
    assert api_client.get("/api/v1/whoami", **other).status_code == 200


@pytest.mark.django_db
def test_anonymous_callers_are_limited_by_address(api_client, settings):
    settings.PORTICO_API_RATE_LIMIT = "2/m"
    assert api_client.get("/api/v1/whoami").status_code == 401
    assert api_client.get("/api/v1/whoami").status_code == 401
    assert api_client.get("/api/v1/whoami").status_code == 429
    assert api_client.get("/api/v1/whoami", REMOTE_ADDR="10.0.0.9").status_code == 401
    # Made-up tokens count against the address too: no fresh window per guess.
    guess = {"HTTP_AUTHORIZATION": "Bearer not-a-token", "REMOTE_ADDR": "10.0.0.9"}
    assert api_client.get("/api/v1/whoami", **guess).status_code == 401
    guess["HTTP_AUTHORIZATION"] = "Bearer another-guess"
    assert api_client.get("/api/v1/whoami", **guess).status_code == 429


def test_every_app_router_is_mounted_under_its_label():
    found = {r.label: r for r in discovery.discover_routers()}
    assert "support" in found and found["support"].module == "portico.support.api"
    assert "api" not in found and "core" not in found  # apps without api.py are skipped
    schema = rest.get_api().get_openapi_schema()
    for label in found:
        assert any(p.startswith(f"/api/v1/{label}/") for p in schema["paths"]), label
    assert rest.mounted_scopes()["support"] == "support"
    if "patientinfo" in found:
        assert found["patientinfo"].scope == "patients"


def test_fhir_modules_are_discovered_and_register_into_the_registry():
    modules = discovery.discover_fhir_modules()
    registry = fhir_views.build_registry(modules)
    for module in modules:
        assert module.__name__.endswith(".fhir_api")
    assert len(registry.interactions()) >= len(modules)


def test_missing_modules_are_skipped_but_broken_ones_fail(monkeypatch):
    assert discovery._optional_module("portico.core.api") is None
    assert discovery._optional_module("portico.nosuchapp.api") is None
    import importlib

    def broken(name):
        raise ImportError("half-written")

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ImportError):
        discovery._optional_module("portico.support.api")
