"""The human-readable Explanation of Benefits of one payment, as a PDF (ReportLab)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portico.core import pdf
from portico.remittance.models import Payment, PaymentClaimKind
from portico.remittance.selectors import STATUS_CODE_LABELS, payment_reconciliation


def _m(value: Any) -> str:
    return f"{Decimal(value or 0):,.2f}"


def eob_pdf(*, payment: Payment) -> bytes:
    rec = payment_reconciliation(payment=payment)
    content: list[Any] = [
        pdf.heading("Explanation of Benefits (provider remittance)"),
        pdf.key_value_table(
            [
                ("Payer", payment.payer_name),
                (
                    "Payee",
                    f"{payment.payee_name} (TIN {payment.payee_tin}, NPI {payment.payee_npi})",
                ),
                ("Payment number", payment.number),
                ("Payment method", payment.get_method_display()),
                ("Check / EFT trace number", payment.trace_number),
                ("Payment date", f"{payment.payment_date:%m/%d/%Y}"),
                ("Payment amount", f"${_m(payment.amount)}"),
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
                    ("Date of service", f"{pc.service_date:%m/%d/%Y}" if pc.service_date else ""),
                    ("Claim status", STATUS_CODE_LABELS.get(pc.status_code, pc.status_code)),
                ]
            )
        )
        sign = -1 if reversal else 1
        rows = []
        for ln in (pc.detail or {}).get("lines", []):
            adj = "; ".join(
                f"{a['group']}-{a['reason']} {_m(sign * Decimal(a['amount']))}"
                for a in ln.get("adjustments", [])
            )
            rows.append(
                [
                    str(ln["line_number"]),
                    " ".join(
                        [
                            ln.get("procedure_code") or ln.get("revenue_code", ""),
                            *ln.get("modifiers", []),
                        ]
                    ),
                    ln.get("service_date", ""),
                    _m(sign * Decimal(ln["charge"])),
                    _m(sign * Decimal(ln["allowed"])),
                    adj,
                    _m(sign * Decimal(ln["patient_responsibility"])),
                    _m(sign * Decimal(ln["paid"])),
                    " ".join(ln.get("remark_codes", [])),
                ]
            )
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
            (f"Provider-level adjustment {p.reason_code} {p.reference}".strip(), f"-{_m(p.amount)}")
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
        footer=f"Payment {payment.trace_number} of {payment.payment_date:%m/%d/%Y}",
        content=content,
        subject="Explanation of Benefits",
    )
