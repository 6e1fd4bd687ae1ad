"""Back office (claims examiners): payment runs and what they paid (run detail, payment with
its claims, EOB PDF, 835 download, a claim's payments for the staff claim page), and
provider-level adjustments. Every page needs the claims examiner role (403 otherwise);
unknown numbers answer 404. Views of payments and their files are audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.claims.services.adjudication import claims_auto_adjudicate_pending
from portico.core.text import counted, tin_display
from portico.core.uploads import file_download_response
from portico.remittance import selectors, services
from portico.remittance.access import examiner_required
from portico.remittance.eob_pdf import eob_pdf_response
from portico.remittance.forms import (
    PaymentRunForm,
    ProviderAdjustmentCancelForm,
    ProviderAdjustmentForm,
)
from portico.remittance.selectors import STATUS_CODE_LABELS


def _render(
    request: HttpRequest,
    run_form: PaymentRunForm | None = None,
    plb_form: ProviderAdjustmentForm | None = None,
    status: int = 200,
) -> HttpResponseBase:
    preview = selectors.payment_run_preview()
    return render(
        request,
        "remittance/staff/runs.html",
        {
            "runs": selectors.payment_runs_recent(),
            "pending": selectors.provider_adjustments_pending(),
            "awaiting": preview.claim_count,
            "preview": preview,
            "run_form": run_form or PaymentRunForm(initial={"payment_date": timezone.localdate()}),
            "plb_form": plb_form or ProviderAdjustmentForm(prefix="plb"),
            "cancel_form": ProviderAdjustmentCancelForm(prefix="cancel"),
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
    try:
        result = services.payment_run_execute(
            user=request.user, payment_date=form.cleaned_data["payment_date"]
        )
    except services.NothingToPay as exc:
        form.add_error(None, exc.message)
        return _render(request, run_form=form, status=400)
    run = result.run
    messages.success(
        request,
        f"Payment run {run.number}: {counted(run.payment_count, 'payment')}, "
        f"{counted(run.claim_count, 'claim')}, "
        f"${run.total_amount:,.2f}.",
    )
    for note in result.skipped[:5]:
        messages.warning(request, note)
    return redirect("remittance:staff_run_detail", number=run.number)


@never_cache
@require_GET
@examiner_required
def run_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    run = selectors.payment_run_get(number=number)
    services.payment_run_view_record(run=run, user=request.user)
    page = Paginator(selectors.payments_of_run(run=run), 50).get_page(request.GET.get("page"))
    return render(request, "remittance/staff/run_detail.html", {"run": run, "page_obj": page})


@never_cache
@require_GET
@examiner_required
def payment_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_staff(number=number)
    services.payment_access_record(payment=payment, user=request.user, action="viewed_by_staff")
    rec = selectors.payment_reconciliation(payment=payment)
    return render(
        request,
        "remittance/staff/payment_detail.html",
        {"payment": payment, "rec": rec, "status_labels": STATUS_CODE_LABELS},
    )


@require_GET
@examiner_required
def eob_download(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_staff(number=number)
    response = eob_pdf_response(payment=payment)
    services.payment_access_record(
        payment=payment, user=request.user, action="eob_downloaded_by_staff"
    )
    return response


@require_GET
@examiner_required
def download_835(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_staff(number=number)
    services.payment_access_record(
        payment=payment, user=request.user, action="835_downloaded_by_staff"
    )
    return file_download_response(
        key=payment.file_key, filename=payment.file_name, content_type="application/edi-x12"
    )


@never_cache
@require_GET
@examiner_required
def claim_payments_fragment(request: HttpRequest, number: str) -> HttpResponseBase:
    """The staff claim page's "Payments" section (htmx ``hx-get``): each payment that settled
    the claim, with its run, check/EFT number, EOB and 835."""
    rows = selectors.payments_for_claim_number(number=number)
    return render(request, "remittance/staff/_claim_payments.html", {"rows": rows})


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
        idempotency_key=data.get("idempotency_key") or "",
    )
    messages.success(request, "The provider-level adjustment will be applied in the next run.")
    return redirect("remittance:staff_runs")


@require_POST
@examiner_required
def plb_cancel(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = selectors.provider_adjustment_get(pk=pk)
    form = ProviderAdjustmentCancelForm(request.POST, prefix="cancel")
    if not form.is_valid():
        # Nothing is cancelled with its reason lost (a reason over the limit).
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"The adjustment was not cancelled: {problems}")
        return redirect("remittance:staff_runs")
    try:
        services.provider_adjustment_cancel(
            user=request.user, adjustment=item, reason=form.cleaned_data["reason"]
        )
    except services.RemittanceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"The provider-level adjustment {item.get_reason_code_display()} of "
            f"${item.amount:,.2f} for Tax ID {tin_display(item.tin)} is cancelled.",
        )
    return redirect("remittance:staff_runs")
