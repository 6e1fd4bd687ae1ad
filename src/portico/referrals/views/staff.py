"""The plan's referral review queue (staff role: UM reviewer)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portico.core.uploads import file_download_response
from portico.referrals import conf, selectors, services
from portico.referrals.access import reviewer_required
from portico.referrals.forms import DecisionForm
from portico.referrals.models import OPEN_STATUSES, Referral


def _nav(current: str) -> list[dict[str, Any]]:
    return [
        {
            "label": "Referral review queue",
            "url": reverse("referrals:staff_queue"),
            "current": current == "queue",
        }
    ]


@never_cache
@require_GET
@reviewer_required
def queue(request: HttpRequest) -> HttpResponseBase:
    page = Paginator(selectors.review_queue(), conf.page_size()).get_page(request.GET.get("page"))
    services.referrals_record_list(
        actor=request.user,
        where="Referral review queue",
        numbers=[r.number for r in page.object_list],
        staff=True,
    )
    return render(
        request, "referrals/staff/queue.html", {"page_obj": page, "nav_items": _nav("queue")}
    )


def _render(
    request: HttpRequest, referral: Referral, form: DecisionForm, status: int = 200
) -> HttpResponseBase:
    return render(
        request,
        "referrals/staff/detail.html",
        {
            "referral": referral,
            "history": selectors.referral_history(referral=referral),
            "attachments": referral.attachments.all(),
            "form": form,
            "open": referral.status in OPEN_STATUSES,
            "nav_items": _nav("queue"),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@reviewer_required
def detail(request: HttpRequest, number: str) -> HttpResponseBase:
    referral = selectors.referral_get_for_staff(number=number)
    if request.method == "GET":
        services.referral_view_record(referral=referral, actor=request.user, staff=True)
        return _render(request, referral, DecisionForm())
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_decide(
                referral=referral,
                reviewer=request.user,
                approve=data["decision"] == "approve",
                note=data.get("note") or "",
                visits_approved=data.get("visits_approved"),
            )
        except services.ReferralError as exc:
            if exc.code == "transition":
                # Decided (or cancelled) meanwhile, e.g. in another tab: nothing was changed,
                # and the page, which then has no decision form, must say so.
                messages.error(request, f"Nothing was recorded: {exc.message}")
                return redirect("referrals:staff_detail", number=referral.number)
            form.add_error("visits_approved" if exc.code == "visits" else None, exc.message)
        else:
            verb = "approved" if data["decision"] == "approve" else "denied"
            messages.success(request, f"Referral {referral.number} was {verb}.")
            return redirect("referrals:staff_queue")
    return _render(request, referral, form)


@require_GET
@reviewer_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    row = selectors.attachment_get_for_staff(pk=pk)
    services.referral_attachment_download_record(attachment=row, actor=request.user)
    return file_download_response(
        key=row.storage_key, filename=row.file_name, content_type=row.content_type
    )
