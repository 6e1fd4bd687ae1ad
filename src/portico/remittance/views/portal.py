"""Payment pages of the Claims Online Portal (mounted at /claims/payments/): payments list,
payment detail = EOB viewer, EOB PDF, 835 download, reconciliation (page and CSV) and the
recent-payments fragment the claims home page loads with htmx."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from portico.claims.selectors import claim_get_for_user
from portico.core.uploads import file_download_response
from portico.remittance import selectors, services
from portico.remittance.access import access_of, payments_required
from portico.remittance.eob_pdf import eob_pdf_response
from portico.remittance.forms import PaymentSearchForm
from portico.remittance.selectors import STATUS_CODE_LABELS

NAV = [
    ("home", "Claims Home", "claims:home"),
    ("help", "Help & FAQs", "/help/"),
    ("contact", "Contact Us", "/contact/"),
]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    access = access_of(request)
    nav = [
        {"label": label, "url": reverse(target) if ":" in target else target, "current": False}
        for _key, label, target in NAV
    ]
    return {"claims_nav": nav, "can_submit": access.can_submit, **extra}


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@payments_required
def payment_list(request: HttpRequest) -> HttpResponseBase:
    access = access_of(request)
    form = PaymentSearchForm(request.GET or None, tins=sorted(access.tins))
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    payments = selectors.payments_search(user=request.user, **filters)
    page = Paginator(payments, 25).get_page(request.GET.get("page"))
    return render(request, "remittance/payment_list.html", _ctx(request, form=form, page_obj=page))


@require_GET
@payments_required
def recent_fragment(request: HttpRequest) -> HttpResponseBase:
    """The claims home page's "Recent payments" section (htmx ``hx-get``)."""
    payments = selectors.recent_payments_for_user(user=request.user, limit=5)
    return _no_store(render(request, "remittance/_recent.html", {"payments": payments}))


@require_GET
@payments_required(object_view=True)
def claim_payments_fragment(request: HttpRequest, number: str) -> HttpResponseBase:
    """The claim detail page's "Payments" section (htmx ``hx-get``): every payment that settled
    the claim, with its EOB. The claim is read through the claims selector (404 outside the
    user's practices and TINs)."""
    claim = claim_get_for_user(user=request.user, number=number)
    rows = selectors.payments_for_claim(claim=claim)
    return _no_store(render(request, "remittance/_claim_payments.html", {"rows": rows}))


@require_GET
@payments_required(object_view=True)
def payment_detail(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_user(user=request.user, number=number)
    services.payment_access_record(payment=payment, user=request.user, action="viewed")
    rows = selectors.payment_claims(payment=payment)
    rec = selectors.payment_reconciliation(payment=payment)
    return _no_store(
        render(
            request,
            "remittance/payment_detail.html",
            _ctx(request, payment=payment, rows=rows, rec=rec, status_labels=STATUS_CODE_LABELS),
        )
    )


@require_GET
@payments_required(object_view=True)
def eob_download(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_user(user=request.user, number=number)
    response = eob_pdf_response(payment=payment)
    services.payment_access_record(payment=payment, user=request.user, action="eob_downloaded")
    return response


@require_GET
@payments_required(object_view=True)
def download_835(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_user(user=request.user, number=number)
    services.payment_access_record(payment=payment, user=request.user, action="835_downloaded")
    return file_download_response(
        key=payment.file_key, filename=payment.file_name, content_type="application/edi-x12"
    )


@require_GET
@payments_required(object_view=True)
def reconciliation(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_user(user=request.user, number=number)
    services.payment_access_record(
        payment=payment, user=request.user, action="reconciliation_viewed"
    )
    rec = selectors.payment_reconciliation(payment=payment)
    return _no_store(
        render(
            request,
            "remittance/reconciliation.html",
            _ctx(request, payment=payment, rec=rec, status_labels=STATUS_CODE_LABELS),
        )
    )


CSV_HEADER = [
    "payment_number", "trace_number", "payment_date", "claim_number", "patient_account_number",
    "patient_name", "member_id", "service_date", "claim_status_code", "row_kind", "billed",
    "allowed", "adjustments", "patient_responsibility", "paid", "flags",
]  # fmt: skip


def _csv_cell(value: Any) -> str:
    """Text for a spreadsheet cell; a leading = + - @ is neutralised (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@require_GET
@payments_required(object_view=True)
def reconciliation_csv(request: HttpRequest, number: str) -> HttpResponseBase:
    payment = selectors.payment_get_for_user(user=request.user, number=number)
    rec = selectors.payment_reconciliation(payment=payment)
    services.payment_access_record(
        payment=payment, user=request.user, action="reconciliation_exported"
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    head = [payment.number, payment.trace_number, payment.payment_date.isoformat()]
    for r in rec.rows:
        writer.writerow(
            [
                _csv_cell(v)
                for v in [
                    *head, r.claim_number, r.patient_account_number, r.patient_name,
                    r.member_number, r.service_date.isoformat() if r.service_date else "",
                    r.status_code, r.kind, r.billed, r.allowed, r.adjustments,
                    r.patient_responsibility, r.paid, "; ".join(r.flags),
                ]
            ]
        )  # fmt: skip
    for p in rec.provider_adjustments:
        writer.writerow(
            [
                _csv_cell(v)
                for v in [
                    *head, "", "", "", "", "", f"PLB {p.reason_code}", "provider_adjustment",
                    "", "", "", "", -p.amount, f"Provider-level adjustment {p.reference}".strip(),
                ]
            ]
        )  # fmt: skip
    writer.writerow(
        [
            *head, "TOTAL", "", "", "", "", "", "total", rec.billed, rec.allowed,
            rec.adjustments, rec.patient_responsibility, rec.net, "",
        ]
    )  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="reconciliation-{payment.number}.csv"'
    return _no_store(response)
