"""277CA Health Care Claim Acknowledgment (005010X214) writer.

The 277CA answers an accepted 837 transaction set claim by claim: each claim is accepted into
adjudication (STC category A1/A2, ``WQ``) with the payer's claim control number, or rejected
(A3/A6/A7/A8, ``U``) with Claim Status Codes naming what is wrong. The structure is fixed by the
guide: information source (payer) 2000A, information receiver (submitter) 2000B with the batch
totals, billing provider 2000C with its totals, patient 2000D with the claims.

:func:`acknowledgment_from_claims` turns the reader's claims (with their issues) into the typed
input, so the claims pipeline is "read 837 -> 999 -> 277CA" with nothing in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TextIO

from portico.x12.errors import X12WriteError
from portico.x12.models837 import Claim, ClaimKind
from portico.x12.writer import Envelope, X12Writer, fmt_amount, fmt_date, render

__all__ = [
    "AcknowledgmentTotals",
    "ClaimAcknowledgment",
    "ClaimStatus",
    "ClaimsAcknowledgment",
    "ProviderAcknowledgment",
    "acknowledgment_from_claims",
    "build_277ca",
    "claim_acknowledgment",
    "write_277ca",
]

VERSION_277CA = "005010X214"


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """One STC01 composite: category (508), status (507), optional entity (98)."""

    category: str
    code: str
    entity: str = ""

    def composite(self) -> list[str]:
        return (
            [self.category, self.code, self.entity] if self.entity else [self.category, self.code]
        )


ACCEPTED = ClaimStatus("A2", "20")  # accepted for processing into the adjudication system
RECEIVED = ClaimStatus("A1", "19", "PR")  # entity acknowledges receipt of claim


@dataclass(slots=True)
class ClaimAcknowledgment:
    patient_account_number: str
    total_charge: Decimal
    accepted: bool
    patient_last_name: str
    patient_member_id: str
    service_date: date
    service_date_end: date | None = None
    patient_first_name: str = ""
    statuses: list[ClaimStatus] = field(default_factory=list)
    payer_claim_control_number: str = ""  # REF*1K, accepted claims only
    clearinghouse_trace_number: str = ""  # REF*D9 echoed from the 837
    bill_type: str = ""  # REF*BLT for institutional claims
    status_date: date | None = None


@dataclass(slots=True)
class AcknowledgmentTotals:
    """Counts and charges of accepted and rejected claims (the QTY and AMT segments)."""

    accepted: int = 0
    rejected: int = 0
    accepted_amount: Decimal = Decimal(0)
    rejected_amount: Decimal = Decimal(0)

    def add(self, claim: ClaimAcknowledgment) -> None:
        if claim.accepted:
            self.accepted += 1
            self.accepted_amount += claim.total_charge
        else:
            self.rejected += 1
            self.rejected_amount += claim.total_charge

    def __iadd__(self, other: AcknowledgmentTotals) -> AcknowledgmentTotals:
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.accepted_amount += other.accepted_amount
        self.rejected_amount += other.rejected_amount
        return self

    @classmethod
    def of(cls, claims: Iterable[ClaimAcknowledgment]) -> AcknowledgmentTotals:
        totals = cls()
        for claim in claims:
            totals.add(claim)
        return totals


@dataclass(slots=True)
class ProviderAcknowledgment:
    """One billing provider's claims. ``claims`` may be a one-pass iterable (a spool read back
    in order) when ``totals`` gives its counts and charges up front, which the 2000C loop
    states before the claims."""

    name: str
    npi: str
    claims: Iterable[ClaimAcknowledgment]
    tax_id: str = ""
    entity_type: str = "2"
    first_name: str = ""
    totals: AcknowledgmentTotals | None = None

    def claim_totals(self) -> AcknowledgmentTotals:
        if self.totals is None:
            self.claims = list(self.claims)
            self.totals = AcknowledgmentTotals.of(self.claims)
        return self.totals


@dataclass(slots=True)
class ClaimsAcknowledgment:
    payer_name: str
    payer_id: str
    receiver_name: str  # the 837 submitter
    receiver_id: str
    batch_reference: str  # BHT03 of the 837 (TRN02 of 2200B)
    received: date
    processed: date
    providers: list[ProviderAcknowledgment]
    reference: str = "1"  # BHT03 of this 277CA


def _claim_from_837(claim: Claim, payer_claim_number: str, today: date) -> ClaimAcknowledgment:
    sub = claim.subscriber
    pat = claim.patient
    period = (
        (claim.statement_period[0], claim.statement_period[1] or claim.statement_period[0])
        if claim.kind is ClaimKind.INSTITUTIONAL and claim.statement_period
        else claim.service_period or (today, today)
    )
    statuses: list[ClaimStatus]
    if claim.issues:
        seen: set[tuple[str, str, str]] = set()
        statuses = []
        for issue in claim.issues:
            key = (issue.category, issue.status_code, issue.entity_code)
            if key not in seen:
                seen.add(key)
                statuses.append(ClaimStatus(*key))
    else:
        statuses = [ACCEPTED]
    return ClaimAcknowledgment(
        patient_account_number=claim.patient_account_number or "UNKNOWN",
        total_charge=claim.total_charge,
        accepted=not claim.issues,
        patient_last_name=(pat.last_name if pat else sub.last_name if sub else "") or "UNKNOWN",
        patient_first_name=(pat.first_name if pat else sub.first_name if sub else ""),
        patient_member_id=(sub.member_id if sub else "") or "UNKNOWN",
        service_date=period[0],
        service_date_end=period[1],
        statuses=statuses,
        payer_claim_control_number="" if claim.issues else payer_claim_number,
        bill_type=claim.type_of_bill if claim.kind is ClaimKind.INSTITUTIONAL else "",
    )


def claim_acknowledgment(claim: Claim, payer_claim_number: str, today: date) -> ClaimAcknowledgment:
    """One claim's 277CA entry: accepted with ``payer_claim_number``, or rejected with the
    claim's issues as STC codes. For callers that group claims themselves (streaming)."""
    return _claim_from_837(claim, payer_claim_number, today)


def acknowledgment_from_claims(
    claims: Iterable[tuple[Claim, str]],
    *,
    payer_name: str,
    payer_id: str,
    received: date,
    processed: date,
    reference: str = "1",
) -> ClaimsAcknowledgment:
    """Build the 277CA input from ``(claim, payer claim control number)`` pairs of one batch.

    Claims are grouped by billing provider NPI; the receiver and batch reference come from the
    claims' transaction header.
    """
    providers: dict[str, ProviderAcknowledgment] = {}
    claim_lists: dict[str, list[ClaimAcknowledgment]] = {}
    receiver_name = receiver_id = batch = ""
    for claim, payer_number in claims:
        txn = claim.transaction
        if txn is not None and txn.submitter is not None and not receiver_id:
            receiver_name, receiver_id = txn.submitter.name, txn.submitter.identifier
            batch = txn.reference
        bp = claim.billing_provider
        npi = bp.npi if bp and bp.npi else "UNKNOWN"
        prov = providers.get(npi)
        if prov is None:
            prov = ProviderAcknowledgment(
                name=(bp.last_or_org_name if bp else "") or "UNKNOWN",
                npi=npi,
                claims=claim_lists.setdefault(npi, []),
                tax_id=bp.tax_id if bp else "",
                entity_type=(bp.entity_type if bp else "2") or "2",
                first_name=bp.first_name if bp else "",
            )
            providers[npi] = prov
        claim_lists.setdefault(npi, []).append(_claim_from_837(claim, payer_number, processed))
    return ClaimsAcknowledgment(
        payer_name=payer_name,
        payer_id=payer_id,
        receiver_name=receiver_name or "UNKNOWN",
        receiver_id=receiver_id or "UNKNOWN",
        batch_reference=batch or "0",
        received=received,
        processed=processed,
        providers=list(providers.values()),
        reference=reference,
    )


def write_277ca(ack: ClaimsAcknowledgment, out: TextIO, envelope: Envelope) -> None:
    """Write the 277CA to ``out`` as it goes: with each provider's ``totals`` given, its
    claims are read once, in order, so a spooled batch of any size is never all in memory."""
    batch = AcknowledgmentTotals()
    for prov in ack.providers:
        batch += prov.claim_totals()
    if not batch.accepted + batch.rejected:
        raise X12WriteError("a 277CA acknowledges at least one claim")
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("HN", VERSION_277CA)
    w.begin_transaction("277", VERSION_277CA)
    created = envelope.created
    w.segment("BHT", "0085", "08", ack.reference, fmt_date(created), created.strftime("%H%M"), "TH")
    # 2000A information source
    w.segment("HL", "1", None, "20", "1")
    w.segment("NM1", "PR", "2", w.text(ack.payer_name), None, None, None, None, "PI", ack.payer_id)
    w.segment("TRN", "1", ack.batch_reference)
    w.segment("DTP", "050", "D8", fmt_date(ack.received))
    w.segment("DTP", "009", "D8", fmt_date(ack.processed))
    # 2000B information receiver, with batch totals
    w.segment("HL", "2", "1", "21", "1")
    w.segment(
        "NM1", "41", "2", w.text(ack.receiver_name), None, None, None, None, "46", ack.receiver_id
    )
    w.segment("TRN", "2", ack.batch_reference)
    n_acc, n_rej = batch.accepted, batch.rejected
    amt_acc, amt_rej = batch.accepted_amount, batch.rejected_amount
    batch_status = RECEIVED
    w.segment(
        "STC",
        batch_status.composite(),
        fmt_date(ack.processed),
        "WQ" if n_acc else "U",
        fmt_amount(amt_acc + amt_rej),
    )
    if n_acc:
        w.segment("QTY", "90", str(n_acc))
    if n_rej:
        w.segment("QTY", "AA", str(n_rej))
    if n_acc:
        w.segment("AMT", "YU", fmt_amount(amt_acc))
    if n_rej:
        w.segment("AMT", "YY", fmt_amount(amt_rej))
    hl = 2
    for prov in ack.providers:
        totals = prov.claim_totals()
        if not totals.accepted + totals.rejected:
            continue
        hl += 1
        prov_hl = hl
        w.segment("HL", str(hl), "2", "19", "1")
        person = prov.entity_type == "1"
        w.segment(
            "NM1", "85", prov.entity_type, w.text(prov.name),
            w.text(prov.first_name) or None if person else None,
            None, None, None, "XX", prov.npi,
        )  # fmt: skip
        w.segment("TRN", "1", "0")
        p_acc, p_rej = totals.accepted, totals.rejected
        p_amt_acc, p_amt_rej = totals.accepted_amount, totals.rejected_amount
        w.segment(
            "STC",
            ["A1", "19", "85"],
            None,
            "WQ" if p_acc else "U",
            fmt_amount(p_amt_acc + p_amt_rej),
        )
        if prov.tax_id:
            w.segment("REF", "TJ", prov.tax_id)
        if p_acc:
            w.segment("QTY", "QA", str(p_acc))
        if p_rej:
            w.segment("QTY", "QC", str(p_rej))
        if p_acc:
            w.segment("AMT", "YU", fmt_amount(p_amt_acc))
        if p_rej:
            w.segment("AMT", "YY", fmt_amount(p_amt_rej))
        for claim in prov.claims:
            hl += 1
            w.segment("HL", str(hl), str(prov_hl), "PT")
            w.segment(
                "NM1", "QC", "1", w.text(claim.patient_last_name),
                w.text(claim.patient_first_name) or None, None, None, None, "MI",
                w.text(claim.patient_member_id),
            )  # fmt: skip
            w.segment("TRN", "2", w.text(claim.patient_account_number))
            statuses = claim.statuses or ([ACCEPTED] if claim.accepted else [])
            if not statuses:
                raise X12WriteError(
                    f"rejected claim {claim.patient_account_number!r} needs a status code"
                )
            status_date = fmt_date(claim.status_date or ack.processed)
            first, *rest = statuses
            extra: list[list[str] | None] = [s.composite() for s in rest[:2]]
            w.segment(
                "STC",
                first.composite(),
                status_date,
                "WQ" if claim.accepted else "U",
                fmt_amount(claim.total_charge),
                None,
                None,
                None,
                None,
                None,
                *extra,
            )
            # Further statuses beyond STC10/STC11 get their own STC segment.
            for start in range(3, len(statuses), 3):
                chunk = statuses[start : start + 3]
                w.segment(
                    "STC",
                    chunk[0].composite(),
                    status_date,
                    "WQ" if claim.accepted else "U",
                    fmt_amount(claim.total_charge),
                    None,
                    None,
                    None,
                    None,
                    None,
                    *[s.composite() for s in chunk[1:]],
                )
            if claim.accepted and claim.payer_claim_control_number:
                w.segment("REF", "1K", claim.payer_claim_control_number)
            if claim.clearinghouse_trace_number:
                w.segment("REF", "D9", claim.clearinghouse_trace_number)
            if claim.bill_type:
                w.segment("REF", "BLT", claim.bill_type[-3:])
            end = claim.service_date_end or claim.service_date
            w.segment("DTP", "472", "RD8", f"{fmt_date(claim.service_date)}-{fmt_date(end)}")
    w.end_transaction()
    w.end_group()
    w.end_interchange()


def build_277ca(ack: ClaimsAcknowledgment, envelope: Envelope) -> str:
    return render(lambda out: write_277ca(ack, out, envelope))
