"""278 Health Care Services Review (005010X217): request and response writer and reader.

Prior authorizations and referrals travel as 278s. The hierarchy is the guide's:
utilization management organisation (UMO, HL 20) > requester (21) > subscriber (22) >
optional dependent (23) > patient event (EV) > services (SS). The request carries UM (what is
asked: category, certification type, service type, place, urgency), HI diagnoses, dates, the
servicing providers and the services (SV1 professional / SV2 institutional). The response
adds HCR, the review decision: HCR01 action (A1 certified in total, A2 partially, A3 not
certified, A4 pended, A6 modified, C cancelled, CT contact payer, NA no action required),
HCR02 the certification number, HCR03 the decision reason.

pyx12 has no 005010X217 map, so these documents are checked by the package's envelope
validator and by reading them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import IO, TextIO

from portico.x12.errors import X12Error, X12WriteError
from portico.x12.models837 import Diagnosis
from portico.x12.reader837 import parse_amount, parse_d8
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.writer import Envelope, X12Writer, fmt_amount, fmt_date, fmt_decimal, render

__all__ = [
    "AuthParty",
    "Decision",
    "ReviewAction",
    "ReviewedService",
    "ServiceReview",
    "build_278",
    "read_278",
    "write_278",
]

VERSION_278 = "005010X217"


class ReviewAction(StrEnum):
    """HCR01 Action Code."""

    CERTIFIED = "A1"
    PARTIALLY_CERTIFIED = "A2"
    NOT_CERTIFIED = "A3"
    PENDED = "A4"
    MODIFIED = "A6"
    CANCELLED = "C"
    CONTACT_PAYER = "CT"
    NO_ACTION_REQUIRED = "NA"


@dataclass(slots=True)
class Decision:
    action: ReviewAction
    certification_number: str = ""  # HCR02, required when certified (A1, A2, A6)
    reason_code: str = ""  # HCR03, Health Care Services Review Decision Reason Code
    effective_date: date | None = None  # DTP*007
    expiration_date: date | None = None  # DTP*036
    issue_date: date | None = None  # DTP*102


@dataclass(slots=True)
class AuthParty:
    """A named, NPI-identified party: requester (1P/FA), servicing provider (SJ/FA/71...)."""

    entity_code: str
    name: str
    npi: str = ""
    first_name: str = ""
    entity_type: str = "1"
    taxonomy: str = ""
    tax_id: str = ""


@dataclass(slots=True)
class ReviewedService:
    """Loop 2000F: one requested service, with its decision in a response."""

    procedure_code: str
    quantity: Decimal
    trace_number: str = ""
    procedure_qualifier: str = "HC"
    modifiers: tuple[str, ...] = ()
    revenue_code: str = ""  # set -> SV2 (institutional), otherwise SV1
    unit_basis: str = "UN"
    charge: Decimal | None = None
    service_date: date | None = None
    service_date_end: date | None = None
    service_type: str = ""  # UM03 for this service
    decision: Decision | None = None
    provider: AuthParty | None = None


@dataclass(slots=True)
class ServiceReview:
    """One 278 request or response: a patient event with its services."""

    umo_name: str
    umo_id: str
    requester: AuthParty
    member_id: str
    subscriber_last_name: str
    trace_number: str  # TRN02 of the patient event, echoed in the response
    subscriber_first_name: str = ""
    subscriber_birth_date: date | None = None
    subscriber_sex: str = ""
    patient_last_name: str = ""  # dependent (HL 23) when the patient is not the subscriber
    patient_first_name: str = ""
    patient_birth_date: date | None = None
    patient_sex: str = ""
    request_category: str = "HS"  # UM01: AR admission, HS health services, SC specialty care
    certification_type: str = "I"  # UM02: I initial, R renewal, S revised, 4 extension, 3 cancel
    service_type: str = "1"  # UM03 Service Type Code
    facility_code: str = ""  # UM04-1 (place of service when qualifier is B)
    facility_qualifier: str = "B"
    level_of_service: str = ""  # UM06: E elective, U urgent, 03 emergency
    event_date: date | None = None  # DTP*AAH
    event_date_end: date | None = None
    admission_date: date | None = None  # DTP*435
    diagnoses: list[Diagnosis] = field(default_factory=list)
    servicing_providers: list[AuthParty] = field(default_factory=list)
    services: list[ReviewedService] = field(default_factory=list)
    decision: Decision | None = None  # set -> the document is a response
    reference: str = "1"  # BHT03
    trace_assigner: str = ""  # TRN03: "1" + EIN or "9" + another identifier (10 characters)

    @property
    def is_response(self) -> bool:
        return self.decision is not None or any(s.decision for s in self.services)


def _trace_assigner(review: ServiceReview) -> str:
    if review.trace_assigner:
        return review.trace_assigner
    if review.requester.tax_id:
        return "1" + review.requester.tax_id
    return "9" + (review.requester.npi or "000000000")[:9]


def _party(w: X12Writer, party: AuthParty) -> None:
    person = party.entity_type == "1"
    w.segment(
        "NM1", party.entity_code, party.entity_type, party.name,
        party.first_name or None if person else None, None, None, None,
        "XX" if party.npi else None, party.npi or None,
    )  # fmt: skip


def _range(w: X12Writer, qual: str, start: date | None, end: date | None) -> None:
    if start is None:
        return
    if end is not None and end != start:
        w.segment("DTP", qual, "RD8", f"{fmt_date(start)}-{fmt_date(end)}")
    else:
        w.segment("DTP", qual, "D8", fmt_date(start))


def _decision(w: X12Writer, decision: Decision | None) -> None:
    if decision is None:
        return
    certified = decision.action in (
        ReviewAction.CERTIFIED,
        ReviewAction.PARTIALLY_CERTIFIED,
        ReviewAction.MODIFIED,
    )
    if certified and not decision.certification_number:
        raise X12WriteError("a certified review needs its certification number (HCR02)")
    if decision.action in (ReviewAction.NOT_CERTIFIED, ReviewAction.PENDED) and not (
        decision.reason_code
    ):
        raise X12WriteError("a denied or pended review needs a decision reason (HCR03)")
    w.segment(
        "HCR",
        decision.action.value,
        decision.certification_number or None,
        decision.reason_code or None,
    )


def _decision_dates(w: X12Writer, decision: Decision | None) -> None:
    if decision is None:
        return
    if decision.issue_date:
        w.segment("DTP", "102", "D8", fmt_date(decision.issue_date))
    if decision.effective_date:
        w.segment("DTP", "007", "D8", fmt_date(decision.effective_date))
    if decision.expiration_date:
        w.segment("DTP", "036", "D8", fmt_date(decision.expiration_date))


def write_278(review: ServiceReview, out: TextIO, envelope: Envelope) -> None:
    """Write one 278 request (no decisions) or response (decisions present)."""
    response = review.is_response
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("HI", VERSION_278)
    w.begin_transaction("278", VERSION_278)
    c = envelope.created
    w.segment(
        "BHT", "0007", "11" if response else "13", review.reference, fmt_date(c), c.strftime("%H%M")
    )
    w.segment("HL", "1", None, "20", "1")
    w.segment("NM1", "X3", "2", review.umo_name, None, None, None, None, "PI", review.umo_id)
    w.segment("HL", "2", "1", "21", "1")
    _party(w, review.requester)
    if review.requester.tax_id:
        w.segment("REF", "EI", review.requester.tax_id)  # 2010B requester supplemental ID
    w.segment("HL", "3", "2", "22", "1")
    w.segment(
        "NM1", "IL", "1", review.subscriber_last_name, review.subscriber_first_name or None,
        None, None, None, "MI", review.member_id,
    )  # fmt: skip
    if review.subscriber_birth_date:
        w.segment(
            "DMG", "D8", fmt_date(review.subscriber_birth_date), review.subscriber_sex or None
        )
    parent = 3
    if review.patient_last_name:
        w.segment("HL", "4", "3", "23", "1")
        w.segment("NM1", "QC", "1", review.patient_last_name, review.patient_first_name or None)
        if review.patient_birth_date:
            w.segment("DMG", "D8", fmt_date(review.patient_birth_date), review.patient_sex or None)
        parent = 4
    event_hl = parent + 1
    w.segment("HL", str(event_hl), str(parent), "EV", "1" if review.services else "0")
    assigner = _trace_assigner(review)
    w.segment("TRN", "2" if response else "1", review.trace_number, assigner)
    w.segment(
        "UM",
        review.request_category,
        review.certification_type,
        review.service_type or None,
        [review.facility_code, review.facility_qualifier] if review.facility_code else None,
        None,
        review.level_of_service or None,
    )
    _decision(w, review.decision)
    _range(w, "AAH", review.event_date, review.event_date_end)
    if review.admission_date:
        w.segment("DTP", "435", "D8", fmt_date(review.admission_date))
    _decision_dates(w, review.decision)
    if review.diagnoses:
        w.segment("HI", *[[dx.qualifier, dx.code] for dx in review.diagnoses[:12]])
    for prov in review.servicing_providers:
        _party(w, prov)
        if prov.taxonomy:
            w.segment("PRV", "PE", "PXC", prov.taxonomy)
    hl = event_hl
    for svc in review.services:
        hl += 1
        w.segment("HL", str(hl), str(event_hl), "SS", "0")
        if svc.trace_number:
            w.segment("TRN", "2" if response else "1", svc.trace_number, assigner)
        w.segment(
            "UM", review.request_category, review.certification_type, svc.service_type or None
        )
        _decision(w, svc.decision)
        _range(w, "472", svc.service_date, svc.service_date_end)
        _decision_dates(w, svc.decision)
        procedure = [svc.procedure_qualifier, svc.procedure_code, *svc.modifiers[:4]]
        charge = fmt_amount(svc.charge) if svc.charge is not None else None
        if svc.revenue_code:
            w.segment(
                "SV2", svc.revenue_code, procedure, charge, svc.unit_basis or "UN",
                fmt_decimal(svc.quantity),
            )  # fmt: skip
        else:
            w.segment("SV1", procedure, charge, svc.unit_basis or "UN", fmt_decimal(svc.quantity))
        if svc.provider is not None:
            _party(w, svc.provider)
    w.end_transaction()
    w.end_group()
    w.end_interchange()


def build_278(review: ServiceReview, envelope: Envelope) -> str:
    return render(lambda out: write_278(review, out, envelope))


def _read_decision(seg: Segment) -> Decision:
    try:
        action = ReviewAction(seg.get(1))
    except ValueError:
        raise X12Error(
            f"HCR01 {seg.get(1)!r} is not a review action code",
            segment_id="HCR",
            segment_position=seg.position,
            element_index=1,
            line=seg.line,
        ) from None
    return Decision(action, seg.get(2), seg.get(3))


def read_278(source: IO[str] | IO[bytes] | str | bytes) -> ServiceReview:
    """Read the first 278 transaction set (request or response) of ``source``."""
    review = ServiceReview("", "", AuthParty("", ""), "", "", "")
    level = ""
    svc: ReviewedService | None = None
    decision_target: Decision | None = None
    seen_st = False
    for seg in SegmentReader(source):
        sid = seg.id
        if sid == "ST":
            if seg.get(1) != "278":
                raise X12Error("not a 278 transaction set", segment_id="ST", element_index=1)
            seen_st = True
        elif sid == "SE":
            break
        elif sid == "BHT":
            review.reference = seg.get(3)
        elif sid == "HL":
            level = seg.get(3)
            if level == "SS":
                svc = ReviewedService("", Decimal(0))
                review.services.append(svc)
        elif sid == "NM1":
            code = seg.get(1)
            party = AuthParty(code, seg.get(3), seg.get(9), seg.get(4), seg.get(2))
            if level == "20":
                review.umo_name, review.umo_id = seg.get(3), seg.get(9)
            elif level == "21":
                review.requester = party
            elif level == "22":
                review.subscriber_last_name = seg.get(3)
                review.subscriber_first_name = seg.get(4)
                review.member_id = seg.get(9)
            elif level == "23":
                review.patient_last_name, review.patient_first_name = seg.get(3), seg.get(4)
            elif level == "EV":
                review.servicing_providers.append(party)
            elif level == "SS" and svc is not None:
                svc.provider = party
        elif sid == "REF" and level == "21" and seg.get(1) == "EI":
            review.requester.tax_id = seg.get(2)
        elif sid == "PRV" and level == "EV" and review.servicing_providers:
            review.servicing_providers[-1].taxonomy = seg.get(3)
        elif sid == "DMG":
            born, sex = parse_d8(seg.get(2)), seg.get(3)
            if level == "22":
                review.subscriber_birth_date, review.subscriber_sex = born, sex
            elif level == "23":
                review.patient_birth_date, review.patient_sex = born, sex
        elif sid == "TRN":
            if level == "EV" and seg.get(1) in ("1", "2") and not review.trace_number:
                review.trace_number, review.trace_assigner = seg.get(2), seg.get(3)
            elif level == "SS" and svc is not None:
                svc.trace_number = seg.get(2)
        elif sid == "UM":
            if level == "EV":
                review.request_category = seg.get(1)
                review.certification_type = seg.get(2)
                review.service_type = seg.get(3)
                review.facility_code = seg.component(4, 1)
                review.facility_qualifier = seg.component(4, 2) or "B"
                review.level_of_service = seg.get(6)
            elif svc is not None:
                svc.service_type = seg.get(3)
        elif sid == "HCR":
            decision_target = _read_decision(seg)
            if level == "EV":
                review.decision = decision_target
            elif svc is not None:
                svc.decision = decision_target
        elif sid == "DTP":
            qual = seg.get(1)
            first, _, last = seg.get(3).partition("-")
            start, end = parse_d8(first), parse_d8(last) if last else None
            if start is None:
                raise X12Error(
                    f"invalid date {seg.get(3)!r}", segment_id="DTP",
                    segment_position=seg.position, element_index=3, line=seg.line,
                )  # fmt: skip
            target = review.decision if level == "EV" else svc.decision if svc else None
            if qual == "AAH":
                review.event_date, review.event_date_end = start, end
            elif qual == "435":
                review.admission_date = start
            elif qual == "472" and svc is not None:
                svc.service_date, svc.service_date_end = start, end
            elif qual in ("102", "007", "036") and target is not None:
                attr = {"102": "issue_date", "007": "effective_date", "036": "expiration_date"}
                setattr(target, attr[qual], start)
        elif sid == "HI":
            for index in range(1, len(seg.elements)):
                qual, code = seg.component(index, 1), seg.component(index, 2)
                review.diagnoses.append(Diagnosis(qual, code))
        elif sid in ("SV1", "SV2") and svc is not None:
            offset = 1 if sid == "SV2" else 0
            if sid == "SV2":
                svc.revenue_code = seg.get(1)
            parts = seg.components(1 + offset)
            svc.procedure_qualifier = parts[0]
            svc.procedure_code = parts[1] if len(parts) > 1 else ""
            svc.modifiers = tuple(m for m in parts[2:6] if m)
            svc.charge = parse_amount(seg.get(2 + offset))
            svc.unit_basis = seg.get(3 + offset)
            svc.quantity = parse_amount(seg.get(4 + offset)) or Decimal(0)
    if not seen_st:
        raise X12Error("no 278 transaction set found")
    return review
