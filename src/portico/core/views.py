"""Kernel views: health endpoints, the compliance audit view, the development outbox and
the error pages."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.core import health, selectors, services
from portico.core.audit import describe, organization_names
from portico.core.forms import AuditFilterForm
from portico.core.models import AuditEvent, OutboxMessage
from portico.core.notifications import outbox_answer_call
from portico.core.text import as_int

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = health.readiness()
    ready = all(v == "ok" for v in results.values())
    status = 200 if ready else 503
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results}, status=status
    )


def _outbox_enabled() -> None:
    if not settings.PORTICO_OUTBOX_ENABLED:
        raise Http404


@never_cache
def outbox(request: HttpRequest) -> HttpResponse:
    _outbox_enabled()
    channel = request.GET.get("channel", "")
    if channel not in OutboxMessage.Channel.values:
        channel = ""
    qs = selectors.outbox_messages(channel)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/outbox.html",
        {"messages_page": page, "page_obj": page, "channel": channel},
    )


@require_POST
def outbox_answer(request: HttpRequest, pk: int) -> HttpResponse:
    _outbox_enabled()
    message = get_object_or_404(OutboxMessage, pk=pk, channel=OutboxMessage.Channel.VOICE)
    digits = "".join(ch for ch in request.POST.get("digits", "") if ch.isdigit())[:12]
    if outbox_answer_call(message=message, digits=digits):
        messages.success(request, "Call answered: the code was accepted.")
    else:
        messages.error(request, "Call answered: the code was not accepted.")
    return redirect("core:outbox")


@require_POST
def outbox_clear(request: HttpRequest) -> HttpResponse:
    _outbox_enabled()
    OutboxMessage.objects.all().delete()
    messages.info(request, "The outbox is empty.")
    return redirect("core:outbox")


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "errors/404.html", 404)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's rate limits (sign-in, sign-up, password change, codes) answer with the site's
    own page (``handler429``), not allauth's unstyled one."""
    return _error(request, "errors/429.html", 429)


DATABASE_ERRORS = (OperationalError, InterfaceError)


def service_unavailable(request: HttpRequest | None = None) -> HttpResponse:
    """The friendly 503 page (self-contained: renders without the database)."""
    context = {"brand": settings.PORTICO_BRAND}
    response = HttpResponse(loader.get_template("errors/503.html").render(context), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the failure may be in the database they would query.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        # The database is unreachable (or locked): a temporary condition, not a bug.
        return service_unavailable(request)
    context = {"brand": settings.PORTICO_BRAND}
    return HttpResponse(loader.get_template("errors/500.html").render(context), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A styled 403 for a failed CSRF check, usually an expired session or a stale tab."""
    return render(request, "errors/403.html", {"csrf_failure": True}, status=403)


# ---------------------------------------------------------------------------
# Compliance: the audit trail (core.view_auditevent, granted to the compliance group)
# ---------------------------------------------------------------------------
AUDIT_PAGE_SIZE = 50
CSV_COLUMNS = [
    "event",
    "when",
    "user",
    "user_id",
    "organization_id",
    "organization",
    "action",
    "description",
    "object_type",
    "object_id",
    "object",
    "member",
    "changes",
    "ip_address",
    "user_agent",
    "request_id",
    "hash",
]


def audit_access_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.can_view_audit(request.user):
            raise PermissionDenied("Compliance staff only.")
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def _cursor(value: str | None) -> int | None:
    return as_int(value)


def _with_cursor(request: HttpRequest, name: str, value: int | None) -> str:
    if value is None:
        return ""
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("after", None)
    query[name] = str(value)
    return f"?{query.urlencode()}"


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, selectors.AuditFilters | None]:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.filters()


@never_cache
@require_GET
@audit_access_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    page = selectors.KeysetPage()
    if filters is not None:
        services.audit_search_record(actor=request.user, filters=filters)
        page = selectors.audit_page(
            selectors.audit_events(filters),
            before=_cursor(request.GET.get("before")),
            after=_cursor(request.GET.get("after")),
            size=AUDIT_PAGE_SIZE,
        )
    names = organization_names(e.organization_id for e in page.rows)
    for event in page.rows:
        org = event.organization_id
        event.organization_name = names.get(org, "") if org is not None else ""  # type: ignore[attr-defined]
    export_query = request.GET.copy()
    export_query.pop("before", None)
    export_query.pop("after", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "form": form,
            "rows": page.rows,
            "next_url": _with_cursor(request, "before", page.next_cursor),
            "prev_url": _with_cursor(request, "after", page.prev_cursor),
            "export_query": export_query.urlencode(),
        },
    )


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text (no formula injection from logged values)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(events: Iterator[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    names: dict[int, str] = {}  # a few practices recur across the whole export
    for e in events:
        if e.organization_id is not None and e.organization_id not in names:
            names[e.organization_id] = organization_names([e.organization_id]).get(
                e.organization_id, ""
            )
        yield writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    e.id,
                    e.occurred_at.isoformat(),
                    e.actor_label,
                    e.actor_id,
                    e.organization_id,
                    names.get(e.organization_id, "") if e.organization_id is not None else "",
                    e.action,
                    describe(e.action),
                    e.object_type,
                    e.object_id,
                    e.object_repr,
                    e.member_ref,
                    e.changes,
                    e.ip_address,
                    e.user_agent,
                    e.request_id,
                    e.hash,
                )
            ]
        )


@never_cache
@require_GET
@audit_access_required
def audit_export(request: HttpRequest) -> HttpResponseBase:
    form, filters = _filters(request)
    if filters is None:
        return render(
            request,
            "core/audit_log.html",
            {"form": form, "rows": [], "export_query": ""},
            status=400,
        )
    services.audit_search_record(actor=request.user, filters=filters, exported=True)
    events = selectors.audit_export_rows(selectors.audit_events(filters))
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
