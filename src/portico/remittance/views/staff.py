"""Back office: payment runs and provider-level adjustments (claims examiners)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.claims.services.adjudication import claims_auto_adjudicate_pending
from portico.core.text import counted
from portico.remittance import selectors, services
from portico.remittance.access import examiner_required
from portico.remittance.forms import PaymentRunForm, ProviderAdjustmentForm


def _render(
    request: HttpRequest,
    run_form: PaymentRunForm | None = None,
    plb_form: ProviderAdjustmentForm | None = None,
    status: int = 200,
) -> HttpResponseBase:
    return render(
        request,
        "remittance/staff/runs.html",
        {
            "runs": selectors.payment_runs_recent(),
            "pending": selectors.provider_adjustments_pending(),
            "awaiting": services.claims_awaiting_payment().count(),
            "run_form": run_form or PaymentRunForm(initial={"payment_date": timezone.localdate()}),
            "plb_form": plb_form or ProviderAdjustmentForm(prefix="plb"),
        },
        status=status,
    )


@never_cache
@require_GET
@examiner_required
def runs(request: HttpRequest) -> HttpResponseBase:
    return _render(request)


@require_POST
@examiner_required
def run_create(request: HttpRequest) -> HttpResponseBase:
    form = PaymentRunForm(request.POST)
    if not form.is_valid():
        return _render(request, run_form=form, status=400)
    if form.cleaned_data.get("auto_adjudicate"):
        counts = claims_auto_adjudicate_pending()
        messages.info(
            request,
            f"Automatic adjudication: {counted(counts['finalized'], 'claim')} finalized, "
            f"{counts['pended']} pended for review.",
        )
    result = services.payment_run_execute(
        user=request.user, payment_date=form.cleaned_data["payment_date"]
    )
    run = result.run
    messages.success(
        request,
        f"Payment run {run.number}: {counted(run.payment_count, 'payment')}, "
        f"{counted(run.claim_count, 'claim')}, "
        f"${run.total_amount:,.2f}.",
    )
    for note in result.skipped[:5]:
        messages.warning(request, note)
    return redirect("remittance:staff_runs")


@require_POST
@examiner_required
def plb_create(request: HttpRequest) -> HttpResponseBase:
    form = ProviderAdjustmentForm(request.POST, prefix="plb")
    if not form.is_valid():
        return _render(request, plb_form=form, status=400)
    data = form.cleaned_data
    services.provider_adjustment_create(
        user=request.user,
        organization_id=data["organization"].pk,
        tin=data["tin"],
        health_plan=data["health_plan"],
        reason_code=data["reason_code"],
        amount=data["amount"],
        reference=data["reference"],
    )
    messages.success(request, "The provider-level adjustment will be applied in the next run.")
    return redirect("remittance:staff_runs")
