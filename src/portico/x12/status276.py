"""276/277 Health Care Claim Status Request and Response (005010X212): writers and reader.

A practice-management system asks "where is my claim?" with a 276; Portico answers with a 277
carrying Claim Status Category/Status codes (STC), amounts and payment details. The hierarchy
is the guide's: information source (payer, 20) > information receiver (21) > service provider
(19) > subscriber (22) > dependent (23), with one TRN-identified inquiry per claim.

pyx12 has no usable 005010X212 map (its 277 X212 file is not registered and mislabels the
group), so these are checked by the package's own envelope validator and a round trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO, TextIO

from portico.x12.ack277ca import ClaimStatus
from portico.x12.errors import ElementErrorCode, X12Error, X12WriteError
from portico.x12.reader837 import parse_amount, parse_d8, trace_number
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.writer import Envelope, X12Writer, fmt_amount, fmt_date, render

__all__ = [
    "ClaimStatusRequest",
    "ClaimStatusResponse",
    "Dependent",
    "StatusInquiry",
    "StatusResult",
    "build_276",
    "build_277",
    "read_claim_status",
    "write_276",
    "write_277",
]

VERSION_X212 = "005010X212"


@dataclass(slots=True)
class Dependent:
    last_name: str
    first_name: str = ""
    birth_date: date | None = None
    sex: str = ""


@dataclass(slots=True)
class StatusInquiry:
    """One claim asked about (276 loop 2200D/E), or echoed in the answer (277)."""

    trace_number: str
    provider_name: str
    provider_npi: str
    subscriber_last_name: str
    member_id: str
    service_date: date
    service_date_end: date | None = None
    subscriber_first_name: str = ""
    subscriber_birth_date: date | None = None
    subscriber_sex: str = ""
    dependent: Dependent | None = None
    payer_claim_control_number: str = ""
    patient_account_number: str = ""
    bill_type: str = ""
    total_charge: Decimal | None = None


@dataclass(slots=True)
class ClaimStatusRequest:
    payer_name: str
    payer_id: str
    receiver_name: str
    receiver_id: str
    inquiries: list[StatusInquiry]
    reference: str = "1"


@dataclass(slots=True)
class StatusResult:
    inquiry: StatusInquiry
    statuses: list[ClaimStatus]
    status_date: date
    total_charge: Decimal = Decimal(0)
    paid_amount: Decimal | None = None
    adjudication_date: date | None = None
    check_date: date | None = None
    check_number: str = ""


@dataclass(slots=True)
class ClaimStatusResponse:
    payer_name: str
    payer_id: str
    receiver_name: str
    receiver_id: str
    results: list[StatusResult] = field(default_factory=list)
    reference: str = "1"


def _service_dates(w: X12Writer, start: date, end: date | None) -> None:
    if end and end != start:
        w.segment("DTP", "472", "RD8", f"{fmt_date(start)}-{fmt_date(end)}")
    else:
        w.segment("DTP", "472", "D8", fmt_date(start))


def _hierarchy(
    w: X12Writer,
    payer: tuple[str, str],
    receiver: tuple[str, str],
    items: Iterable[tuple[StatusInquiry, StatusResult | None]],
    response: bool,
) -> None:
    w.segment("HL", "1", None, "20", "1")
    w.segment("NM1", "PR", "2", payer[0], None, None, None, None, "PI", payer[1])
    w.segment("HL", "2", "1", "21", "1")
    w.segment("NM1", "41", "2", receiver[0], None, None, None, None, "46", receiver[1])
    hl = 2
    provider_hl: dict[str, int] = {}
    by_provider: dict[str, list[tuple[StatusInquiry, StatusResult | None]]] = {}
    for inquiry, result in items:
        by_provider.setdefault(inquiry.provider_npi, []).append((inquiry, result))
    if not by_provider:
        raise X12WriteError("a 276/277 needs at least one claim")
    for npi, group in by_provider.items():
        hl += 1
        provider_hl[npi] = hl
        w.segment("HL", str(hl), "2", "19", "1")
        w.segment("NM1", "1P", "2", group[0][0].provider_name, None, None, None, None, "XX", npi)
        for inquiry, result in group:
            hl += 1
            sub_hl = hl
            dep = inquiry.dependent
            w.segment("HL", str(hl), str(provider_hl[npi]), "22", "1" if dep else "0")
            if not response and dep is None and inquiry.subscriber_birth_date:
                w.segment(
                    "DMG", "D8", fmt_date(inquiry.subscriber_birth_date),
                    inquiry.subscriber_sex or None,
                )  # fmt: skip
            w.segment(
                "NM1", "IL", "1", inquiry.subscriber_last_name,
                inquiry.subscriber_first_name or None, None, None, None, "MI", inquiry.member_id,
            )  # fmt: skip
            if dep is not None:
                hl += 1
                w.segment("HL", str(hl), str(sub_hl), "23")
                if not response and dep.birth_date:
                    w.segment("DMG", "D8", fmt_date(dep.birth_date), dep.sex or None)
                w.segment("NM1", "QC", "1", dep.last_name, dep.first_name or None)
            _claim(w, inquiry, result)


def _claim(w: X12Writer, inquiry: StatusInquiry, result: StatusResult | None) -> None:
    w.segment("TRN", "2" if result else "1", inquiry.trace_number)
    if result is not None:
        if not result.statuses:
            raise X12WriteError(f"claim status result {inquiry.trace_number} has no STC")
        for status in result.statuses:
            w.segment(
                "STC",
                status.composite(),
                fmt_date(result.status_date),
                None,
                fmt_amount(result.total_charge),
                fmt_amount(result.paid_amount) if result.paid_amount is not None else None,
                fmt_date(result.adjudication_date) if result.adjudication_date else None,
                None,
                fmt_date(result.check_date) if result.check_date else None,
                result.check_number or None,
            )
    if inquiry.payer_claim_control_number:
        w.segment("REF", "1K", inquiry.payer_claim_control_number)
    if inquiry.bill_type:
        w.segment("REF", "BLT", inquiry.bill_type)
    if inquiry.patient_account_number:
        w.segment("REF", "EJ", inquiry.patient_account_number)
    if result is None and inquiry.total_charge is not None:
        w.segment("AMT", "T3", fmt_amount(inquiry.total_charge))
    _service_dates(w, inquiry.service_date, inquiry.service_date_end)


def write_276(request: ClaimStatusRequest, out: TextIO, envelope: Envelope) -> None:
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("HR", VERSION_X212)
    w.begin_transaction("276", VERSION_X212)
    c = envelope.created
    w.segment("BHT", "0010", "13", request.reference, fmt_date(c), c.strftime("%H%M"))
    _hierarchy(
        w,
        (request.payer_name, request.payer_id),
        (request.receiver_name, request.receiver_id),
        ((i, None) for i in request.inquiries),
        response=False,
    )
    w.end_transaction()
    w.end_group()
    w.end_interchange()


def write_277(response: ClaimStatusResponse, out: TextIO, envelope: Envelope) -> None:
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("HN", VERSION_X212)
    w.begin_transaction("277", VERSION_X212)
    c = envelope.created
    w.segment("BHT", "0010", "08", response.reference, fmt_date(c), c.strftime("%H%M"), "DG")
    _hierarchy(
        w,
        (response.payer_name, response.payer_id),
        (response.receiver_name, response.receiver_id),
        ((r.inquiry, r) for r in response.results),
        response=True,
    )
    w.end_transaction()
    w.end_group()
    w.end_interchange()


def build_276(request: ClaimStatusRequest, envelope: Envelope) -> str:
    return render(lambda out: write_276(request, out, envelope))


def build_277(response: ClaimStatusResponse, envelope: Envelope) -> str:
    return render(lambda out: write_277(response, out, envelope))


class _StatusReader:
    def __init__(self) -> None:
        self.request: ClaimStatusRequest | None = None
        self.response: ClaimStatusResponse | None = None
        self.level = ""
        self.provider = ("", "")
        self.subscriber: dict[str, object] = {}
        self.dependent: Dependent | None = None
        self.pending_dmg: tuple[date | None, str] = (None, "")
        self.inquiry: StatusInquiry | None = None
        self.result: StatusResult | None = None

    def _new_claim(self, trace: str) -> None:
        sub = self.subscriber
        self.inquiry = StatusInquiry(
            trace_number=trace,
            provider_name=self.provider[0],
            provider_npi=self.provider[1],
            subscriber_last_name=str(sub.get("last", "")),
            subscriber_first_name=str(sub.get("first", "")),
            member_id=str(sub.get("id", "")),
            subscriber_birth_date=sub.get("dob"),  # type: ignore[arg-type]
            subscriber_sex=str(sub.get("sex", "")),
            dependent=self.dependent,
            service_date=date.min,
        )
        if self.response is not None:
            self.result = StatusResult(self.inquiry, [], date.min)
            self.response.results.append(self.result)
        elif self.request is not None:
            self.request.inquiries.append(self.inquiry)

    def feed(self, seg: Segment) -> None:
        sid = seg.id
        if sid == "ST":
            if seg.get(1) == "276":
                self.request = ClaimStatusRequest("", "", "", "", [])
            elif seg.get(1) == "277":
                self.response = ClaimStatusResponse("", "", "", "")
            else:
                raise X12Error(
                    "not a 276/277 transaction set", segment_id="ST", element_index=1,
                    segment_position=seg.position, line=seg.line, bad_value=seg.get(1),
                )  # fmt: skip
        elif sid == "BHT":
            doc = self.request or self.response
            if doc is not None:
                doc.reference = seg.get(3)
        elif sid == "HL":
            self.level = seg.get(3)
            if self.level == "22":
                self.subscriber, self.dependent = {}, None
            self.pending_dmg = (None, "")
        elif sid == "DMG":
            self.pending_dmg = (parse_d8(seg.get(2)), seg.get(3))
        elif sid == "NM1":
            self._nm1(seg)
        elif sid == "TRN":
            self._new_claim(trace_number(seg))
        elif sid == "STC" and self.result is not None:
            comp = seg.components(1)
            self.result.statuses.append(
                ClaimStatus(
                    comp[0], comp[1] if len(comp) > 1 else "", comp[2] if len(comp) > 2 else ""
                )
            )
            self.result.status_date = parse_d8(seg.get(2)) or date.min
            self.result.total_charge = parse_amount(seg.get(4)) or Decimal(0)
            self.result.paid_amount = parse_amount(seg.get(5))
            self.result.adjudication_date = parse_d8(seg.get(6))
            self.result.check_date = parse_d8(seg.get(8))
            self.result.check_number = seg.get(9)
        elif sid == "REF" and self.inquiry is not None:
            qual, value = seg.get(1), seg.get(2)
            if qual == "1K":
                self.inquiry.payer_claim_control_number = value
            elif qual == "BLT":
                self.inquiry.bill_type = value
            elif qual == "EJ":
                self.inquiry.patient_account_number = value
        elif sid == "AMT" and self.inquiry is not None and seg.get(1) == "T3":
            self.inquiry.total_charge = parse_amount(seg.get(2))
        elif sid == "DTP" and self.inquiry is not None and seg.get(1) == "472":
            first, _, last = seg.get(3).partition("-")
            start = parse_d8(first)
            end = parse_d8(last) if last else None
            if start is None or (last and end is None):
                raise X12Error(
                    f"invalid service date {seg.get(3)!r}", segment_id="DTP",
                    segment_position=seg.position, element_index=3, line=seg.line,
                    element_code=ElementErrorCode.INVALID_DATE, bad_value=seg.get(3),
                )  # fmt: skip
            self.inquiry.service_date = start
            self.inquiry.service_date_end = end if end != start else None

    def _nm1(self, seg: Segment) -> None:
        code = seg.get(1)
        doc = self.request or self.response
        if doc is None:
            return
        if code == "PR":
            doc.payer_name, doc.payer_id = seg.get(3), seg.get(9)
        elif code == "41":
            doc.receiver_name, doc.receiver_id = seg.get(3), seg.get(9)
        elif code == "1P":
            self.provider = (seg.get(3), seg.get(9))
        elif code == "IL":
            dob, sex = self.pending_dmg
            self.subscriber = {
                "last": seg.get(3),
                "first": seg.get(4),
                "id": seg.get(9),
                "dob": dob,
                "sex": sex,
            }
        elif code == "QC":
            dob, sex = self.pending_dmg
            self.dependent = Dependent(seg.get(3), seg.get(4), dob, sex)


def read_claim_status(
    source: IO[str] | IO[bytes] | str | bytes,
) -> ClaimStatusRequest | ClaimStatusResponse:
    """Read the first 276 or 277 transaction set of ``source``."""
    reader = _StatusReader()
    for seg in SegmentReader(source):
        if seg.id == "SE":
            break
        reader.feed(seg)
    doc = reader.request or reader.response
    if doc is None:
        raise X12Error("no 276/277 transaction set found")
    return doc
