"""The human-readable Explanation of Benefits of one payment, as a PDF (ReportLab)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from portico.core import pdf
from portico.core.text import tin_display
from portico.remittance.formatting import eob_lines, money, negated, us_date
from portico.remittance.models import Payment, PaymentClaimKind
from portico.remittance.selectors import STATUS_CODE_LABELS, payment_reconciliation


def _m(value: Any) -> str:
    """Money as the EOB page prints it: $1,234.56 (nothing → $0.00)."""
    return money(value or 0)


def eob_pdf(*, payment: Payment) -> bytes:
    rec = payment_reconciliation(payment=payment)
    content: list[Any] = [
        pdf.heading("Explanation of Benefits (provider remittance)"),
        pdf.key_value_table(
            [
                ("Payer", payment.payer_name),
                (
                    "Payee",
                    f"{payment.payee_name} (TIN {tin_display(payment.payee_tin)}, "
                    f"NPI {payment.payee_npi})",
                ),
                ("Payment number", payment.number),
                ("Payment method", payment.get_method_display()),
                ("Check / EFT trace number", payment.trace_number),
                ("Payment date", us_date(payment.payment_date)),
                ("Payment amount", _m(payment.amount)),
                ("Claims", str(payment.claim_count)),
            ]
        ),
    ]
    for pc in payment.claims.order_by("claim_number", "kind", "id"):
        reversal = pc.kind == PaymentClaimKind.REVERSAL
        content.append(
            pdf.heading(
                f"Claim {pc.claim_number}{' — reversal of earlier payment' if reversal else ''}", 2
            )
        )
        content.append(
            pdf.key_value_table(
                [
                    ("Patient", pc.patient_name),
                    ("Member ID", pc.member_number),
                    ("Patient account number", pc.patient_account_number),
                    ("Date of service", us_date(pc.service_date)),
                    ("Claim status", STATUS_CODE_LABELS.get(pc.status_code, pc.status_code)),
                ]
            )
        )
        rows = [
            [
                ln.line_number,
                ln.service,
                ln.date,
                ln.billed,
                ln.allowed,
                ln.adjustments,
                ln.patient_responsibility,
                ln.paid,
                ln.remarks,
            ]
            for ln in eob_lines(pc)
        ]
        content.append(
            pdf.table(
                [
                    "Line",
                    "Service",
                    "Date",
                    "Billed",
                    "Allowed",
                    "Adjustments",
                    "Patient resp.",
                    "Paid",
                    "Remarks",
                ],
                rows,
            )
        )
        content.append(
            pdf.paragraph(
                f"Claim totals: billed {_m(pc.billed)}, allowed {_m(pc.allowed)}, "
                f"adjustments {_m(pc.adjustments_total)}, patient responsibility "
                f"{_m(pc.patient_responsibility)}, paid {_m(pc.paid)}.",
                small=True,
            )
        )
    content.append(pdf.heading("Payment summary", 2))
    summary = [
        ("Total billed", _m(rec.billed)),
        ("Total adjustments (CO/OA/PI)", _m(rec.adjustments)),
        ("Total patient responsibility", _m(rec.patient_responsibility)),
        ("Total paid on claims", _m(rec.claims_paid)),
    ]
    for p in rec.provider_adjustments:
        summary.append(
            (
                f"Provider-level adjustment {p.reason_code} {p.reference}".strip(),
                _m(negated(p.amount)),
            )
        )
    summary.append(("Payment amount", _m(payment.amount)))
    content.append(pdf.key_value_table(summary))
    content.append(
        pdf.paragraph(
            "Adjustment group codes: CO contractual obligation, PR patient responsibility, "
            "OA other adjustment, PI payer-initiated reduction. Reason (CARC) and remark "
            "(RARC) codes are the X12 standard codes.",
            small=True,
        )
    )
    return pdf.render_pdf(
        title=f"EOB {payment.number}",
        header=payment.payer_name,
        footer=f"Payment {payment.trace_number} of {us_date(payment.payment_date)}",
        content=content,
        subject="Explanation of Benefits",
    )


def eob_pdf_response(*, payment: Payment, attachment: bool = False) -> HttpResponse:
    """The EOB as a PDF answer, never cached: shown in the browser (the portal and the back
    office) or, for API clients, as an attachment."""
    response = HttpResponse(eob_pdf(payment=payment), content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="EOB-{payment.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
