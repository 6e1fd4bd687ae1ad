"""Every URL × every persona → the declared status (DESIGN.md §7)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.matrix as matrix_pkg
from tests.conftest import PERSONAS
from tests.matrix import Route

# The Django admin has its own permission system (staff + model permissions); the matrix
# checks its front door only, below.
EXCLUDED_PREFIXES = ("backoffice/django-admin/",)


def walk_urls(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    """(route, URL name, view) of every named URL outside ``EXCLUDED_PREFIXES``."""
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from walk_urls(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if route.startswith(EXCLUDED_PREFIXES) or not p.name:
                continue
            yield route, f"{namespace}:{p.name}" if namespace else p.name, p.callback


def declared_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for module in pkgutil.iter_modules(matrix_pkg.__path__):
        mod = importlib.import_module(f"tests.matrix.{module.name}")
        overlap = routes.keys() & mod.ROUTES.keys()
        assert not overlap, f"declared twice: {sorted(overlap)}"
        routes.update(mod.ROUTES)
    return routes


URL_NAMES = sorted({name for _, name, _ in walk_urls(get_resolver().url_patterns)})
ROUTES = declared_routes()


def test_every_url_has_a_declared_answer():
    missing = [name for name in URL_NAMES if name not in ROUTES]
    assert not missing, f"URLs without an entry in tests/matrix/: {missing}"
    stale = [name for name in ROUTES if name not in URL_NAMES]
    assert not stale, f"entries for URLs that no longer exist: {stale}"


# Unnamed URL patterns cannot be reversed, so the matrix cannot walk them: each must be covered
# elsewhere. A new unnamed view outside these prefixes fails the test below.
UNNAMED_COVERED_ELSEWHERE = {
    "api/v1/": "REST operations: tests/api/test_api_matrix.py (every operation × token kind)",
    "fhir/r4/": "FHIR interactions: tests/api/test_api_matrix.py and tests/api/test_fhir.py",
    "identity/o/": "OIDC authorize/token/revoke endpoints: tests/identity/test_oidc_flow.py",
    "backoffice/django-admin/": "Django admin: its own permissions; front door tested below",
}


def _unnamed(patterns, prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _unnamed(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and not p.name:
            yield prefix + str(p.pattern)


def test_every_unnamed_url_is_covered_elsewhere():
    uncovered = [
        route
        for route in _unnamed(get_resolver().url_patterns)
        if not route.startswith(tuple(UNNAMED_COVERED_ELSEWHERE))
    ]
    assert not uncovered, f"unnamed URL patterns the matrix cannot reach: {uncovered}"


CASES = [
    (name, persona)
    for name in URL_NAMES
    if name in ROUTES and not ROUTES[name].skip_reason
    for persona in PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), CASES)
def test_persona_gets_declared_status(name, persona, world, persona_client):
    route = ROUTES[name]
    kwargs = route.kwargs(world) if route.kwargs else {}
    response = persona_client(persona).get(reverse(name, kwargs=kwargs))
    assert response.status_code == route.status_for(persona), (
        f"{persona} GET {name} → {response.status_code}, expected {route.status_for(persona)}"
    )


OTHER_ORG_CASES = [
    (name, persona)
    for name, route in ROUTES.items()
    if route.other_org and name in URL_NAMES
    for persona in ("billing_clerk", "physician", "practice_admin")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), OTHER_ORG_CASES)
def test_other_organisations_objects_are_not_found(name, persona, world, persona_client):
    route = ROUTES[name]
    assert route.other_org is not None
    response = persona_client(persona).get(reverse(name, kwargs=route.other_org(world)))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_front_door_is_for_staff_only(persona, world, persona_client):
    response = persona_client(persona).get("/backoffice/django-admin/")
    user = world.users[persona]
    expected = 200 if user is not None and user.is_staff else 302
    assert response.status_code == expected
