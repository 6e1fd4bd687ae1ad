"""Request-scoped middleware of the shared kernel."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portico.core import request_context

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str | None:
    """The client address; X-Forwarded-For is trusted only behind a configured proxy count."""
    hops = getattr(settings, "PORTICO_TRUSTED_PROXY_COUNT", 0)
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        token = request_context.set_current(
            request_context.RequestContext(
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """Turn "the database is unreachable" into the friendly 503 page, never a 500 trace.

    ``process_exception`` covers views; ``portico.core.views.server_error`` (handler500)
    answers the same for failures in other middleware (sessions, authentication), so the page
    is right even where this middleware is not installed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from portico.core.views import DATABASE_ERRORS, service_unavailable

        if isinstance(exception, DATABASE_ERRORS):
            log.warning("database unavailable: %s", exception.__class__.__name__)
            return service_unavailable(request)
        return None
