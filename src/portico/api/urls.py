"""Mounts the REST API (/api/v1/, namespace ``api``) and FHIR R4 (/fhir/r4/, namespace ``fhir``).

Named URLs (in the URL × persona matrix): ``api:api-root`` (JSON index), ``api:openapi-json``,
``api:docs`` (the reference page) and ``fhir:metadata``. The operations themselves are
unnamed: the API matrix (tests/api/test_api_matrix.py) covers them through the OpenAPI schema
and the FHIR registry.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path

from portico.api import fhir_views, rest, views


def _rest_patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _ns = rest.get_api().urls
    wrapped: list[URLPattern | URLResolver] = [path("docs", views.docs, name="docs")]
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            wrapped.append(pattern)
            continue
        callback = views.index if pattern.name == "api-root" else views.guard(pattern.callback)
        wrapped.append(URLPattern(pattern.pattern, callback, pattern.default_args, pattern.name))
    wrapped.append(re_path(r"^(?P<rest>.*)$", views.guard(views.not_found)))
    return wrapped


fhir_patterns: list[URLPattern | URLResolver] = [
    path("metadata", fhir_views.metadata, name="metadata"),
    path("<str:resource_type>", fhir_views.type_level),
    path("<str:resource_type>/<str:segment>", fhir_views.type_segment),
    re_path(r"^(?P<rest>.*)$", fhir_views.not_found),
]

urlpatterns = [
    path("api/v1/", include((_rest_patterns(), "api"), namespace="api")),
    path("fhir/r4/", include((fhir_patterns, "fhir"), namespace="fhir")),
]
