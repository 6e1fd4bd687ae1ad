"""Property-based API testing (issue "Trust"): Schemathesis fuzzes every REST operation of
``/api/v1/openapi.json`` in-process (Django's WSGI handler, no server, no network) and checks
the API's guarantees (docs/api.md, "Errors"):

* never a 5xx;
* every 4xx/5xx answer is JSON in the one error shape
  ``{"error": {"code", "message", "fields": [{"field", "message"}]}, "detail"}``
  (``detail`` repeats ``message``; a 401 carries ``WWW-Authenticate: Bearer``);
* every answer conforms to the schema: its status code is declared for the operation, its
  content type is a declared one, and its body validates against the declared schema.

Each operation is one test. It builds the test world (``world``), runs the operation's setup from
the API permission matrix (``tests/matrix/api_*.py``) and calls it with a bearer token carrying
every scope of the persona the matrix expects to succeed (``user_a``'s persona, e.g. the billing
clerk, or the ``staff`` persona for staff operations), so the operations run rather than answer
401. Inside, a Hypothesis test draws Schemathesis cases — schema-valid (positive) and
schema-violating (negative) — half of them aimed at the matrix's real object (its path parameters)
so that bodies and queries reach the operation's logic instead of a 404. Examples are bounded
and derandomized (a fixed seed, no example database): the run is reproducible and never flaky.

Excluded operations (``EXCLUDED``), with the reason:

* ``POST /api/v1/claims/status-inquiry``, ``POST /api/v1/referrals/x12/278``,
  ``POST /api/v1/priorauth/x12/278``: their body is a raw X12 interchange
  (``application/edi-x12``) read from the request, which the schema does not describe (no
  ``requestBody``), so Schemathesis has nothing to generate; their errors are a 999, not JSON.
  Covered by ``tests/api/test_api_matrix.py`` and the X12 tests.

The OpenAPI document has one component per schema class *name*; two apps' classes with the
same name made operations document the other app's model (found by this fuzzing), so
``test_schema_class_names_are_unique`` keeps every API schema class name unique.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portico.api import rest
from tests.api.test_api_matrix import declared_api_routes
from tests.matrix.api import ApiRoute

# The schema exactly as /api/v1/openapi.json serves it (JSON: string status codes).
SCHEMA = schemathesis.openapi.from_dict(json.loads(json.dumps(rest.get_api().get_openapi_schema())))

EXCLUDED = {
    "POST /api/v1/claims/status-inquiry": "raw X12 276 body (application/edi-x12), not in schema",
    "POST /api/v1/referrals/x12/278": "raw X12 278 body (application/edi-x12), not in schema",
    "POST /api/v1/priorauth/x12/278": "raw X12 278 body (application/edi-x12), not in schema",
}
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
API_ROUTES = declared_api_routes()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


class InProcessApp:
    """Django's WSGI handler as the test client runs it: the request signals do not close the
    test's database connection (it holds the test's transaction); the answer is buffered."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                body = b"".join(response)
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return [body]


def assert_error_shape(label: str, response: Any) -> None:
    """docs/api.md, "Errors": the one JSON shape for every 4xx/5xx."""
    where = f"{label} → {response.status_code}: {response.content[:300]!r}"
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"not JSON: {content_type!r}; {where}"
    body = json.loads(response.content)
    assert isinstance(body, dict), where
    assert set(body) == {"error", "detail"}, where
    error = body["error"]
    assert isinstance(error, dict), where
    assert set(error) == {"code", "message", "fields"}, where
    assert isinstance(error["code"], str), where
    assert error["code"], where
    assert isinstance(error["message"], str), where
    assert body["detail"] == error["message"], where
    assert isinstance(error["fields"], list), where
    for item in error["fields"]:
        assert isinstance(item, dict), where
        assert set(item) == {"field", "message"}, where
        assert isinstance(item["field"], str), where
        assert isinstance(item["message"], str), where
    if response.status_code == 401:
        challenge = response.headers.get("www-authenticate", [""])[0]
        assert challenge.startswith("Bearer"), where


def _persona(route: ApiRoute) -> tuple[str, str]:
    """The token kind and persona the matrix expects to succeed (else ``user_a``'s)."""
    if route.status_for("user_a") < 400:
        return "user_a", route.user_a
    if route.status_for("staff") < 400:
        return "staff", route.staff
    return "user_a", route.user_a


FUZZED = sorted(label for label in OPERATIONS if label not in EXCLUDED)


def test_exclusions_name_served_operations():
    stale = sorted(EXCLUDED.keys() - OPERATIONS.keys())
    assert not stale, f"excluded operations that the schema no longer has: {stale}"
    assert FUZZED, "no operation to fuzz"


def _prepare(label: str, world: Any, tokens: Any) -> tuple[ApiRoute, dict[str, str]]:
    """The matrix's setup for the operation, and the bearer header of its succeeding persona."""
    route = API_ROUTES[label]
    world.extra = getattr(world, "extra", {})
    if route.setup:
        world.extra.update(route.setup(world) or {})
    kind, persona = _persona(route)
    return route, {"Authorization": f"Bearer {tokens(kind, persona)}"}


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("label", FUZZED)
def test_operation_keeps_the_api_guarantees(label, world, tokens):
    operation = OPERATIONS[label]
    route, headers = _prepare(label, world, tokens)
    app = InProcessApp()

    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if route.path:
        real = {name: str(value) for name, value in route.path(world).items()}
        strategies += [operation.as_strategy(mode, path_parameters=real) for mode in GenerationMode]

    # The inner test takes no fixture: the world and token are built once for the operation and
    # shared by its examples (so no function-scoped-fixture health check is involved).
    @FUZZ_SETTINGS
    @given(case=st.one_of(strategies))
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        if response.status_code >= 400:
            assert_error_shape(label, response)

    fuzz()


@pytest.mark.django_db
def test_schema_class_names_are_unique():
    """django-ninja names an OpenAPI component after its class: two ``Schema`` classes with one
    name (in different apps) would publish only one of them for both."""
    import ast
    import pathlib

    seen: dict[str, str] = {}
    clashes = []
    root = pathlib.Path(rest.__file__).resolve().parents[1]
    for path in sorted(
        [*root.glob("*/api.py"), *root.glob("*/schemas.py"), root / "core/api_errors.py"]
    ):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                getattr(b, "id", getattr(b, "attr", "")).endswith(("Schema", "Out", "In"))
                for b in node.bases
            ):
                where = str(path.relative_to(root))
                if node.name in seen and seen[node.name] != where:
                    clashes.append(f"{node.name}: {seen[node.name]} and {where}")
                seen.setdefault(node.name, where)
    assert not clashes, clashes
