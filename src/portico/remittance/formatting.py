"""How the EOB prints money and dates, the same on the page and in the PDF.

Money is "$1,234.56" (a negative amount "-$1,234.56"); dates are the portal's MM/DD/YYYY, as in
the claims pages. A payment's claim lines are a JSON snapshot (``PaymentClaim.detail``), so
their amounts are strings and their dates ISO strings; both are accepted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from portico.remittance.models import PaymentClaimKind

DATE_FORMAT = "%m/%d/%Y"


def money(value: object) -> str:
    """``1234.5`` → ``$1,234.50``; ``-20`` → ``-$20.00``; nothing (None, "") → ""."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    if not amount.is_finite():
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def negated(value: object) -> object:
    """``-value`` for an amount (as a Decimal); anything else unchanged."""
    try:
        return -Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def us_date(value: object) -> str:
    """A date, a datetime or an ISO date string → ``MM/DD/YYYY``; nothing → ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime(DATE_FORMAT)
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class EobLine:
    """One service line of a claim on the EOB, every value as printed."""

    line_number: str
    service: str
    date: str
    billed: str
    allowed: str
    adjustments: str
    patient_responsibility: str
    paid: str
    remarks: str


def eob_lines(payment_claim: Any) -> list[EobLine]:
    """The lines of a ``PaymentClaim`` as the EOB prints them. A reversal's snapshot is the
    earlier payment's, so its amounts print negative (taken back), as its totals are."""
    sign = -1 if payment_claim.kind == PaymentClaimKind.REVERSAL else 1

    def amount(value: object) -> str:
        try:
            return money(sign * Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return money(value)

    lines = []
    for ln in (payment_claim.detail or {}).get("lines", []):
        code = ln.get("procedure_code") or ln.get("revenue_code", "")
        lines.append(
            EobLine(
                line_number=str(ln.get("line_number", "")),
                service=" ".join([code, *ln.get("modifiers", [])]).strip(),
                date=us_date(ln.get("service_date", "")),
                billed=amount(ln.get("charge", 0)),
                allowed=amount(ln.get("allowed", 0)),
                adjustments="; ".join(
                    f"{a['group']}-{a['reason']} {amount(a['amount'])}"
                    for a in ln.get("adjustments", [])
                ),
                patient_responsibility=amount(ln.get("patient_responsibility", 0)),
                paid=amount(ln.get("paid", 0)),
                remarks=" ".join(ln.get("remark_codes", [])),
            )
        )
    return lines
