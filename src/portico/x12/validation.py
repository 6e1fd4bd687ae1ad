"""Envelope and control-structure validation of X12 5010 interchanges.

Checks what every receiver must check before reading a transaction (the X12 control standard
rules a 999 and a TA1 report): ISA fixed widths and values, ISA/IEA, GS/GE and ST/SE control
numbers, SE01 segment counts, GE01 and IEA01 counts, supported functional groups and
implementation guides, segment ID syntax. The result is structured like the acknowledgments
(interchange -> group -> transaction set -> IK3 segment errors -> IK4 element errors), so the
999 and TA1 writers only format it.

The validator is incremental (:meth:`EnvelopeValidator.feed` one segment at a time) so that the
837 reader validates the envelope in the same single streaming pass that yields claims, and
transaction readers can add their own IK3/IK4 findings (with loop IDs) to the open set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from portico.x12.errors import (
    AckCode,
    ElementErrorCode,
    GroupErrorCode,
    InterchangeNoteCode,
    SegmentErrorCode,
    TransactionSetErrorCode,
    X12Error,
    X12SyntaxError,
)
from portico.x12.tokenizer import Segment, SegmentReader

__all__ = [
    "SUPPORTED_GUIDES",
    "ElementError",
    "EnvelopeValidator",
    "GroupResult",
    "InterchangeResult",
    "SegmentError",
    "TransactionSetResult",
    "ValidationResult",
    "validate_envelope",
]

# (GS01 functional identifier, GS08 implementation guide) -> ST01 transaction set.
SUPPORTED_GUIDES: dict[tuple[str, str], str] = {
    ("HC", "005010X222A1"): "837",
    ("HC", "005010X223A2"): "837",
    ("HC", "005010X223A3"): "837",
    ("HI", "005010X217"): "278",
    ("HR", "005010X212"): "276",
    ("HN", "005010X212"): "277",
    ("HN", "005010X214"): "277",
    ("HP", "005010X221A1"): "835",
    ("FA", "005010X231A1"): "999",
}

MAX_SEGMENT_ERRORS = 500  # per transaction set; a 999 listing more helps nobody

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z")
_CONTROL_NUMBER = re.compile(r"[0-9]{1,9}\Z")

# ISA element: (fixed width, TA105 code when the element is wrong)
_ISA_FIELDS: tuple[tuple[int, InterchangeNoteCode], ...] = (
    (2, InterchangeNoteCode.INVALID_AUTHORIZATION_QUALIFIER),
    (10, InterchangeNoteCode.INVALID_AUTHORIZATION_QUALIFIER),
    (2, InterchangeNoteCode.INVALID_SECURITY_QUALIFIER),
    (10, InterchangeNoteCode.INVALID_SECURITY_QUALIFIER),
    (2, InterchangeNoteCode.INVALID_SENDER_QUALIFIER),
    (15, InterchangeNoteCode.INVALID_SENDER_ID),
    (2, InterchangeNoteCode.INVALID_RECEIVER_QUALIFIER),
    (15, InterchangeNoteCode.INVALID_RECEIVER_ID),
    (6, InterchangeNoteCode.INVALID_DATE),
    (4, InterchangeNoteCode.INVALID_TIME),
    (1, InterchangeNoteCode.INVALID_STANDARDS_ID),
    (5, InterchangeNoteCode.INVALID_VERSION_ID),
    (9, InterchangeNoteCode.INVALID_CONTROL_NUMBER),
    (1, InterchangeNoteCode.INVALID_ACK_REQUESTED),
    (1, InterchangeNoteCode.INVALID_TEST_INDICATOR),
    (1, InterchangeNoteCode.INVALID_COMPONENT_SEPARATOR),
)


@dataclass(slots=True)
class ElementError:
    """One IK4: an element error inside a segment."""

    position: int
    code: ElementErrorCode
    component: int | None = None
    repetition: int | None = None
    reference: str | None = None  # IK402 data element reference number
    bad_value: str | None = None
    message: str = ""


@dataclass(slots=True)
class SegmentError:
    """One IK3: a segment error, positioned within its transaction set (ST is 1)."""

    segment_id: str
    position: int
    code: SegmentErrorCode | None = None
    loop_id: str | None = None
    elements: list[ElementError] = field(default_factory=list)
    message: str = ""
    line: int | None = None

    @property
    def effective_code(self) -> SegmentErrorCode:
        return self.code or SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS


@dataclass(slots=True)
class TransactionSetResult:
    """The IK5 level: one transaction set (ST..SE) and what is wrong with it."""

    set_id: str
    control_number: str
    implementation_reference: str = ""
    segment_errors: list[SegmentError] = field(default_factory=list)
    errors: list[TransactionSetErrorCode] = field(default_factory=list)
    segment_count: int = 0
    start_position: int = 0
    omitted_segment_errors: int = 0

    @property
    def ack_code(self) -> AckCode:
        if self.errors or self.segment_errors or self.omitted_segment_errors:
            return AckCode.REJECTED
        return AckCode.ACCEPTED

    @property
    def accepted(self) -> bool:
        return self.ack_code in (AckCode.ACCEPTED, AckCode.ACCEPTED_WITH_ERRORS)

    def add(self, error: SegmentError) -> None:
        if len(self.segment_errors) >= MAX_SEGMENT_ERRORS:
            self.omitted_segment_errors += 1
            return
        self.segment_errors.append(error)

    @property
    def syntax_codes(self) -> list[TransactionSetErrorCode]:
        """IK502..IK506: explicit codes, plus 5 when segments are in error."""
        codes = list(dict.fromkeys(self.errors))
        if (self.segment_errors or self.omitted_segment_errors) and (
            TransactionSetErrorCode.SEGMENTS_IN_ERROR not in codes
        ):
            codes.append(TransactionSetErrorCode.SEGMENTS_IN_ERROR)
        return codes[:5]


@dataclass(slots=True)
class GroupResult:
    """The AK9 level: one functional group (GS..GE)."""

    functional_id: str
    control_number: str
    version: str
    sender_code: str = ""
    receiver_code: str = ""
    transaction_sets: list[TransactionSetResult] = field(default_factory=list)
    errors: list[GroupErrorCode] = field(default_factory=list)
    declared_set_count: int | None = None
    interchange_rejected: bool = False

    @property
    def supported(self) -> bool:
        return (self.functional_id, self.version) in SUPPORTED_GUIDES

    @property
    def accepted_count(self) -> int:
        if self.errors or self.interchange_rejected:
            return 0
        return sum(1 for ts in self.transaction_sets if ts.accepted)

    @property
    def ack_code(self) -> AckCode:
        if self.errors or self.interchange_rejected or not self.transaction_sets:
            return AckCode.REJECTED
        accepted = self.accepted_count
        if accepted == 0:
            return AckCode.REJECTED
        if accepted < len(self.transaction_sets):
            return AckCode.PARTIALLY_ACCEPTED
        return AckCode.ACCEPTED


@dataclass(slots=True)
class InterchangeResult:
    """The TA1 level: one interchange (ISA..IEA)."""

    control_number: str
    sender_qualifier: str = ""
    sender_id: str = ""
    receiver_qualifier: str = ""
    receiver_id: str = ""
    date: str = ""
    time: str = ""
    usage_indicator: str = ""
    acknowledgment_requested: bool = False
    groups: list[GroupResult] = field(default_factory=list)
    notes: list[InterchangeNoteCode] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def accepted(self) -> bool:
        return not self.notes

    def reject(self, note: InterchangeNoteCode, message: str) -> None:
        if note not in self.notes:
            self.notes.append(note)
        self.messages.append(message)
        for group in self.groups:
            group.interchange_rejected = True


@dataclass(slots=True)
class ValidationResult:
    """Everything found in one file: interchanges plus a fatal tokenizer error, if any."""

    interchanges: list[InterchangeResult] = field(default_factory=list)
    fatal: X12SyntaxError | None = None

    @property
    def accepted(self) -> bool:
        """True when the whole file is accepted: every interchange, group and set."""
        return (
            self.fatal is None
            and bool(self.interchanges)
            and all(
                ix.accepted and ix.groups and all(g.ack_code is AckCode.ACCEPTED for g in ix.groups)
                for ix in self.interchanges
            )
        )

    def groups(self) -> Iterable[GroupResult]:
        for ix in self.interchanges:
            yield from ix.groups

    def accepted_sets(self) -> set[tuple[str, str, str]]:
        """(ISA13, GS06, ST02) of every accepted transaction set, to filter streamed claims."""
        out: set[tuple[str, str, str]] = set()
        for ix in self.interchanges:
            if not ix.accepted:
                continue
            for group in ix.groups:
                if group.errors:
                    continue
                for ts in group.transaction_sets:
                    if ts.accepted:
                        out.add((ix.control_number, group.control_number, ts.control_number))
        return out


def _valid_datetime(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


class EnvelopeValidator:
    """Feed segments in order; read :attr:`result` (after :meth:`finish`)."""

    def __init__(self, supported: dict[tuple[str, str], str] | None = None) -> None:
        self.supported = SUPPORTED_GUIDES if supported is None else supported
        self.result = ValidationResult()
        self._ix: InterchangeResult | None = None
        self._group: GroupResult | None = None
        self._set: TransactionSetResult | None = None
        self._group_numbers: set[str] = set()
        self._set_numbers: set[str] = set()
        self._expected_set_id: str | None = None
        self._finished = False
        self._envelope_segments = {
            "ISA": self._isa,
            "IEA": self._iea,
            "GS": self._gs,
            "GE": self._ge,
            "ST": self._st,
            "SE": self._se,
        }
        self._good_ids: set[str] = set()  # segment IDs already found well-formed

    # -- public API -------------------------------------------------------------------------

    @property
    def current_set(self) -> TransactionSetResult | None:
        return self._set

    @property
    def current_group(self) -> GroupResult | None:
        return self._group

    @property
    def current_interchange(self) -> InterchangeResult | None:
        return self._ix

    def position_in_set(self, segment: Segment) -> int:
        """IK302 position of ``segment`` in the open transaction set (ST is 1)."""
        if self._set is None:
            return segment.position
        return segment.position - self._set.start_position + 1

    def add_segment_error(self, error: SegmentError) -> None:
        """Record an IK3 found by a transaction reader in the open transaction set."""
        if self._set is not None:
            self._set.add(error)

    def feed(self, seg: Segment) -> None:
        seg_id = seg.id
        envelope = self._envelope_segments.get(seg_id)
        if envelope is not None:
            envelope(seg)
        elif self._set is not None:
            self._set.segment_count += 1
            if seg_id not in self._good_ids:
                if not _SEGMENT_ID.match(seg_id):
                    self._set.add(
                        SegmentError(
                            seg_id[:3] or "?",
                            self.position_in_set(seg),
                            SegmentErrorCode.UNRECOGNIZED_SEGMENT_ID,
                            message=f"{seg_id!r} is not a segment ID",
                            line=seg.line,
                        )
                    )
                elif len(self._good_ids) < 1000:  # remembered: a file uses a few dozen
                    self._good_ids.add(seg_id)
        else:
            ix = self._require_interchange(seg)
            ix.reject(
                InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                f"segment {seg_id!r} at #{seg.position} is outside any transaction set",
            )

    def fail(self, error: X12SyntaxError) -> None:
        """Record a fatal tokenizer error; trailers not seen are reported as missing."""
        self.result.fatal = error
        if self._ix is not None:
            self._ix.reject(InterchangeNoteCode(error.ta1_code), str(error))

    def finish(self) -> ValidationResult:
        if self._finished:
            return self.result
        self._finished = True
        if self._set is not None:
            self._close_set_missing_trailer()
        if self._group is not None:
            self._group.errors.append(GroupErrorCode.TRAILER_MISSING)
            self._group = None
        if self._ix is not None and not self._ix.closed:
            self._ix.reject(InterchangeNoteCode.PREMATURE_END_OF_FILE, "IEA segment missing")
        if not self.result.interchanges and self.result.fatal is None:
            self.result.fatal = X12SyntaxError(
                "no interchange found", ta1_code=InterchangeNoteCode.INVALID_CONTENT
            )
        return self.result

    # -- envelope segments ------------------------------------------------------------------

    def _require_interchange(self, seg: Segment) -> InterchangeResult:
        if self._ix is None:
            ix = InterchangeResult(control_number="000000000")
            ix.reject(
                InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                f"segment {seg.id} at #{seg.position} comes before any ISA",
            )
            self.result.interchanges.append(ix)
            self._ix = ix
        return self._ix

    def _isa(self, seg: Segment) -> None:
        if self._ix is not None and not self._ix.closed:
            self.finish_interchange_missing_trailer()
        els = seg.elements
        ix = InterchangeResult(control_number=seg.get(13).strip() or "000000000")
        self.result.interchanges.append(ix)
        self._ix = ix
        self._group_numbers = set()
        if len(els) != 17:
            ix.reject(
                InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                f"ISA has {len(els) - 1} elements, 16 are required",
            )
        for index, (width, note) in enumerate(_ISA_FIELDS, start=1):
            value = seg.get(index)
            if index < len(els) and len(value) != width:
                ix.reject(note, f"ISA{index:02d} must be exactly {width} characters")
        ix.sender_qualifier, ix.sender_id = seg.get(5), seg.get(6).strip()
        ix.receiver_qualifier, ix.receiver_id = seg.get(7), seg.get(8).strip()
        ix.date, ix.time = seg.get(9), seg.get(10)
        ix.usage_indicator = seg.get(15)
        ix.acknowledgment_requested = seg.get(14) == "1"
        if not _valid_datetime(seg.get(9), "%y%m%d"):
            ix.reject(InterchangeNoteCode.INVALID_DATE, "ISA09 is not a valid YYMMDD date")
        if not _valid_datetime(seg.get(10), "%H%M"):
            ix.reject(InterchangeNoteCode.INVALID_TIME, "ISA10 is not a valid HHMM time")
        if seg.get(12) != "00501":
            ix.reject(InterchangeNoteCode.VERSION_NOT_SUPPORTED, "ISA12 must be 00501")
        if not re.fullmatch(r"[0-9]{9}", seg.get(13)):
            ix.reject(InterchangeNoteCode.INVALID_CONTROL_NUMBER, "ISA13 must be 9 digits")
        if seg.get(14) not in ("0", "1"):
            ix.reject(InterchangeNoteCode.INVALID_ACK_REQUESTED, "ISA14 must be 0 or 1")
        if seg.get(15) not in ("P", "T"):
            ix.reject(InterchangeNoteCode.INVALID_TEST_INDICATOR, "ISA15 must be P or T")

    def finish_interchange_missing_trailer(self) -> None:
        if self._set is not None:
            self._close_set_missing_trailer()
        if self._group is not None:
            self._group.errors.append(GroupErrorCode.TRAILER_MISSING)
            self._group = None
        if self._ix is not None:
            self._ix.reject(InterchangeNoteCode.PREMATURE_END_OF_FILE, "IEA segment missing")
            self._ix.closed = True

    def _iea(self, seg: Segment) -> None:
        ix = self._require_interchange(seg)
        if self._set is not None:
            self._close_set_missing_trailer()
        if self._group is not None:
            self._group.errors.append(GroupErrorCode.TRAILER_MISSING)
            self._group = None
        if seg.get(1) != str(len(ix.groups)):
            ix.reject(
                InterchangeNoteCode.INVALID_GROUP_COUNT,
                f"IEA01 says {seg.get(1)!r} groups, the interchange has {len(ix.groups)}",
            )
        if seg.get(2) != ix.control_number:
            ix.reject(
                InterchangeNoteCode.CONTROL_NUMBER_MISMATCH,
                f"IEA02 {seg.get(2)!r} does not match ISA13 {ix.control_number!r}",
            )
        ix.closed = True

    def _gs(self, seg: Segment) -> None:
        ix = self._require_interchange(seg)
        if self._set is not None:
            self._close_set_missing_trailer()
        if self._group is not None:
            self._group.errors.append(GroupErrorCode.TRAILER_MISSING)
        group = GroupResult(
            functional_id=seg.get(1),
            control_number=seg.get(6),
            version=seg.get(8),
            sender_code=seg.get(2),
            receiver_code=seg.get(3),
            interchange_rejected=not ix.accepted,
        )
        ix.groups.append(group)
        self._group = group
        self._set_numbers = set()
        if not _CONTROL_NUMBER.match(group.control_number):
            group.errors.append(GroupErrorCode.CONTROL_NUMBER_SYNTAX)
        elif group.control_number in self._group_numbers:
            group.errors.append(GroupErrorCode.CONTROL_NUMBER_NOT_UNIQUE)
        self._group_numbers.add(group.control_number)
        known_ids = {fid for fid, _ in self.supported}
        if group.functional_id not in known_ids:
            group.errors.append(GroupErrorCode.NOT_SUPPORTED)
        elif (group.functional_id, group.version) not in self.supported:
            group.errors.append(GroupErrorCode.VERSION_NOT_SUPPORTED)
        self._expected_set_id = self.supported.get((group.functional_id, group.version))
        if not (_valid_datetime(seg.get(4), "%Y%m%d") and seg.get(7) == "X"):
            group.errors.append(GroupErrorCode.NOT_SUPPORTED)

    def _ge(self, seg: Segment) -> None:
        group = self._group
        if group is None:
            ix = self._require_interchange(seg)
            ix.reject(
                InterchangeNoteCode.INVALID_CONTROL_STRUCTURE, f"GE at #{seg.position} without GS"
            )
            return
        if self._set is not None:
            self._close_set_missing_trailer()
        if seg.get(1) != str(len(group.transaction_sets)):
            group.errors.append(GroupErrorCode.SET_COUNT_MISMATCH)
        try:
            group.declared_set_count = int(seg.get(1))
        except ValueError:
            group.declared_set_count = None
        if seg.get(2) != group.control_number:
            group.errors.append(GroupErrorCode.CONTROL_NUMBER_MISMATCH)
        self._group = None

    def _st(self, seg: Segment) -> None:
        group = self._group
        if group is None:
            ix = self._require_interchange(seg)
            ix.reject(
                InterchangeNoteCode.INVALID_CONTROL_STRUCTURE, f"ST at #{seg.position} without GS"
            )
            group = GroupResult(functional_id="", control_number="", version="")
            group.errors.append(GroupErrorCode.TRAILER_MISSING)
            ix.groups.append(group)
            self._group = group
        if self._set is not None:
            self._close_set_missing_trailer()
        ts = TransactionSetResult(
            set_id=seg.get(1),
            control_number=seg.get(2),
            implementation_reference=seg.get(3),
            segment_count=1,
            start_position=seg.position,
        )
        group.transaction_sets.append(ts)
        self._set = ts
        expected = self._expected_set_id
        if not re.fullmatch(r"[0-9]{3}", ts.set_id):
            ts.errors.append(TransactionSetErrorCode.MISSING_OR_INVALID_SET_ID)
        elif expected is None:
            ts.errors.append(TransactionSetErrorCode.NOT_SUPPORTED)
        elif ts.set_id != expected:
            ts.errors.append(TransactionSetErrorCode.MISSING_OR_INVALID_SET_ID)
        if not re.fullmatch(r"[A-Za-z0-9]{4,9}", ts.control_number):
            ts.errors.append(TransactionSetErrorCode.MISSING_OR_INVALID_CONTROL_NUMBER)
        elif ts.control_number in self._set_numbers:
            ts.errors.append(TransactionSetErrorCode.CONTROL_NUMBER_NOT_UNIQUE)
        self._set_numbers.add(ts.control_number)
        if ts.implementation_reference and ts.implementation_reference != group.version:
            ts.add(
                SegmentError(
                    "ST",
                    1,
                    SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS,
                    elements=[
                        ElementError(
                            3,
                            ElementErrorCode.INVALID_CODE_VALUE,
                            reference="1705",
                            bad_value=ts.implementation_reference,
                            message="ST03 must repeat GS08",
                        )
                    ],
                    line=seg.line,
                )
            )

    def _se(self, seg: Segment) -> None:
        ts = self._set
        if ts is None:
            ix = self._require_interchange(seg)
            ix.reject(
                InterchangeNoteCode.INVALID_CONTROL_STRUCTURE, f"SE at #{seg.position} without ST"
            )
            return
        ts.segment_count += 1
        if seg.get(1) != str(ts.segment_count):
            ts.errors.append(TransactionSetErrorCode.SEGMENT_COUNT_MISMATCH)
        if seg.get(2) != ts.control_number:
            ts.errors.append(TransactionSetErrorCode.CONTROL_NUMBER_MISMATCH)
        self._set = None

    def _close_set_missing_trailer(self) -> None:
        if self._set is not None:
            self._set.errors.append(TransactionSetErrorCode.TRAILER_MISSING)
            self._set = None


def validate_envelope(
    source: IO[str] | IO[bytes] | str | bytes,
    *,
    supported: dict[tuple[str, str], str] | None = None,
) -> ValidationResult:
    """Validate the envelopes of a whole file in one streaming pass."""
    validator = EnvelopeValidator(supported)
    try:
        for seg in SegmentReader(source):
            validator.feed(seg)
    except X12SyntaxError as exc:
        validator.fail(exc)
    return validator.finish()


def reject_for_reader_error(result: ValidationResult, error: X12Error) -> None:
    """A transaction set's reader refused a document whose envelopes are sound: record the
    reader's error in the set it occurred in (IK3, with IK4 when the element is known), so the
    999 rejects that set and says where, instead of accepting what was not processed. A result
    whose envelopes were refused already says why: it is left as it is."""
    sets = [ts for g in result.groups() for ts in g.transaction_sets]
    if not sets or not result.accepted:
        return
    position = error.segment_position
    target = sets[0]
    if position is not None:
        for ts in sets:
            if ts.start_position <= position:
                target = ts
    if error.segment_id is None:
        target.errors.append(TransactionSetErrorCode.IMPLEMENTATION_CONVENTION_NOT_SUPPORTED)
        return
    elements = (
        [
            ElementError(
                position=error.element_index,
                code=ElementErrorCode(error.element_code or ElementErrorCode.INVALID_CODE_VALUE),
                component=error.component_index,
                bad_value=error.bad_value,
                message=error.message,
            )
        ]
        if error.element_index is not None
        else []
    )
    target.add(
        SegmentError(
            segment_id=error.segment_id,
            position=position - target.start_position + 1 if position is not None else 1,
            code=(
                SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS
                if elements
                else SegmentErrorCode.UNEXPECTED_SEGMENT
            ),
            elements=elements,
            message=error.message,
            line=error.line,
        )
    )
