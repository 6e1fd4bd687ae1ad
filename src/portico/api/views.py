"""Views around the django-ninja API: the guard every API URL passes through, the JSON index,
the human-readable reference page, and JSON 404s for unknown API paths."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from portico.api import ratelimit, rest
from portico.api.errors import error_response
from portico.api.fhir_views import get_registry
from portico.api.inputs import NUL_MESSAGE, UNSAFE, contains_nul

logger = logging.getLogger("portico.api")

BODY_TYPES = (
    "application/json",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    # X12 interchanges (276 status inquiry, 278 referrals/authorizations) are sent as they are.
    "application/edi-x12",
    "text/plain",
)


def guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a django-ninja URL callback: rate limit (429 + Retry-After), 415 for bodies that
    are not JSON, forms or X12, the structured 405, and one log line per call (no PHI: method,
    path, status, caller kind and client, duration)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.monotonic()
        wait = ratelimit.consume(request)
        if wait is not None:
            response = error_response(429, headers={"Retry-After": str(wait)})
        elif contains_nul(request):
            response = error_response(422, NUL_MESSAGE)
        elif (
            request.method in UNSAFE
            and request.META.get("CONTENT_LENGTH", "0") not in ("", "0")
            and (request.content_type or "") not in BODY_TYPES
        ):
            response = error_response(415)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"
            ):
                allowed = response.get("Allow", "")
                response = error_response(
                    405, f"Use {allowed} here." if allowed else "", headers={"Allow": allowed}
                )
        principal = getattr(request, "principal", None)
        logger.info(
            "api %s %s %s %s %s %.0fms",
            request.method,
            request.path,
            response.status_code,
            getattr(principal, "kind", "-"),
            getattr(principal, "client_id", None) or "-",
            (time.monotonic() - started) * 1000,
        )
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    wrapped.__name__ = getattr(view, "__name__", "api_view")
    return wrapped


def index(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """``GET /api/v1/``: where things are (public)."""
    return JsonResponse(
        {
            "title": "Portico API",
            "version": "1",
            "openapi": request.build_absolute_uri(reverse("api:openapi-json")),
            "docs": request.build_absolute_uri(reverse("api:docs")),
            "fhir": request.build_absolute_uri(reverse("fhir:metadata")),
            "token_endpoint": request.build_absolute_uri("/identity/o/api/token"),
            "openid_configuration": request.build_absolute_uri("/.well-known/openid-configuration"),
        }
    )


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "No API endpoint here.")


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            tag = (op.get("tags") or ["api"])[0]
            label = path.split("/")[3] if path.count("/") > 3 else ""
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "label": label,
                    "parameters": [
                        {
                            "name": p.get("name"),
                            "where": p.get("in"),
                            "required": p.get("required", False),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "has_body": "requestBody" in op,
                    "statuses": sorted(str(s) for s in op.get("responses", {})),
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in sorted(groups.items())]


def docs(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/docs``: the API reference for people (no JavaScript, no CDN)."""
    schema = rest.get_api().get_openapi_schema()
    registry = get_registry()
    return render(
        request,
        "api/docs.html",
        {
            "page_title": "API reference",
            "groups": _operations(schema),
            "scopes": rest.mounted_scopes(),
            "fhir": registry.interactions(),
            "openapi_url": reverse("api:openapi-json"),
            "metadata_url": reverse("fhir:metadata"),
            "base_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )
