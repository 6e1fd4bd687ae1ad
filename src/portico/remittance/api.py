"""The payments router (django-ninja), mounted at ``/api/v1/remittance/`` with scope
``claims``: payments list and detail (with the reconciliation) and the 835 download. The same
selectors and services as the HTML pages; payments outside the caller's TINs answer 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from portico.claims.selectors import user_has_claims_access
from portico.core.api_errors import ErrorOut, api_page
from portico.remittance import selectors, services
from portico.remittance.eob_pdf import eob_pdf_response
from portico.remittance.models import Payment
from portico.remittance.schemas import PaymentDetailOut, PaymentPageOut

router = Router(tags=["remittance"])
API_SCOPE = "claims"
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None) or request.user
    if not getattr(user, "is_authenticated", False):
        raise HttpError(401, "Authentication required.")
    if not user_has_claims_access(user=user):
        raise HttpError(403, "No access to the Claims Online Portal.")
    return user


def _out(p: Payment) -> dict[str, Any]:
    return {
        "number": p.number,
        "method": p.method,
        "method_label": p.get_method_display(),
        "trace_number": p.trace_number,
        "payment_date": p.payment_date,
        "amount": p.amount,
        "payer": p.payer_name,
        "payer_id": p.health_plan.payer_id,
        "payee_tin": p.payee_tin,
        "payee_name": p.payee_name,
        "claim_count": p.claim_count,
        "eob_pdf_url": f"/api/v1/remittance/payments/{p.number}/eob.pdf",
        "remittance_835_url": f"/api/v1/remittance/payments/{p.number}/835",
    }


class PaymentQuery(Schema):
    trace_number: str = ""
    tin: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1


@router.get(
    "/payments", response={200: PaymentPageOut, **ERRORS}, summary="List payments (check/EFT)"
)
def list_payments(request: HttpRequest, filters: Query[PaymentQuery]) -> Any:
    user = _user(request)
    qs = selectors.payments_search(
        user=user,
        trace_number=filters.trace_number,
        tin=filters.tin,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    page = api_page(qs, filters.page, 50)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "results": [_out(p) for p in page.object_list],
    }


@router.get(
    "/payments/{number}",
    response={200: PaymentDetailOut, **ERRORS},
    summary="A payment with its claims (EOB) and reconciliation",
)
def get_payment(request: HttpRequest, number: str) -> Any:
    user = _user(request)
    payment = selectors.payment_get_for_user(user=user, number=number)
    services.payment_access_record(payment=payment, user=user, action="viewed")
    rec = selectors.payment_reconciliation(payment=payment)
    return {
        **_out(payment),
        "claims": [
            {
                "claim_number": r.claim_number,
                "kind": r.kind,
                "status_code": r.status_code,
                "patient_account_number": r.patient_account_number,
                "patient_name": r.patient_name,
                "member_id": r.member_number,
                "service_date": r.service_date,
                "billed": r.billed,
                "allowed": r.allowed,
                "adjustments": r.adjustments,
                "patient_responsibility": r.patient_responsibility,
                "paid": r.paid,
                "flags": r.flags,
            }
            for r in rec.rows
        ],
        "provider_adjustments": [
            {"reason_code": p.reason_code, "reference": p.reference, "amount": p.amount}
            for p in rec.provider_adjustments
        ],
        "billed_total": rec.billed,
        "claims_paid_total": rec.claims_paid,
        "provider_adjustment_total": rec.plb_total,
        "totals_match": rec.matches_payment and rec.claims_balance,
        "unmatched": rec.unmatched,
    }


@router.get(
    "/payments/{number}/835",
    response={200: None, **ERRORS},
    summary="Download the payment's 835 remittance advice (X12 005010X221A1)",
)
def download_835(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    payment = selectors.payment_get_for_user(user=user, number=number)
    data = services.payment_835_text(payment=payment)
    services.payment_access_record(payment=payment, user=user, action="835_downloaded")
    response = HttpResponse(data, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{payment.file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/payments/{number}/eob.pdf",
    response={200: None, **ERRORS},
    summary="Download the payment's Explanation of Benefits (PDF)",
    openapi_extra={"responses": {"200": {"content": {"application/pdf": {}}}}},
)
def download_eob(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    payment = selectors.payment_get_for_user(user=user, number=number)
    response = eob_pdf_response(payment=payment, attachment=True)
    services.payment_access_record(payment=payment, user=user, action="eob_downloaded")
    return response
