"""Every REST operation and FHIR interaction × every token kind → the declared status
(issue #9: none, user of practice A, user of practice B, system client, staff)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from typing import Any

import pytest

import tests.matrix as matrix_pkg
from portico.api import fhir_views, rest
from tests.api.conftest import bearer
from tests.matrix.api import KINDS, ApiRoute

METHODS = ("get", "post", "put", "patch", "delete")


def declared_api_routes() -> dict[str, ApiRoute]:
    routes: dict[str, ApiRoute] = {}
    for module in pkgutil.iter_modules(matrix_pkg.__path__):
        mod = importlib.import_module(f"tests.matrix.{module.name}")
        declared = getattr(mod, "API_ROUTES", None)
        if declared is None:
            continue
        overlap = routes.keys() & declared.keys()
        assert not overlap, f"declared twice: {sorted(overlap)}"
        routes.update(declared)
    return routes


def served_operations() -> list[str]:
    schema = rest.get_api().get_openapi_schema()
    keys = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in METHODS
    ]
    for i in fhir_views.get_registry().interactions():
        base = f"/fhir/r4/{i.resource_type}"
        if i.kind == "read":
            keys.append(f"GET {base}/{{id}}")
        elif i.kind == "search-type":
            keys.append(f"GET {base}")
        else:
            keys += [f"{m} {base}/{i.name}" for m in i.methods]
    return sorted(keys)


API_ROUTES = declared_api_routes()
OPERATIONS = served_operations()


def test_every_api_operation_has_a_declared_answer():
    missing = [op for op in OPERATIONS if op not in API_ROUTES]
    assert not missing, f"API operations without an entry in tests/matrix/api_*.py: {missing}"
    stale = [op for op in API_ROUTES if op not in OPERATIONS]
    assert not stale, f"entries for API operations that no longer exist: {stale}"


CASES = [
    (op, kind)
    for op in OPERATIONS
    if op in API_ROUTES and not API_ROUTES[op].skip_reason
    for kind in KINDS
]


def _persona(route: ApiRoute, kind: str) -> str | None:
    return {"user_a": route.user_a, "user_b": route.user_b, "staff": route.staff}.get(kind)


@pytest.mark.django_db
@pytest.mark.parametrize(("op", "kind"), CASES)
def test_token_kind_gets_declared_status(op, kind, world, tokens, api_client):
    route = API_ROUTES[op]
    world.extra = getattr(world, "extra", {})
    if route.setup:
        world.extra.update(route.setup(world) or {})
    method, path = op.split(" ", 1)
    params = route.path(world) if route.path else {}
    url = re.sub(r"\{(\w+)\}", lambda m: str(params[m.group(1)]), path)
    headers: dict[str, Any] = {}
    if kind != "none":
        headers = bearer(tokens(kind, _persona(route, kind)))
    kwargs: dict[str, Any] = {}
    if route.query:
        kwargs["query_params"] = route.query(world)
    if method != "GET" and route.raw:
        raw, content_type = route.raw(world)
        kwargs.update(data=raw, content_type=content_type)
    elif method != "GET" and route.files:
        kwargs["data"] = {**(route.body(world) if route.body else {}), **route.files(world)}
    elif method != "GET":
        body = route.body(world) if route.body else {}
        content_type = "application/fhir+json" if path.startswith("/fhir/") else "application/json"
        kwargs.update(data=json.dumps(body), content_type=content_type)
    response = getattr(api_client, method.lower())(url, **headers, **kwargs)
    assert response.status_code == route.status_for(kind), (
        f"{kind} {op} → {response.status_code}, expected {route.status_for(kind)}: "
        f"{response.content[:300]!r}"
    )
    if response.status_code >= 400 and response["Content-Type"].startswith("application/edi-x12"):
        assert b"ST*999*" in response.content  # X12 errors are answered with a 999
    elif response.status_code >= 400:
        body = response.json()
        assert ("error" in body) or body.get("resourceType") == "OperationOutcome"
