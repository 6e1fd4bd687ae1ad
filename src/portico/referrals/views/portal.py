"""The provider offices' Referrals Portal: Search • View • Submit, cancel, print, 278."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portico.core.text import counted
from portico.core.uploads import file_download_response
from portico.referrals import conf, selectors, services
from portico.referrals.access import office_required
from portico.referrals.forms import CancelForm, ReferralForm, SearchForm
from portico.referrals.models import Actor, Referral, ReferralStatus
from portico.referrals.selectors import ReferralFilters
from portico.referrals.transitions import may
from portico.referrals.x12 import referral_278

SEARCH_SESSION_KEY = "portico_referrals_search"


def nav(current: str) -> list[dict[str, Any]]:
    items = [
        ("search", "Search referrals", reverse("referrals:home")),
        ("submit", "Submit a referral", reverse("referrals:submit")),
    ]
    return [{"label": label, "url": url, "current": key == current} for key, label, url in items]


@never_cache
@require_http_methods(["GET", "POST"])
@office_required()
def home(request: HttpRequest) -> HttpResponseBase:
    """Search: the criteria are POSTed and kept in the session (a member ID is PHI and never
    goes in a URL); GET shows the results page by page."""
    if request.method == "POST":
        if request.POST.get("clear"):
            request.session.pop(SEARCH_SESSION_KEY, None)
            return redirect("referrals:home")
        form = SearchForm(request.POST)
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.filters().as_session()
            return redirect("referrals:home")
        filters = ReferralFilters()
        status = 200
    else:
        filters = ReferralFilters.from_session(request.session.get(SEARCH_SESSION_KEY))
        form = SearchForm(initial=filters.as_session())
        status = 200
    referrals = (
        selectors.referrals_for_user(user=request.user, filters=filters)
        if not form.errors
        else Referral.objects.none()
    )
    page = Paginator(referrals, conf.page_size()).get_page(request.GET.get("page"))
    services.referrals_record_list(
        actor=request.user,
        where="Referral search",
        numbers=[r.number for r in page.object_list],
        filters=filters.as_session(),
    )
    return render(
        request,
        "referrals/home.html",
        {
            "form": form,
            "page_obj": page,
            "searching": not filters.is_empty(),
            "nav_items": nav("search"),
            "is_reviewer": selectors.user_is_reviewer(user=request.user),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@office_required()
def submit(request: HttpRequest) -> HttpResponseBase:
    organizations = list(selectors.referral_organizations_for_user(user=request.user))
    form = ReferralForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_submit(
                organization=form.organization_obj(),
                request=form.to_request(),
                actor=request.user,
                idempotency_key=form.cleaned_data.get("idempotency_key") or "",
            )
        except services.ReferralInvalid as exc:
            form.add_service_errors(exc.errors)
        except services.ReferralError as exc:
            form.add_error(None, exc.message)
        else:
            if referral.status == ReferralStatus.APPROVED:
                messages.success(
                    request,
                    f"Referral {referral.number} was approved: "
                    f"{counted(referral.visits_approved, 'visit')} "
                    f"from {referral.start_date:%m/%d/%Y} through "
                    f"{referral.end_date:%m/%d/%Y}.",
                )
            else:
                messages.info(
                    request,
                    f"Referral {referral.number} was submitted and is pending review by the "
                    "plan. You'll see the decision here.",
                )
            return redirect("referrals:detail", number=referral.number)
    return render(
        request,
        "referrals/submit.html",
        {"form": form, "nav_items": nav("submit")},
        status=200,
    )


def _detail_context(request: HttpRequest, referral: Referral) -> dict[str, Any]:
    return {
        "referral": referral,
        "history": selectors.referral_history(referral=referral),
        "attachments": referral.attachments.all(),
        "may_cancel": may(referral, ReferralStatus.CANCELLED, Actor.PROVIDER),
        "nav_items": nav("search"),
    }


@never_cache
@require_GET
@office_required(object_view=True)
def detail(request: HttpRequest, number: str) -> HttpResponseBase:
    referral = selectors.referral_get_for_user(user=request.user, number=number)
    services.referral_view_record(referral=referral, actor=request.user)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


@never_cache
@require_http_methods(["GET", "POST"])
@office_required(object_view=True)
def cancel(request: HttpRequest, number: str) -> HttpResponseBase:
    referral = selectors.referral_get_for_user(user=request.user, number=number)
    if not may(referral, ReferralStatus.CANCELLED, Actor.PROVIDER):
        messages.error(
            request,
            f"Referral {referral.number} is {referral.get_status_display()} and can't be "
            "cancelled.",
        )
        return redirect("referrals:detail", number=referral.number)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_cancel(
                referral=referral, actor=request.user, note=form.cleaned_data["note"]
            )
        except services.ReferralError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Referral {referral.number} was cancelled.")
        return redirect("referrals:detail", number=referral.number)
    return render(
        request,
        "referrals/cancel.html",
        {"referral": referral, "form": form, "nav_items": nav("search")},
    )


@never_cache
@require_GET
@office_required(object_view=True)
def print_view(request: HttpRequest, number: str) -> HttpResponseBase:
    referral = selectors.referral_get_for_user(user=request.user, number=number)
    services.referral_view_record(referral=referral, actor=request.user, what="print")
    return render(request, "referrals/print.html", _detail_context(request, referral))


@never_cache
@require_GET
@office_required(object_view=True)
def x12_278(request: HttpRequest, number: str) -> HttpResponseBase:
    referral = selectors.referral_get_for_user(user=request.user, number=number)
    kind = "request" if request.GET.get("kind") == "request" else "response"
    services.referral_view_record(referral=referral, actor=request.user, what="x12")
    response = HttpResponse(
        referral_278(referral, response=kind == "response"), content_type="application/edi-x12"
    )
    response["Content-Disposition"] = f'attachment; filename="{referral.number}-278-{kind}.x12"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@office_required(object_view=True)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    row = selectors.attachment_get_for_user(user=request.user, pk=pk)
    services.referral_attachment_download_record(attachment=row, actor=request.user)
    return file_download_response(
        key=row.storage_key, filename=row.file_name, content_type=row.content_type
    )
