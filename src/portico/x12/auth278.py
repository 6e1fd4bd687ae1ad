"""278 Health Care Services Review (005010X217): request and response writer and reader.

Prior authorizations and referrals travel as 278s. The hierarchy is the guide's:
utilization management organisation (UMO, HL 20) > requester (21) > subscriber (22) >
optional dependent (23) > patient event (EV) > services (SS). The request carries UM (what is
asked: category, certification type, service type, place, urgency), HI diagnoses, dates, the
servicing providers and the services (SV1 professional / SV2 institutional). The response
adds HCR, the review decision: HCR01 action (A1 certified in total, A2 partially, A3 not
certified, A4 pended, A6 modified, C cancelled, CT contact payer, NA no action required),
HCR02 the certification number, HCR03 the decision reason. A response echoes the request's
services as sent (SV1/SV2, the TRN of each service with its own TRN03); HSD reports the
quantity approved when it differs from the one asked.

A request the UMO cannot process is answered with a 278 response that echoes the request's
hierarchy and carries AAA (Request Validation) segments in the loops where the problems are,
instead of HCR: AAA01 ``N`` (``Y`` when the request is valid but still could not be processed,
e.g. AAA03 42), AAA02 empty, AAA03 the reject reason (element 901), AAA04 the follow-up action
(element 889). :class:`Rejection` names the loop; the writer puts each AAA where the guide's
response puts it: 2000A after HL; 2010A after NM1 (and PER); 2010B after NM1 and REF, before
PRV; 2010C/2010D after NM1 (REF, N3, N4), before DMG; 2000E and 2000F after HL and TRN, before
UM; 2010EA/2010FA after the provider's NM1 (REF, N3, N4, PER), before PRV. At most 9 AAA
segments at one position (the guide's repeat).

pyx12 has no 005010X217 map, so this module is hand-written from the guide (segment order,
loop positions, code lists) and its documents are checked by the package's envelope
validator and by reading them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import IO, TextIO

from portico.x12.errors import ElementErrorCode, X12Error, X12WriteError
from portico.x12.models837 import Diagnosis
from portico.x12.reader837 import parse_amount, parse_d8, trace_number
from portico.x12.tokenizer import Segment, SegmentReader
from portico.x12.writer import Envelope, X12Writer, fmt_amount, fmt_date, fmt_decimal, render

__all__ = [
    "FOLLOW_UP_CODES",
    "AuthParty",
    "Decision",
    "FollowUp",
    "RejectLoop",
    "RejectReason",
    "Rejection",
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


class RejectLoop(StrEnum):
    """Where an AAA (Request Validation) segment sits in a 278 response."""

    UMO_LEVEL = "2000A"  # the request as a whole (after HL*1**20)
    UMO = "2010A"  # the UMO / payer named in NM1*X3
    REQUESTER = "2010B"
    SUBSCRIBER = "2010C"
    DEPENDENT = "2010D"
    PATIENT_EVENT = "2000E"
    EVENT_PROVIDER = "2010EA"  # a patient event provider (servicing provider, facility, ...)
    SERVICE = "2000F"
    SERVICE_PROVIDER = "2010FA"  # the provider of one service


# Loops that repeat: a rejection there says which occurrence (Rejection.index).
_INDEXED = {RejectLoop.EVENT_PROVIDER, RejectLoop.SERVICE, RejectLoop.SERVICE_PROVIDER}


class RejectReason(StrEnum):
    """AAA03 Reject Reason Code (element 901): the codes Portico sends in 278 responses.

    The reader keeps any code it meets (``Rejection.reason`` is a plain string)."""

    REQUIRED_DATA_MISSING = "15"  # Required application data missing
    INPUT_ERRORS = "33"  # Input Errors
    ACCESS_RESTRICTED = "41"  # Authorization/Access Restrictions
    UNABLE_TO_RESPOND = "42"  # Unable to Respond at Current Time
    INVALID_PROVIDER_ID = "43"  # Invalid/Missing Provider Identification
    PROVIDER_NOT_ON_FILE = "51"  # Provider Not on File
    INVALID_SERVICE_DATES = "57"  # Invalid/Missing Date(s) of Service
    INVALID_BIRTH_DATE = "58"  # Invalid/Missing Date-of-Birth
    INVALID_MEMBER_ID = "72"  # Invalid/Missing Subscriber/Insured ID
    MEMBER_NOT_FOUND = "75"  # Subscriber/Insured Not Found
    INVALID_PARTICIPANT = "79"  # Invalid Participant Identification
    PATIENT_NOT_ELIGIBLE = "95"  # Patient Not Eligible
    INVALID_DIAGNOSIS = "AF"  # Invalid/Missing Diagnosis Code(s)
    INVALID_PROCEDURE = "AG"  # Invalid/Missing Procedure Code(s)


class FollowUp(StrEnum):
    """AAA04 Follow-up Action Code (element 889)."""

    CORRECT_AND_RESUBMIT = "C"  # Please Correct and Resubmit
    NO_RESUBMISSION = "N"  # Resubmission Not Allowed
    RESUBMIT_ORIGINAL = "P"  # Please Resubmit Original Transaction
    RESUBMISSION_ALLOWED = "R"  # Resubmission Allowed
    WILL_RESPOND = "Y"  # Do Not Resubmit; We Will Hold Your Request and Respond Again Shortly


# Element 889 codes a 278 response may carry (the reader accepts them all).
FOLLOW_UP_CODES = frozenset({"C", "N", "P", "R", "S", "W", "X", "Y"})
MAX_AAA = 9  # AAA repeats at most 9 times at one position
_MAX_QUANTITY = 15  # SV104 / SV205 (element 380) is R 1/15
_REASON = re.compile(r"[0-9A-Z]{2}")


@dataclass(slots=True, frozen=True)
class Rejection:
    """One AAA (Request Validation): why the request could not be processed as sent.

    ``index`` (from 0) says which occurrence of a repeating loop it is about: the service
    (``SERVICE``, ``SERVICE_PROVIDER``) or the patient event provider (``EVENT_PROVIDER``);
    it is ``None`` for the other loops. ``valid`` is AAA01: ``False`` ("N") when the request
    is not valid, ``True`` ("Y") when it is valid but was rejected all the same (42).
    """

    loop: RejectLoop
    reason: str  # AAA03, a RejectReason or any element 901 code
    follow_up: str = FollowUp.CORRECT_AND_RESUBMIT  # AAA04, element 889 ("" = not sent)
    index: int | None = None
    valid: bool = False


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
    trace_assigner: str = ""  # TRN03 of this service's trace (the event's when empty)
    # SV104/SV205 was sent but is not an X12 number in range ("1E400", 20 digits): the
    # quantity reads as 0, and this says it was not missing but wrong.
    quantity_invalid: bool = False
    # HSD02 of a response: the quantity the UMO approved when it differs from the one asked
    # (SV1/SV2 echo the request as sent; HSD says what was certified).
    approved_quantity: Decimal | None = None

    @property
    def whole_quantity(self) -> int | None:
        """SV104/SV205 as a count of units or visits: a positive whole number, else ``None``
        (nothing, 0, a fraction, a negative or an out-of-range value was sent)."""
        q = self.quantity
        if self.quantity_invalid or q <= 0 or q != q.to_integral_value():
            return None
        return int(q)


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
    rejections: list[Rejection] = field(default_factory=list)  # set -> a rejected response

    @property
    def is_response(self) -> bool:
        return (
            self.decision is not None
            or any(s.decision for s in self.services)
            or bool(self.rejections)
        )


def _trace_assigner(review: ServiceReview) -> str:
    if review.trace_assigner:
        return review.trace_assigner
    if review.requester.tax_id:
        return "1" + review.requester.tax_id
    return "9" + (review.requester.npi or "000000000")[:9]


def _party(w: X12Writer, party: AuthParty) -> None:
    person = party.entity_type == "1"
    w.segment(
        "NM1", party.entity_code, party.entity_type, w.text(party.name),
        w.text(party.first_name) or None if person else None, None, None, None,
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


def _check_rejections(review: ServiceReview) -> None:
    """Refuse rejections the document cannot carry (a loop it lacks, bad codes, too many)."""
    counts: dict[tuple[RejectLoop, int | None], int] = {}
    for rej in review.rejections:
        try:
            loop = RejectLoop(rej.loop)
        except ValueError:
            raise X12WriteError(f"{rej.loop!r} is not a loop that carries AAA") from None
        if not _REASON.fullmatch(rej.reason):
            raise X12WriteError(f"AAA03 {rej.reason!r} is not a reject reason code")
        if rej.follow_up and rej.follow_up not in FOLLOW_UP_CODES:
            raise X12WriteError(f"AAA04 {rej.follow_up!r} is not a follow-up action code")
        if loop in _INDEXED:
            size = (
                len(review.servicing_providers)
                if loop == RejectLoop.EVENT_PROVIDER
                else len(review.services)
            )
            if rej.index is None or not 0 <= rej.index < size:
                raise X12WriteError(f"a {loop.value} rejection names no {loop.value} loop")
            if loop == RejectLoop.SERVICE_PROVIDER and review.services[rej.index].provider is None:
                raise X12WriteError(f"service {rej.index + 1} has no provider (2010FA)")
        elif rej.index is not None:
            raise X12WriteError(f"loop {loop.value} does not repeat: no index")
        if loop == RejectLoop.DEPENDENT and not review.patient_last_name:
            raise X12WriteError("a 2010D rejection needs the dependent (patient) loop")
        key = (loop, rej.index)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > MAX_AAA:
            raise X12WriteError(f"at most {MAX_AAA} AAA segments in loop {loop.value}")


def _aaa(w: X12Writer, review: ServiceReview, loop: RejectLoop, index: int | None = None) -> None:
    for rej in review.rejections:
        if rej.loop == loop and rej.index == index:
            w.segment("AAA", "Y" if rej.valid else "N", None, rej.reason, rej.follow_up or None)


# SV103/SV204 unit basis -> HSD01 quantity qualifier (VS visits, DY days, FL units).
_HSD_QUALIFIERS = {"VS": "VS", "DA": "DY", "UN": "FL", "MJ": "MN"}


def write_278(review: ServiceReview, out: TextIO, envelope: Envelope) -> None:
    """Write one 278 request (no decisions) or response (decisions or rejections present)."""
    _check_rejections(review)
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
    _aaa(w, review, RejectLoop.UMO_LEVEL)
    w.segment(
        "NM1", "X3", "2", w.text(review.umo_name), None, None, None, None, "PI", review.umo_id
    )
    _aaa(w, review, RejectLoop.UMO)
    w.segment("HL", "2", "1", "21", "1")
    _party(w, review.requester)
    if review.requester.tax_id:
        w.segment("REF", "EI", review.requester.tax_id)  # 2010B requester supplemental ID
    _aaa(w, review, RejectLoop.REQUESTER)
    w.segment("HL", "3", "2", "22", "1")
    w.segment(
        "NM1", "IL", "1", w.text(review.subscriber_last_name),
        w.text(review.subscriber_first_name) or None,
        None, None, None, "MI", review.member_id,
    )  # fmt: skip
    _aaa(w, review, RejectLoop.SUBSCRIBER)
    if review.subscriber_birth_date:
        w.segment(
            "DMG", "D8", fmt_date(review.subscriber_birth_date), review.subscriber_sex or None
        )
    parent = 3
    if review.patient_last_name:
        w.segment("HL", "4", "3", "23", "1")
        w.segment(
            "NM1", "QC", "1", w.text(review.patient_last_name),
            w.text(review.patient_first_name) or None,
        )  # fmt: skip
        _aaa(w, review, RejectLoop.DEPENDENT)
        if review.patient_birth_date:
            w.segment("DMG", "D8", fmt_date(review.patient_birth_date), review.patient_sex or None)
        parent = 4
    event_hl = parent + 1
    w.segment("HL", str(event_hl), str(parent), "EV", "1" if review.services else "0")
    assigner = _trace_assigner(review)
    w.segment("TRN", "2" if response else "1", review.trace_number, assigner)
    _aaa(w, review, RejectLoop.PATIENT_EVENT)
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
    for number, prov in enumerate(review.servicing_providers):
        _party(w, prov)
        _aaa(w, review, RejectLoop.EVENT_PROVIDER, number)
        if prov.taxonomy:
            w.segment("PRV", "PE", "PXC", prov.taxonomy)
    hl = event_hl
    for number, svc in enumerate(review.services):
        hl += 1
        w.segment("HL", str(hl), str(event_hl), "SS", "0")
        if svc.trace_number:
            trn01 = "2" if response else "1"
            w.segment("TRN", trn01, svc.trace_number, svc.trace_assigner or assigner)
        _aaa(w, review, RejectLoop.SERVICE, number)
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
        if response and svc.approved_quantity is not None:
            qualifier = _HSD_QUALIFIERS.get(svc.unit_basis, "FL")
            w.segment("HSD", qualifier, fmt_decimal(svc.approved_quantity))
        if svc.provider is not None:
            _party(w, svc.provider)
            _aaa(w, review, RejectLoop.SERVICE_PROVIDER, number)
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
            bad_value=seg.get(1),
        ) from None
    return Decision(action, seg.get(2), seg.get(3))


# HL03 -> the name loop under it that may carry an AAA (2000B/C/D themselves carry none).
_LEVEL_LOOPS = {"21": RejectLoop.REQUESTER, "22": RejectLoop.SUBSCRIBER, "23": RejectLoop.DEPENDENT}


def _read_rejection(seg: Segment, review: ServiceReview, level: str, *, named: bool) -> Rejection:
    index: int | None = None
    if level == "20":
        loop = RejectLoop.UMO if named else RejectLoop.UMO_LEVEL
    elif level in _LEVEL_LOOPS:
        loop = _LEVEL_LOOPS[level]
    elif level == "EV":
        loop = RejectLoop.EVENT_PROVIDER if named else RejectLoop.PATIENT_EVENT
        index = len(review.servicing_providers) - 1 if named else None
    elif level == "SS" and review.services:
        loop = RejectLoop.SERVICE_PROVIDER if named else RejectLoop.SERVICE
        index = len(review.services) - 1
    else:
        raise X12Error(
            "AAA outside the loops of a 278 response", segment_id="AAA",
            segment_position=seg.position, line=seg.line,
        )  # fmt: skip
    return Rejection(loop, seg.get(3), seg.get(4), index, valid=seg.get(1) == "Y")


def read_278(source: IO[str] | IO[bytes] | str | bytes) -> ServiceReview:
    """Read the first 278 transaction set (request or response) of ``source``."""
    review = ServiceReview("", "", AuthParty("", ""), "", "", "")
    level = ""
    named = False  # an NM1 was read since the last HL: an AAA belongs to the name's loop
    svc: ReviewedService | None = None
    decision_target: Decision | None = None
    seen_st = False
    for seg in SegmentReader(source):
        sid = seg.id
        if sid == "ST":
            if seg.get(1) != "278":
                raise X12Error(
                    "not a 278 transaction set", segment_id="ST", element_index=1,
                    segment_position=seg.position, line=seg.line, bad_value=seg.get(1),
                )  # fmt: skip
            seen_st = True
        elif sid == "SE":
            break
        elif sid == "BHT":
            review.reference = seg.get(3)
        elif sid == "HL":
            level = seg.get(3)
            named = False
            if level == "SS":
                svc = ReviewedService("", Decimal(0))
                review.services.append(svc)
        elif sid == "NM1":
            named = True
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
        elif sid == "AAA":
            review.rejections.append(_read_rejection(seg, review, level, named=named))
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
                review.trace_number, review.trace_assigner = trace_number(seg), seg.get(3)
            elif level == "SS" and svc is not None:
                svc.trace_number = trace_number(seg)
                # Kept only when it is not the event's (empty means the event's, as written).
                svc.trace_assigner = "" if seg.get(3) == review.trace_assigner else seg.get(3)
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
                    element_code=ElementErrorCode.INVALID_DATE, bad_value=seg.get(3),
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
            sent = seg.get(4 + offset)
            quantity = parse_amount(sent) if len(sent) <= _MAX_QUANTITY else None
            svc.quantity = quantity if quantity is not None else Decimal(0)
            svc.quantity_invalid = bool(sent) and quantity is None
        elif sid == "HSD" and svc is not None:
            svc.approved_quantity = parse_amount(seg.get(2))
    if not seen_st:
        raise X12Error("no 278 transaction set found")
    return review
