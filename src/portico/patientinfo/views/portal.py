"""The Physician Info Portal: patient look-up, summary (print, PDF), Cap Report, access log."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portico.members.models import Member
from portico.patientinfo import pdfs, selectors, services
from portico.patientinfo.access import (
    cap_report_required,
    pip_required,
    practice_admin_required,
)
from portico.patientinfo.forms import (
    CapReportForm,
    MemberIdLookupForm,
    NameLookupForm,
    RxFilterForm,
)
from portico.patientinfo.selectors import PipScope, SearchRefused

NOT_FOUND = (
    "No patient found. Check the details and try again; you can see only patients of your "
    "practice and region."
)


def _scopes(request: HttpRequest) -> list[PipScope]:
    return request.pip_scopes  # type: ignore[attr-defined,no-any-return]


def _site() -> str:
    return str(getattr(settings, "PORTICO_BRAND", {}).get("site_name", "Portico"))


def nav(
    request: HttpRequest, current: str, scopes: list[PipScope] | None = None
) -> list[dict[str, Any]]:
    scopes = _scopes(request) if scopes is None else scopes
    items = []
    if scopes:
        items.append(("lookup", "Patient look-up", reverse("patientinfo:home")))
    if any(s.cap_report for s in scopes):
        items.append(("cap", "Cap Report", reverse("patientinfo:cap_report")))
    if selectors.admin_organization_ids(user=request.user):
        items.append(("log", "Access log", reverse("patientinfo:access_log")))
    return [{"label": label, "url": url, "current": key == current} for key, label, url in items]


@never_cache
@require_http_methods(["GET", "POST"])
@pip_required()
def home(request: HttpRequest) -> HttpResponseBase:
    """Look-up by member ID, or by name and date of birth (POSTed: these are PHI)."""
    by = request.POST.get("by", "")
    id_form = MemberIdLookupForm(request.POST if by == "member_id" else None, prefix="id")
    name_form = NameLookupForm(request.POST if by == "name" else None, prefix="name")
    results: list[Member] | None = None
    message = ""
    scopes = _scopes(request)
    if request.method == "POST":
        form = id_form if by == "member_id" else name_form
        if by in ("member_id", "name") and form.is_valid():
            data = dict(form.cleaned_data)  # add_error below removes the field it names
            try:
                if by == "member_id":
                    results = selectors.patient_lookup_by_member_id(
                        user=request.user, member_id=data["member_id"], scopes=scopes
                    )
                else:
                    results = selectors.patient_search_by_name(
                        user=request.user,
                        last_name=data["last_name"],
                        first_name=data["first_name"],
                        date_of_birth=data["date_of_birth"],
                        scopes=scopes,
                    )
            except SearchRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                refused = exc.code
            else:
                refused = ""
                if not results:
                    message = NOT_FOUND
            services.patient_search_record(
                user=request.user,
                organization_ids=[s.organization_id for s in scopes],
                kind=by,
                searched=data,
                results=results or (),
                refused=refused,
            )
    return render(
        request,
        "patientinfo/home.html",
        {
            "id_form": id_form,
            "name_form": name_form,
            "results": results,
            "not_found": message,
            "by": by,
            "scopes": scopes,
            "nav_items": nav(request, "lookup"),
        },
    )


def _summary(request: HttpRequest, pk: int, *, view: str, rx_limit: int | None = 200) -> Any:
    member, scope = selectors.patient_get_for_user(
        user=request.user, pk=pk, scopes=_scopes(request)
    )
    rx_form = RxFilterForm(request.GET or None)
    rx_from = rx_to = None
    if rx_form.is_bound and rx_form.is_valid():
        rx_from, rx_to = rx_form.cleaned_data["rx_from"], rx_form.cleaned_data["rx_to"]
    summary = selectors.patient_summary(
        member=member,
        today=timezone.localdate(),
        rx_from=rx_from,
        rx_to=rx_to,
        rx_limit=rx_limit,
    )
    services.patient_view_record(
        user=request.user,
        member=member,
        organization_id=scope.organization_id,
        view=view,
        rx_from=rx_from,
        rx_to=rx_to,
    )
    return summary, scope, rx_form


@never_cache
@require_GET
@pip_required(object_view=True)
def patient(request: HttpRequest, pk: int) -> HttpResponseBase:
    summary, scope, rx_form = _summary(request, pk, view="summary")
    return render(
        request,
        "patientinfo/patient.html",
        {
            "s": summary,
            "scope": scope,
            "rx_form": rx_form,
            "query": request.GET.urlencode(),
            "nav_items": nav(request, "lookup"),
        },
    )


@never_cache
@require_GET
@pip_required(object_view=True)
def patient_print(request: HttpRequest, pk: int) -> HttpResponseBase:
    summary, scope, _ = _summary(request, pk, view="print", rx_limit=None)
    return render(
        request,
        "patientinfo/patient_print.html",
        {"s": summary, "scope": scope, "printed_at": timezone.localtime()},
    )


@never_cache
@require_GET
@pip_required(object_view=True)
def patient_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    summary, _, _ = _summary(request, pk, view="pdf", rx_limit=None)
    data = pdfs.patient_summary_pdf(
        summary,
        site=_site(),
        printed_by=getattr(request.user, "get_full_name", str)() or request.user.get_username(),
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="patient-summary.pdf"'
    return response


def _report(request: HttpRequest) -> tuple[CapReportForm, list[dt.date]]:
    today = timezone.localdate()
    default_from = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    data = request.GET if request.GET.get("month_from") else None
    form = CapReportForm(
        data,
        initial={"month_from": f"{default_from:%Y-%m}", "month_to": f"{today:%Y-%m}"},
    )
    if form.is_bound:
        if not form.is_valid():
            return form, []
        return form, selectors.months_between(
            form.cleaned_data["month_from"], form.cleaned_data["month_to"]
        )
    return form, selectors.months_between(default_from, today)


@never_cache
@require_GET
@cap_report_required
def cap_report(request: HttpRequest) -> HttpResponseBase:
    scopes = _scopes(request)
    form, months = _report(request)
    rows = selectors.cap_report_summary(scopes=scopes, months=months) if months else []
    changes = selectors.add_terms(scopes=scopes, months=months) if months else []
    if months:
        services.cap_report_record(
            user=request.user,
            organization_ids=[s.organization_id for s in scopes],
            months=months,
            fmt="html",
        )
    return render(
        request,
        "patientinfo/cap_report.html",
        {
            "form": form,
            "rows": rows,
            "months": months,
            "total": sum(r.amount for r in rows),
            "members": sum(r.members for r in rows),
            "show_add_terms": any(s.add_terms for s in scopes),
            "add_terms": changes,
            "query": f"month_from={months[0]:%Y-%m}&month_to={months[-1]:%Y-%m}" if months else "",
            "scopes": scopes,
            "nav_items": nav(request, "cap"),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@never_cache
@require_GET
@cap_report_required
def cap_report_csv(request: HttpRequest) -> HttpResponseBase:
    scopes = _scopes(request)
    _, months = _report(request)
    if not months:
        return HttpResponse("Choose valid months.", status=400, content_type="text/plain")
    services.cap_report_record(
        user=request.user,
        organization_ids=[s.organization_id for s in scopes],
        months=months,
        fmt="csv",
    )
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(
            ["month", "practice", "pcp_npi", "pcp_name", "member_id", "member_name",
             "date_of_birth", "region", "capitation"]
        )  # fmt: skip
        for month, a in selectors.cap_report_lines(scopes=scopes, months=months):
            yield writer.writerow(
                [f"{month:%Y-%m}", a.organization.name, a.provider.npi, a.provider.display_name,
                 a.member.member_id, a.member.full_name, f"{a.member.date_of_birth:%Y-%m-%d}",
                 a.region, f"{a.monthly_capitation:.2f}"]
            )  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    name = f"cap-report-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_GET
@cap_report_required
def cap_report_pdf(request: HttpRequest) -> HttpResponseBase:
    scopes = _scopes(request)
    _, months = _report(request)
    if not months:
        return HttpResponse("Choose valid months.", status=400, content_type="text/plain")
    services.cap_report_record(
        user=request.user,
        organization_ids=[s.organization_id for s in scopes],
        months=months,
        fmt="pdf",
    )
    rows = selectors.cap_report_summary(scopes=scopes, months=months)
    data = pdfs.cap_report_pdf(
        rows,
        site=_site(),
        months=months,
        practices=", ".join(sorted({s.organization_name for s in scopes})),
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = f"cap-report-{months[0]:%Y-%m}-to-{months[-1]:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_GET
@practice_admin_required
def access_log(request: HttpRequest) -> HttpResponseBase:
    org_ids: list[int] = request.pip_scopes  # type: ignore[attr-defined]  # administered ids
    events = selectors.access_log(organization_ids=org_ids)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    scopes = selectors.pip_scopes_for_user(user=request.user)
    return render(
        request,
        "patientinfo/access_log.html",
        {"page_obj": page, "nav_items": nav(request, "log", scopes)},
    )
