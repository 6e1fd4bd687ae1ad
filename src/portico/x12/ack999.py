"""999 Implementation Acknowledgment (005010X231A1) and TA1 interchange acknowledgment writers.

Both only format a :class:`~portico.x12.validation.ValidationResult`: one 999 transaction set
per functional group received (AK1/AK2/IK3/IK4/IK5/AK9), and one TA1 per interchange.

Interchange-level problems (IEA01 count, ISA13/IEA02 mismatch, truncation) are TA1 matters; the
999 still reports them by rejecting every group of a rejected interchange (AK901 ``R``, AK904
``0``) so a submitter that only reads 999s also learns that nothing was accepted. When nothing
readable was received (not X12 at all), the 999 acknowledges the group the submitter was
expected to send (``expected_group``) as rejected with no transaction sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from portico.x12.errors import AckCode, GroupErrorCode, InterchangeNoteCode
from portico.x12.tokenizer import DEFAULT_DELIMITERS
from portico.x12.validation import GroupResult, InterchangeResult, ValidationResult
from portico.x12.writer import Envelope, X12Writer, render

__all__ = [
    "ExpectedGroup",
    "build_999",
    "build_ta1",
    "reply_envelope",
    "write_999",
    "write_ta1",
]

VERSION_999 = "005010X231A1"


@dataclass(frozen=True, slots=True)
class ExpectedGroup:
    """What to acknowledge when no functional group could be read at all."""

    functional_id: str = "HC"
    control_number: str = "0"
    version: str = "005010X222A1"


_UNSAFE = frozenset(
    DEFAULT_DELIMITERS.element
    + DEFAULT_DELIMITERS.component
    + DEFAULT_DELIMITERS.repetition
    + DEFAULT_DELIMITERS.segment
    + "\r\n"
)


def _clean(value: str, limit: int = 15) -> str:
    return "".join(ch for ch in value if ch not in _UNSAFE).strip()[:limit]


def reply_envelope(
    result: ValidationResult,
    *,
    control_number: int,
    created: datetime,
    sender: str = "PORTICO",
    receiver: str = "UNKNOWN",
) -> Envelope:
    """The envelope of an answer (999, 277, 278 response) to the interchange in ``result``:
    addressed back to whoever sent it. ISA05/ISA06 are the request's ISA07/ISA08 (Portico as
    it was addressed), ISA07/ISA08 the request's ISA05/ISA06; GS02 is the request's GS03 and
    GS03 its GS02; ISA15 (test or production) is echoed. ``sender`` and ``receiver`` stand in
    when nothing readable was received. ``control_number`` (ISA13/GS06) must come from the
    caller's sequence: every interchange sent carries its own."""
    ix = result.interchanges[0] if result.interchanges else None
    group = ix.groups[0] if ix is not None and ix.groups else None
    isa_sender = (_clean(ix.receiver_id) if ix else "") or sender
    isa_receiver = (_clean(ix.sender_id) if ix else "") or receiver
    gs_sender = (_clean(group.receiver_code) if group else "") or isa_sender
    gs_receiver = (_clean(group.sender_code) if group else "") or isa_receiver
    usage = ix.usage_indicator if ix is not None and ix.usage_indicator in ("P", "T") else "P"
    return Envelope(
        sender_id=isa_sender,
        receiver_id=isa_receiver,
        sender_qualifier=(_clean(ix.receiver_qualifier, 2) if ix else "") or "ZZ",
        receiver_qualifier=(_clean(ix.sender_qualifier, 2) if ix else "") or "ZZ",
        interchange_control_number=control_number,
        group_control_number=control_number,
        created=created,
        usage_indicator=usage,
        application_sender_code=gs_sender,
        application_receiver_code=gs_receiver,
    )


def _write_group_ack(w: X12Writer, group: GroupResult) -> None:
    w.begin_transaction("999", VERSION_999)
    w.segment("AK1", group.functional_id, group.control_number, group.version)
    for ts in group.transaction_sets:
        w.segment("AK2", ts.set_id, ts.control_number, ts.implementation_reference or None)
        for err in ts.segment_errors:
            # IK303 is AN 1/4: a guide's loop name such as 2010BA or 2000B does not fit, and a
            # 999 carrying it is refused by the submitter's translator.
            loop = err.loop_id if err.loop_id and len(err.loop_id) <= 4 else None
            w.segment("IK3", err.segment_id, str(err.position), loop, err.effective_code.value)
            for el in err.elements:
                position: list[str] = [str(el.position)]
                if el.component is not None or el.repetition is not None:
                    position.append(str(el.component) if el.component is not None else "")
                if el.repetition is not None:
                    position.append(str(el.repetition))
                bad = el.bad_value[:99] if el.bad_value else None
                w.segment("IK4", position, el.reference, el.code.value, _safe(w, bad))
        own = ts.ack_code
        codes = [c.value for c in ts.syntax_codes]
        w.segment("IK5", own.value, *codes)
    received = len(group.transaction_sets)
    codes9 = [c.value for c in dict.fromkeys(group.errors)][:5]
    w.segment(
        "AK9",
        group.ack_code.value,
        str(group.declared_set_count if group.declared_set_count is not None else received),
        str(received),
        str(group.accepted_count),
        *codes9,
    )
    w.end_transaction()


def _safe(w: X12Writer, value: str | None) -> str | None:
    """Bad values are echoed in IK404; drop characters that would break the 999 itself."""
    if value is None:
        return None
    d = w.envelope.delimiters
    cleaned = "".join(
        ch
        for ch in value
        if ch not in (d.element, d.component, d.repetition, d.segment, "\r", "\n")
    )
    return cleaned or None


def write_999(
    result: ValidationResult,
    out: TextIO,
    envelope: Envelope,
    *,
    expected_group: ExpectedGroup | None = None,
) -> None:
    """Write a 999 interchange acknowledging every functional group in ``result``."""
    w = X12Writer(out, envelope)
    w.begin_interchange()
    w.begin_group("FA", VERSION_999)
    groups = [g for g in result.groups() if g.functional_id]
    if not groups:
        exp = expected_group or ExpectedGroup()
        placeholder = GroupResult(exp.functional_id, exp.control_number, exp.version)
        placeholder.errors.append(
            GroupErrorCode.TRAILER_MISSING if result.interchanges else GroupErrorCode.NOT_SUPPORTED
        )
        groups = [placeholder]
    for group in groups:
        _write_group_ack(w, group)
    w.end_group()
    w.end_interchange()


def build_999(
    result: ValidationResult, envelope: Envelope, *, expected_group: ExpectedGroup | None = None
) -> str:
    return render(lambda out: write_999(result, out, envelope, expected_group=expected_group))


def _ta1_segment(w: X12Writer, ix: InterchangeResult) -> None:
    note = ix.notes[0] if ix.notes else InterchangeNoteCode.NO_ERROR
    code = AckCode.ACCEPTED if not ix.notes else AckCode.REJECTED
    control = ix.control_number if len(ix.control_number) == 9 else "000000000"
    date = ix.date if len(ix.date) == 6 and ix.date.isdigit() else "000101"
    time = ix.time if len(ix.time) == 4 and ix.time.isdigit() else "0000"
    w.segment("TA1", control, date, time, code.value, note.value)


def write_ta1(
    result: ValidationResult,
    out: TextIO,
    envelope: Envelope,
) -> None:
    """Write an interchange holding one TA1 per interchange received (IEA01 is 0)."""
    w = X12Writer(out, envelope)
    w.begin_interchange()
    interchanges: Sequence[InterchangeResult] = result.interchanges
    if not interchanges:
        unreadable = InterchangeResult(control_number="000000000")
        fatal = result.fatal
        unreadable.notes.append(
            InterchangeNoteCode(fatal.ta1_code) if fatal else InterchangeNoteCode.INVALID_CONTENT
        )
        interchanges = [unreadable]
    for ix in interchanges:
        _ta1_segment(w, ix)
    w.end_interchange()


def build_ta1(result: ValidationResult, envelope: Envelope) -> str:
    return render(lambda out: write_ta1(result, out, envelope))
