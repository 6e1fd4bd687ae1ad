"""835 Health Care Claim Payment/Advice (005010X221A1) writer.

An 835 is money: a provider's practice-management system posts it line by line, so it must
balance to the cent. The writer refuses (``X12BalanceError``) to emit one that does not:

* every service line: SVC02 charge - sum(line CAS) = SVC03 paid;
* every claim: CLP03 charge - sum(claim CAS) - sum(line CAS) = CLP04 paid, and the line charges
  sum to CLP03 when lines are reported;
* the transaction: BPR02 = sum(CLP04) - sum(PLB amounts). BPR02 is computed, never supplied.

One remittance (one payment to one payee) is one ST/SE transaction set. Claims are written as
they are iterated, so a remittance of any size streams to the file object.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TextIO

from portico.x12.errors import X12BalanceError, X12WriteError
from portico.x12.models837 import Address
from portico.x12.writer import Envelope, X12Writer, fmt_amount, fmt_date, fmt_decimal, render

__all__ = [
    "Adjustment",
    "ClaimPayment",
    "ProviderAdjustment",
    "Remittance",
    "ServicePayment",
    "build_835",
    "write_835",
]

VERSION_835 = "005010X221A1"
GROUP_CODES = frozenset({"CO", "PR", "OA", "PI"})
CLAIM_STATUS_CODES = frozenset({"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"})
PAYMENT_METHODS = frozenset({"CHK", "ACH", "NON", "BOP", "FWT"})
_ZERO = Decimal(0)


@dataclass(slots=True)
class Adjustment:
    """One CAS triplet: group code (CO/PR/OA/PI), CARC reason code, amount, quantity."""

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


@dataclass(slots=True)
class ServicePayment:
    procedure_code: str
    charge: Decimal
    paid: Decimal
    procedure_qualifier: str = "HC"
    modifiers: tuple[str, ...] = ()
    revenue_code: str = ""
    units_paid: Decimal | None = None
    original_procedure_code: str = ""  # SVC06 when the payer paid a different code
    original_units: Decimal | None = None
    service_date: date | None = None
    service_date_end: date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remark_codes: tuple[str, ...] = ()  # RARC, LQ*HE
    line_item_control_number: str = ""  # REF*6R echoed from the 837
    allowed_amount: Decimal | None = None  # AMT*B6


@dataclass(slots=True)
class ClaimPayment:
    patient_account_number: str  # CLP01 = CLM01
    status_code: str  # CLP02: 1 primary, 2 secondary, 3 tertiary, 4 denied, 22 reversal
    charge: Decimal
    paid: Decimal
    payer_claim_control_number: str  # CLP07
    patient_last_name: str
    patient_member_id: str = ""
    patient_first_name: str = ""
    patient_responsibility: Decimal | None = None  # CLP05
    filing_indicator: str = "12"  # CLP06: 12 PPO, HM HMO, MC Medicaid, CI is not allowed
    facility_code: str = ""  # CLP08
    frequency_code: str = ""  # CLP09
    drg_code: str = ""  # CLP11
    rendering_provider_npi: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    services: list[ServicePayment] = field(default_factory=list)
    statement_from: date | None = None
    statement_to: date | None = None
    received: date | None = None
    claim_remark_codes: tuple[str, ...] = ()  # MOA03-MOA07 (outpatient)


@dataclass(slots=True)
class ProviderAdjustment:
    """One PLB adjustment: positive amounts reduce the payment (e.g. WO overpayment recovery)."""

    reason_code: str  # PLB03-1: 72 authorized return, L6 interest, WO, FB forwarding balance...
    amount: Decimal
    reference: str = ""


@dataclass(slots=True)
class Remittance:
    payer_name: str
    payer_tax_id: str  # 9-digit EIN, TRN03 = "1" + EIN
    payer_address: Address
    payer_technical_phone: str
    payee_name: str
    payee_npi: str
    payee_tax_id: str
    payment_method: str  # CHK, ACH, NON
    trace_number: str  # check number or EFT trace number (TRN02)
    payment_date: date  # BPR16
    claims: Sequence[ClaimPayment]
    payer_id: str = ""  # REF*2U
    payee_address: Address | None = None
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    fiscal_period_end: date | None = None  # PLB02, defaults to 31 December of payment year
    production_date: date | None = None
    payer_technical_contact: str = "EDI Support"
    payer_website: str = ""
    # ACH only: originating (payer) and receiving (payee) depository accounts
    payer_routing_number: str = ""
    payer_account_number: str = ""
    payee_routing_number: str = ""
    payee_account_number: str = ""

    @property
    def payment_amount(self) -> Decimal:
        """BPR02: sum of CLP04 less the provider-level adjustments."""
        claims_total = sum((c.paid for c in self.claims), _ZERO)
        plb_total = sum((p.amount for p in self.provider_adjustments), _ZERO)
        return claims_total - plb_total


def check_balance(remittance: Remittance) -> None:
    """Raise :class:`X12BalanceError` unless every balancing rule of the guide holds."""
    for claim in remittance.claims:
        acct = claim.patient_account_number
        if claim.status_code not in CLAIM_STATUS_CODES:
            raise X12WriteError(f"claim {acct}: CLP02 {claim.status_code!r} is not a status code")
        line_adj = _ZERO
        for i, svc in enumerate(claim.services, start=1):
            adj = sum((a.amount for a in svc.adjustments), _ZERO)
            if svc.charge - adj != svc.paid:
                raise X12BalanceError(
                    f"claim {acct} line {i}: charge {svc.charge} - adjustments {adj} "
                    f"!= paid {svc.paid}"
                )
            line_adj += adj
        if claim.services:
            line_charges = sum((s.charge for s in claim.services), _ZERO)
            if line_charges != claim.charge:
                raise X12BalanceError(
                    f"claim {acct}: line charges {line_charges} != claim charge {claim.charge}"
                )
        claim_adj = sum((a.amount for a in claim.adjustments), _ZERO)
        if claim.charge - claim_adj - line_adj != claim.paid:
            raise X12BalanceError(
                f"claim {acct}: charge {claim.charge} - adjustments {claim_adj + line_adj} "
                f"!= paid {claim.paid}"
            )
        every = [*claim.adjustments, *(a for s in claim.services for a in s.adjustments)]
        for item in every:
            if item.group not in GROUP_CODES:
                raise X12WriteError(f"claim {acct}: CAS group {item.group!r} is not CO/PR/OA/PI")
    if remittance.payment_amount < 0:
        raise X12BalanceError(
            f"payment amount {remittance.payment_amount} is negative; carry the balance forward"
        )


def _cas(w: X12Writer, adjustments: Iterable[Adjustment]) -> None:
    by_group: dict[str, list[Adjustment]] = {}
    for adj in adjustments:
        by_group.setdefault(adj.group, []).append(adj)
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            elements: list[str | None] = [group]
            chunk = items[start : start + 6]
            for i, adj in enumerate(chunk):
                elements += [adj.reason, fmt_amount(adj.amount)]
                last = i == len(chunk) - 1
                if adj.quantity is not None:
                    elements.append(fmt_decimal(adj.quantity))
                elif not last:
                    elements.append(None)
            w.segment("CAS", *elements)


def _write_remittance(w: X12Writer, r: Remittance) -> None:
    check_balance(r)
    method = r.payment_method
    if method not in PAYMENT_METHODS:
        raise X12WriteError(f"payment method {method!r} is not one of {sorted(PAYMENT_METHODS)}")
    if len(r.payer_tax_id) != 9 or not r.payer_tax_id.isdigit():
        raise X12WriteError("payer tax ID must be a 9-digit EIN")
    amount = r.payment_amount
    if amount == 0 and method != "NON":
        method = "NON"
    w.begin_transaction("835", None)  # ST03 is "not used" in X221A1
    company_id = "1" + r.payer_tax_id
    paid = fmt_amount(amount)
    if method == "ACH":
        if not (r.payer_routing_number and r.payer_account_number):
            raise X12WriteError("an ACH payment needs the payer's routing and account numbers")
        if not (r.payee_routing_number and r.payee_account_number):
            raise X12WriteError("an ACH payment needs the payee's routing and account numbers")
        w.segment(
            "BPR", "C", paid, "C", "ACH", "CCP", "01", r.payer_routing_number, "DA",
            r.payer_account_number, company_id, None, "01", r.payee_routing_number, "DA",
            r.payee_account_number, fmt_date(r.payment_date),
        )  # fmt: skip
    elif method == "NON":
        w.segment("BPR", "H", paid, "C", "NON", *([None] * 11), fmt_date(r.payment_date))
    else:
        w.segment("BPR", "C", paid, "C", method, *([None] * 11), fmt_date(r.payment_date))
    w.segment("TRN", "1", r.trace_number, company_id)
    if r.production_date:
        w.segment("DTM", "405", fmt_date(r.production_date))
    # 1000A payer
    w.segment("N1", "PR", w.text(r.payer_name))
    w.segment("N3", w.text(r.payer_address.line1), w.text(r.payer_address.line2) or None)
    w.segment(
        "N4",
        w.text(r.payer_address.city),
        r.payer_address.state or None,
        r.payer_address.postal_code or None,
    )
    if r.payer_id:
        w.segment("REF", "2U", r.payer_id)
    w.segment("PER", "BL", w.text(r.payer_technical_contact), "TE", r.payer_technical_phone)
    if r.payer_website:
        w.segment("PER", "IC", None, "UR", r.payer_website)
    # 1000B payee
    w.segment("N1", "PE", w.text(r.payee_name), "XX", r.payee_npi)
    if r.payee_address is not None:
        w.segment("N3", w.text(r.payee_address.line1), w.text(r.payee_address.line2) or None)
        w.segment(
            "N4",
            w.text(r.payee_address.city),
            r.payee_address.state or None,
            r.payee_address.postal_code or None,
        )
    w.segment("REF", "TJ", r.payee_tax_id)
    if r.claims:
        w.segment("LX", "1")
    for claim in r.claims:
        _write_claim(w, claim)
    if r.provider_adjustments:
        period = r.fiscal_period_end or date(r.payment_date.year, 12, 31)
        for start in range(0, len(r.provider_adjustments), 6):
            elements: list[str | list[str] | None] = [r.payee_npi, fmt_date(period)]
            for adj in r.provider_adjustments[start : start + 6]:
                elements += [
                    [adj.reason_code, adj.reference] if adj.reference else [adj.reason_code],
                    fmt_amount(adj.amount),
                ]
            w.segment("PLB", *elements)
    w.end_transaction()


def _write_claim(w: X12Writer, c: ClaimPayment) -> None:
    w.segment(
        "CLP",
        w.text(c.patient_account_number),
        c.status_code,
        fmt_amount(c.charge),
        fmt_amount(c.paid),
        fmt_amount(c.patient_responsibility) if c.patient_responsibility is not None else None,
        c.filing_indicator,
        c.payer_claim_control_number,
        c.facility_code or None,
        c.frequency_code or None,
        None,
        c.drg_code or None,
    )
    _cas(w, c.adjustments)
    w.segment(
        "NM1",
        "QC",
        "1",
        w.text(c.patient_last_name),
        w.text(c.patient_first_name) or None,
        None,
        None,
        None,
        "MI" if c.patient_member_id else None,
        w.text(c.patient_member_id) or None,
    )
    if c.rendering_provider_npi:
        w.segment("NM1", "82", "2", None, None, None, None, None, "XX", c.rendering_provider_npi)
    if c.claim_remark_codes:
        w.segment("MOA", None, None, *c.claim_remark_codes[:5])
    if c.statement_from:
        w.segment("DTM", "232", fmt_date(c.statement_from))
    if c.statement_to:
        w.segment("DTM", "233", fmt_date(c.statement_to))
    if c.received:
        w.segment("DTM", "050", fmt_date(c.received))
    for svc in c.services:
        composite = [svc.procedure_qualifier, svc.procedure_code, *svc.modifiers[:4]]
        original: list[str] | None = None
        if svc.original_procedure_code:
            original = [svc.procedure_qualifier, svc.original_procedure_code]
        w.segment(
            "SVC",
            composite,
            fmt_amount(svc.charge),
            fmt_amount(svc.paid),
            svc.revenue_code or None,
            fmt_decimal(svc.units_paid) if svc.units_paid is not None else None,
            original,
            fmt_decimal(svc.original_units) if svc.original_units is not None else None,
        )
        if svc.service_date:
            if svc.service_date_end and svc.service_date_end != svc.service_date:
                w.segment("DTM", "150", fmt_date(svc.service_date))
                w.segment("DTM", "151", fmt_date(svc.service_date_end))
            else:
                w.segment("DTM", "472", fmt_date(svc.service_date))
        _cas(w, svc.adjustments)
        if svc.line_item_control_number:
            w.segment("REF", "6R", w.text(svc.line_item_control_number))
        if svc.allowed_amount is not None:
            w.segment("AMT", "B6", fmt_amount(svc.allowed_amount))
        for rarc in svc.remark_codes:
            w.segment("LQ", "HE", rarc)


def write_835(remittances: Iterable[Remittance], out: TextIO, envelope: Envelope) -> int:
    """Write one 835 interchange, one transaction set per remittance; return the count."""
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("HP", VERSION_835)
    count = 0
    for remittance in remittances:
        _write_remittance(w, remittance)
        count += 1
    if count == 0:
        raise X12WriteError("an 835 needs at least one remittance")
    w.end_group()
    w.end_interchange()
    return count


def build_835(remittances: Iterable[Remittance], envelope: Envelope) -> str:
    return render(lambda out: write_835(remittances, out, envelope))
