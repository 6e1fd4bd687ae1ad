"""FHIR R4 endpoints under ``/fhir/r4/``: the CapabilityStatement and the registered
interactions (``portico.fhir.common.FhirRegistry``, filled by each app's ``fhir_api.py``).

Every answer is ``application/fhir+json``; every error is an OperationOutcome with the right
HTTP status (bad JSON, wrong resourceType, unknown type or operation, missing scope,
handler errors) — never an HTML page, never a trace.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from portico.api import discovery, ratelimit
from portico.api.auth import ApiAuthError, Principal, authenticate_request
from portico.api.inputs import NUL_MESSAGE, contains_nul
from portico.claims.selectors import user_has_claims_access
from portico.fhir.common import (
    FHIR_CONTENT_TYPE,
    RESOURCE_ID_RE,
    RESOURCE_TYPE_RE,
    FhirError,
    FhirRegistry,
    FhirRequest,
    FhirResponse,
    Interaction,
    capability_statement,
    check_search_params,
    operation_outcome,
    outcome_issue,
    parse_search_page,
)
from portico.priorauth.selectors import has_priorauth_access

logger = logging.getLogger("portico.api")

ACCEPTABLE = ("application/fhir+json", "application/json", "application/*", "*/*", "")
JSON_FORMATS = ("json", "application/json", "application/fhir+json")

# Deepest nesting of objects and arrays a JSON body may have (FHIR resources stay far below).
MAX_JSON_DEPTH = 64

# The application access an interaction's scope needs, checked before anything else of the
# request (its parameters, its body), with the selectors the REST routers of the same scope use
# (``claims/api.py`` and ``remittance/api.py``: Claims grant; ``priorauth/api.py``: Prior
# Authorization grant). A caller without it gets 403 ``forbidden``, as from REST.
APPLICATION_ACCESS: dict[str, tuple[Callable[..., bool], str]] = {
    "claims": (user_has_claims_access, "No access to the Claims Online Portal."),
    "priorauth": (has_priorauth_access, "No Prior Authorization access."),
}

_registry: FhirRegistry | None = None


def build_registry(modules: list[Any] | None = None) -> FhirRegistry:
    registry = FhirRegistry()
    for module in discovery.discover_fhir_modules() if modules is None else modules:
        module.register(registry)
    return registry


def get_registry() -> FhirRegistry:
    global _registry
    if _registry is None:
        _registry = build_registry()
    return _registry


def set_registry(registry: FhirRegistry | None) -> None:
    """Tests: serve ``registry`` instead of the discovered one (None: rediscover)."""
    global _registry
    _registry = registry


def fhir_response(resource: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, default=str), status=status, content_type=FHIR_CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def outcome_response(
    status: int, code: str, message: str, *, expression: list[str] | None = None, **headers: str
) -> HttpResponse:
    issue = outcome_issue(code, message, expression=expression or ())
    response = fhir_response(operation_outcome([issue]), status, **headers)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="portico"'
    return response


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).rsplit("/", 1)[0]


def _accepts_json(request: HttpRequest) -> bool:
    fmt = request.GET.get("_format", "")
    if fmt:
        return fmt in JSON_FORMATS
    accept = request.headers.get("Accept", "")
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return any(m in ACCEPTABLE for m in media)


def _guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Content negotiation, rate limit, error translation and a minimal access log."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        started = time.monotonic()
        try:
            if not _accepts_json(request):
                response = outcome_response(
                    406, "not-supported", "This server answers application/fhir+json only."
                )
            elif (wait := ratelimit.consume(request)) is not None:
                response = outcome_response(
                    429, "throttled", "Too many requests; retry later.", Retry_After=str(wait)
                )
            elif contains_nul(request):
                response = outcome_response(400, "invalid", NUL_MESSAGE)
            else:
                response = view(request, *args, **kwargs)
        except FhirError as exc:
            response = fhir_response(exc.outcome, exc.status)
        except ApiAuthError as exc:
            code = "login" if exc.status_code == 401 else "forbidden"
            response = outcome_response(exc.status_code, code, exc.message)
        except (Http404, ObjectDoesNotExist):
            response = outcome_response(404, "not-found", "Resource not found.")
        except PermissionDenied:
            response = outcome_response(403, "forbidden", "You are not allowed to do this.")
        except RequestDataTooBig:
            response = outcome_response(413, "too-costly", "The request body is too large.")
        except DjangoValidationError as exc:
            issues = [outcome_issue("invalid", str(m)) for m in exc.messages] or [
                outcome_issue("invalid", "The request is not valid.")
            ]
            response = fhir_response(operation_outcome(issues), 400)
        except SuspiciousOperation:
            response = outcome_response(400, "security", "The request was refused.")
        except Exception:
            logger.exception("FHIR error on %s %s", request.method, request.path)
            response = outcome_response(
                500, "exception", "Something went wrong on our side; the error was logged."
            )
        principal = getattr(request, "principal", None)
        logger.info(
            "fhir %s %s %s %s %s %.0fms",
            request.method,
            request.path,
            response.status_code,
            getattr(principal, "kind", "-"),
            getattr(principal, "client_id", None) or "-",
            (time.monotonic() - started) * 1000,
        )
        return response

    wrapped.csrf_exempt = True  # type: ignore[attr-defined]
    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _authenticate(request: HttpRequest, scope: str) -> Principal:
    # Bearer calls need no CSRF token; session calls are allowed for safe methods only
    # unless they carry the CSRF token (checked by authenticate_request).
    user = authenticate_request(request, scope=scope)
    if user is None:
        raise ApiAuthError(401, "Authentication required: send an OAuth 2.0 bearer access token.")
    principal: Principal = request.principal  # type: ignore[attr-defined]
    return principal


def _params(request: HttpRequest) -> dict[str, list[str]]:
    return {k: request.GET.getlist(k) for k in request.GET if k != "_format"}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999999: too large for a number
        raise ValueError(f"the number {text[:20]}… is out of range")
    return value


def _structure_problem(value: Any) -> str:
    """Nesting deeper than MAX_JSON_DEPTH, or a lone surrogate (``"\\ud800"``: valid JSON
    syntax, but no UTF-8 text; the database could not store it). Iterative: no recursion on
    hostile input."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "it contains a lone surrogate (\\ud800-\\udfff)"
            continue
        if isinstance(item, dict):
            item = [*item.keys(), *item.values()]
        if isinstance(item, list):
            if depth > MAX_JSON_DEPTH:
                return f"it is nested deeper than {MAX_JSON_DEPTH} levels"
            stack.extend((child, depth + 1) for child in item)
    return ""


def decode_json(raw: bytes) -> Any:
    """A request body as JSON, or ``FhirError`` 400 ``structure`` for anything that is not
    plain JSON text: bad syntax or encoding, lone surrogates, NaN/Infinity, numbers out of
    range (1e999999, integers longer than Python converts), nesting deeper than
    MAX_JSON_DEPTH (also the parser's RecursionError), a body too large to hold."""
    try:
        body = json.loads(raw or b"null", parse_constant=_no_constant, parse_float=_finite_float)
    except RecursionError:
        body, problem = None, f"it is nested deeper than {MAX_JSON_DEPTH} levels"
    except MemoryError:
        body, problem = None, "it is too large"
    except UnicodeError:
        body, problem = None, "it is not UTF-8 text"
    except ValueError as exc:  # JSONDecodeError, int digits limit, _finite_float, constants
        body, problem = None, str(exc)[:200]
    else:
        problem = _structure_problem(body)
    if problem:
        raise FhirError(400, f"The body is not valid JSON: {problem}.", code="structure")
    return body


def _json_body(request: HttpRequest, interaction: Interaction) -> dict[str, Any]:
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json"):
        raise FhirError(415, "Send the body as application/fhir+json.", code="not-supported")
    body = decode_json(request.body)
    if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
        raise FhirError(
            400, "The body must be a FHIR resource (a JSON object with resourceType).",
            code="structure", expression=["resourceType"],
        )  # fmt: skip
    if interaction.accepts and body["resourceType"] not in interaction.accepts:
        raise FhirError(
            400,
            f"{interaction.resource_type}/{interaction.name} takes "
            f"{' or '.join(interaction.accepts)}, not {body['resourceType']}.",
            code="invalid",
            expression=["resourceType"],
        )
    return body


def _check_access(principal: Principal, interaction: Interaction) -> None:
    access = APPLICATION_ACCESS.get(interaction.scope)
    if access is not None and not access[0](user=principal.user):
        raise FhirError(403, access[1], code="forbidden")


def _strict_handling(request: HttpRequest) -> bool:
    """``Prefer: handling=strict`` (FHIR R4 search: refuse unknown parameters)."""
    prefer = request.headers.get("Prefer", "")
    parts = (p.strip().lower().replace(" ", "") for p in prefer.replace(";", ",").split(","))
    return "handling=strict" in parts


def _run(request: HttpRequest, interaction: Interaction, fhir_request: FhirRequest) -> HttpResponse:
    """Authenticate (scope), check the application access, then the request itself (search
    parameters and page; an operation's body), then call the handler."""
    principal = _authenticate(request, interaction.scope)
    _check_access(principal, interaction)
    if interaction.kind == "search-type":
        params = check_search_params(
            interaction.params, fhir_request.params, strict=_strict_handling(request)
        )
        fhir_request = dataclasses.replace(
            fhir_request, params=params, page=parse_search_page(params)
        )
    elif interaction.kind == "operation" and request.method == "POST":
        fhir_request = dataclasses.replace(fhir_request, body=_json_body(request, interaction))
    result = interaction.handler(principal, fhir_request)
    if isinstance(result, FhirResponse):
        return fhir_response(result.resource, result.status, **dict(result.headers))
    if not isinstance(result, dict) or "resourceType" not in result:
        raise TypeError(f"FHIR handler {interaction.handler!r} returned {type(result).__name__}")
    return fhir_response(result)


def _method_not_allowed(allowed: tuple[str, ...]) -> HttpResponse:
    response = outcome_response(405, "not-supported", f"Use {' or '.join(allowed)} here.")
    response["Allow"] = ", ".join(allowed)
    return response


def _resource_entry(resource_type: str) -> Any:
    if not RESOURCE_TYPE_RE.match(resource_type):
        raise FhirError(404, f"Unknown resource type {resource_type!r}.", code="not-supported")
    entry = get_registry().resources.get(resource_type)
    if entry is None:
        raise FhirError(404, f"This server does not support {resource_type}.", code="not-supported")
    return entry


@_guard
def metadata(request: HttpRequest) -> HttpResponse:
    """``GET /fhir/r4/metadata``: the CapabilityStatement (public, as FHIR requires)."""
    if request.method not in ("GET", "HEAD"):
        return _method_not_allowed(("GET",))
    statement = capability_statement(
        get_registry(),
        base_url=base_url(request),
        software_name=settings.PORTICO_BRAND.get("site_name", "Portico"),
        publisher=settings.PORTICO_BRAND.get("organization_name", ""),
    )
    return fhir_response(statement)


@_guard
def type_level(request: HttpRequest, resource_type: str) -> HttpResponse:
    """``GET /fhir/r4/<type>?…`` (search) and ``POST /fhir/r4/<type>/_search``."""
    entry = _resource_entry(resource_type)
    if entry.search is None:
        raise FhirError(405, f"{resource_type} cannot be searched here.", code="not-supported")
    if request.method != "GET":
        return _method_not_allowed(("GET",))
    return _run(
        request,
        entry.search,
        FhirRequest(
            resource_type=resource_type,
            interaction="search-type",
            base_url=base_url(request),
            params=_params(request),
            method="GET",
        ),
    )


@_guard
def type_segment(request: HttpRequest, resource_type: str, segment: str) -> HttpResponse:
    """``/fhir/r4/<type>/<id>`` (read), ``/fhir/r4/<type>/$op``, ``POST <type>/_search``."""
    entry = _resource_entry(resource_type)
    if segment == "_search":
        if entry.search is None:
            raise FhirError(405, f"{resource_type} cannot be searched here.", code="not-supported")
        if request.method != "POST":
            return _method_not_allowed(("POST",))
        if request.content_type != "application/x-www-form-urlencoded":
            raise FhirError(415, "POST _search takes a form-encoded body.", code="not-supported")
        params = {k: request.POST.getlist(k) for k in request.POST}
        for k in request.GET:
            params.setdefault(k, request.GET.getlist(k))
        params.pop("_format", None)
        return _run(
            request,
            entry.search,
            FhirRequest(
                resource_type=resource_type,
                interaction="search-type",
                base_url=base_url(request),
                params=params,
                method="POST",
            ),
        )
    if segment.startswith("$"):
        interaction = entry.operations.get(segment)
        if interaction is None:
            raise FhirError(
                404, f"{resource_type} has no operation {segment}.", code="not-supported"
            )
        if request.method not in interaction.methods:
            return _method_not_allowed(interaction.methods)
        return _run(  # the body is read once the caller is known to have access
            request,
            interaction,
            FhirRequest(
                resource_type=resource_type,
                interaction="operation",
                base_url=base_url(request),
                operation=segment,
                params=_params(request),
                method=request.method or "POST",
            ),
        )
    if entry.read is None:
        raise FhirError(405, f"{resource_type} cannot be read here.", code="not-supported")
    if request.method != "GET":
        return _method_not_allowed(("GET",))
    if not RESOURCE_ID_RE.match(segment):
        raise FhirError(400, "Not a valid resource id.", code="value", expression=["id"])
    return _run(
        request,
        entry.read,
        FhirRequest(
            resource_type=resource_type,
            interaction="read",
            base_url=base_url(request),
            id=segment,
            params=_params(request),
        ),
    )


@_guard
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise FhirError(404, "No FHIR endpoint here.", code="not-found")


for _view in (metadata, type_level, type_segment, not_found):
    csrf_exempt(_view)
