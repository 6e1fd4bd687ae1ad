"""One JSON error shape for the REST API (docs/api.md, "Errors").

``{"error": {"code": "...", "message": "...", "fields": [{"field": "...", "message": "..."}]},
"detail": "..."}`` — ``detail`` repeats ``error.message`` (django-ninja's own key, which app
schemas such as ``support.schemas.ErrorOut`` declare).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from portico.core.api_errors import ErrorBodyOut, ErrorOut, FieldErrorOut  # noqa: F401

logger = logging.getLogger("portico.api")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication required: send an OAuth 2.0 bearer access token.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    406: "This resource answers application/json only.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request body is too large.",
    415: "Send the request body as application/json.",
    422: "Some fields are not valid.",
    429: "Too many requests; slow down and retry later.",
    500: "Something went wrong on our side. The error was logged; please try again later.",
    503: "The service is temporarily unavailable.",
}


class BodyNotJson(ValueError):
    """A schema body sent with another content type (a form, text): 415, not "cannot parse"."""

    def __init__(self, content_type: str) -> None:
        super().__init__(content_type)
        self.content_type = content_type


class JsonBodyParser(Parser):
    """django-ninja's parser, except that a body the operation reads as JSON must say so.

    The API's guard lets forms, multipart and X12 text through (the 837, 276 and 278
    operations take them); an operation with a JSON schema given one of those answered 400
    "Cannot parse request body". django-ninja wraps whatever the parser raises in that 400,
    so ``on_http_error`` looks at its cause: ``BodyNotJson`` → 415, bad JSON → a 400 that
    says where.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        # No type at all is refused by the guard (views.guard) before this; an in-process
        # request (django-ninja's TestClient) may carry none and is read as JSON.
        content_type = request.content_type or ""
        if (
            content_type
            and content_type != "application/json"
            and not content_type.endswith("+json")
        ):
            raise BodyNotJson(content_type)
        return super().parse_body(request)


def _body_problem(exc: HttpError) -> tuple[int, str, str] | None:
    cause = exc.__cause__
    if isinstance(cause, BodyNotJson):
        sent = f"it was sent as {cause.content_type}" if cause.content_type else "it had none"
        return 415, f"Send the request body as application/json ({sent}).", CODES[415]
    if isinstance(cause, json.JSONDecodeError):
        where = f"line {cause.lineno}, column {cause.colno}"
        return 400, f"The request body is not valid JSON ({cause.msg} at {where}).", "bad_json"
    if isinstance(cause, UnicodeDecodeError):
        return 400, "The request body is not valid JSON (it is not UTF-8 text).", "bad_json"
    if isinstance(cause, RecursionError):
        return 400, "The request body is not valid JSON (it is nested too deeply).", "bad_json"
    return None


def error_body(
    status: int,
    message: str = "",
    *,
    code: str = "",
    fields: Iterable[Mapping[str, str]] = (),
) -> dict[str, Any]:
    message = message or MESSAGES.get(status, "Error.")
    return {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "fields": [{"field": f["field"], "message": f["message"]} for f in fields],
        },
        "detail": message,
    }


def error_response(
    status: int,
    message: str = "",
    *,
    code: str = "",
    fields: Iterable[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    response = JsonResponse(error_body(status, message, code=code, fields=fields), status=status)
    if status == 401 or code == "insufficient_scope":
        # RFC 6750 §3: the error code when a token was presented and refused.
        challenge = 'Bearer realm="portico"'
        if code in ("invalid_token", "insufficient_scope"):
            challenge += f', error="{code}"'
        response["WWW-Authenticate"] = challenge
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_name(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) > 2 and parts[0] == "body":
        parts = parts[2:]  # ("body", "<param name>", "field", ...) → field path
    elif parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_fields(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    fields = []
    for err in errors:
        message = str(err.get("msg", "Invalid value."))
        fields.append({"field": _field_name(err.get("loc", ())), "message": message})
    return fields


def django_validation_fields(exc: DjangoValidationError) -> tuple[str, list[dict[str, str]]]:
    if hasattr(exc, "error_dict"):
        fields = [
            {"field": name if name != "__all__" else "", "message": str(msg)}
            for name, messages in exc.message_dict.items()
            for msg in messages
        ]
        general = [f["message"] for f in fields if not f["field"]]
        return (general[0] if general else MESSAGES[400]), [f for f in fields if f["field"]]
    return "; ".join(str(m) for m in exc.messages), []


def install_handlers(api: NinjaAPI) -> None:
    """Replace django-ninja's default handlers: every error answers the one shape."""

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, HttpError)
        problem = _body_problem(exc)
        if problem is not None:
            status, message, code = problem
            return error_response(status, message, code=code)
        status = exc.status_code
        message = str(exc) if str(exc) not in ("", "Unauthorized", "Forbidden") else ""
        headers: dict[str, str] = {}
        if isinstance(exc, Throttled) and exc.wait:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        code = getattr(exc, "code", "")
        # Apps attach field errors as ``exc.errors = {"field": ["message", ...]}``.
        fields = [
            {"field": name, "message": str(text)}
            for name, texts in (getattr(exc, "errors", None) or {}).items()
            for text in (texts if isinstance(texts, list | tuple) else [texts])
        ]
        return error_response(status, message, code=code, fields=fields, headers=headers)

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(401)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, NinjaValidationError)
        return error_response(422, fields=validation_fields(exc.errors))

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        assert isinstance(exc, DjangoValidationError)
        message, fields = django_validation_fields(exc)
        return error_response(400, message, fields=fields)

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(404)

    def on_denied(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(403, str(exc) or "")

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(413)

    def on_suspicious(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(400)

    def on_exception(request: HttpRequest, exc: Any) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(500)

    api.add_exception_handler(Exception, on_exception)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(ObjectDoesNotExist, on_not_found)
    api.add_exception_handler(PermissionDenied, on_denied)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(TooManyFieldsSent, on_too_big)
    api.add_exception_handler(SuspiciousOperation, on_suspicious)
