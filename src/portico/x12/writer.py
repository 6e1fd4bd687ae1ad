"""Low-level X12 writing: envelopes, control numbers, segment counts and value formatting.

Every transaction writer in the package goes through :class:`X12Writer`, so the rules that make
an interchange valid are implemented once: ISA fields padded to their fixed widths, GS/ST
control numbers, SE01 counted from ST to SE inclusive, GE01 and IEA01 counted, delimiters that
never occur inside a value, trailing empty elements and components removed.

Output goes to any text file object, so a large 835 is streamed rather than built in memory;
:func:`render` is the convenience that returns a ``str``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TextIO

from portico.x12.errors import X12WriteError
from portico.x12.tokenizer import DEFAULT_DELIMITERS, Delimiters

__all__ = [
    "Element",
    "Envelope",
    "X12Writer",
    "fmt_amount",
    "fmt_date",
    "fmt_decimal",
    "fmt_time",
    "render",
]

# An element is a simple value, or a composite given as a sequence of components.
Element = str | Sequence[str] | None

_CENT = Decimal("0.01")


def fmt_amount(value: Decimal) -> str:
    """Format money as an X12 R-type value: 2 decimals at most, no trailing zeros (``12.5``)."""
    quantized = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return fmt_decimal(quantized)


def fmt_decimal(value: Decimal) -> str:
    """Format a decimal in X12 R-type style without exponent or trailing fractional zeros."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_date(value: date) -> str:
    """CCYYMMDD (D8) of a date or a datetime's date; ``isoformat`` pads the year to four
    digits (strftime's %Y may not)."""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat().replace("-", "")


def fmt_time(value: datetime) -> str:
    """HHMM."""
    return value.strftime("%H%M")


@dataclass(frozen=True, slots=True)
class Envelope:
    """Interchange and functional-group addressing for one outgoing document.

    Control numbers are the caller's responsibility (they must be unique per trading partner,
    so they come from a database sequence); the writer only formats and counts them.
    """

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    created: datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    application_sender_code: str = ""
    application_receiver_code: str = ""
    usage_indicator: str = "P"
    acknowledgment_requested: bool = False
    delimiters: Delimiters = field(default=DEFAULT_DELIMITERS)
    segment_separator_suffix: str = "\n"
    first_transaction_control_number: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.interchange_control_number <= 999_999_999:
            raise X12WriteError("interchange control number must be 1-999999999")
        if not 0 < self.group_control_number <= 999_999_999:
            raise X12WriteError("group control number must be 1-999999999")
        if len(self.sender_id) > 15 or len(self.receiver_id) > 15:
            raise X12WriteError("interchange sender/receiver IDs are at most 15 characters")
        if self.usage_indicator not in ("P", "T"):
            raise X12WriteError("usage indicator must be P (production) or T (test)")
        if self.segment_separator_suffix.strip(" \r\n"):
            raise X12WriteError("only line breaks may follow a segment terminator")


class X12Writer:
    """Write segments with correct envelopes to a text file object."""

    def __init__(self, out: TextIO, envelope: Envelope) -> None:
        self._out = out
        self.envelope = envelope
        d = envelope.delimiters
        self._element = d.element
        self._component = d.component
        self._repetition = d.repetition
        self._terminator = d.segment + envelope.segment_separator_suffix
        self._forbidden = {d.element, d.component, d.repetition, d.segment}
        unsafe = re.compile("[" + re.escape("".join(sorted(self._forbidden))) + "\r\n]")
        self._unsafe = unsafe.search
        self._unsafe_sub = unsafe.sub
        self._group_count = 0
        self._set_count = 0
        self._segment_count = 0
        self._in_group = False
        self._set_control: str | None = None
        self._next_set_number = envelope.first_transaction_control_number
        self._interchange_open = False

    # -- values -----------------------------------------------------------------------------

    def text(self, value: str | None) -> str | None:
        """A value a person typed (a name, an address line, a patient account number) as
        this interchange can carry it: its delimiters and line breaks become spaces.

        Coded values stay refused by ``segment`` (a delimiter there is a programming error),
        but free text comes from portal forms, the REST API and 837s written with other
        delimiters: refusing it failed a whole payee's 835 over one patient named "O*Brien"."""
        if not value or not self._unsafe(value):
            return value
        return " ".join(self._unsafe_sub(" ", value).split())

    def _refuse(self, value: str, where: str) -> None:
        for ch in self._forbidden:
            if ch in value:
                raise X12WriteError(f"value {value!r} in {where} contains the delimiter {ch!r}")
        raise X12WriteError(f"value {value!r} in {where} contains a line break")

    def segment(self, segment_id: str, *elements: Element) -> None:
        """Write one segment; composites are sequences, ``None``/``""`` are empty elements."""
        # One regular-expression scan per value (a delimiter or a line break is refused): the
        # writer runs for every segment of every 835 and 277CA, so the common path is lean.
        bad = self._unsafe
        parts: list[str] = [segment_id]
        for element in elements:
            if element is None:
                parts.append("")
            elif isinstance(element, str):
                if bad(element):
                    self._refuse(element, f"{segment_id}{len(parts):02d}")
                parts.append(element)
            else:
                comps = [c or "" for c in element]
                for c in comps:
                    if bad(c):
                        self._refuse(c, f"{segment_id}{len(parts):02d}")
                while comps and not comps[-1]:
                    comps.pop()
                parts.append(self._component.join(comps))
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        self._out.write(self._element.join(parts) + self._terminator)
        if self._set_control is not None:
            self._segment_count += 1

    # -- envelopes --------------------------------------------------------------------------

    def begin_interchange(self) -> None:
        env = self.envelope
        d = env.delimiters
        isa = [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            env.sender_qualifier.ljust(2),
            env.sender_id.ljust(15),
            env.receiver_qualifier.ljust(2),
            env.receiver_id.ljust(15),
            env.created.strftime("%y%m%d"),
            env.created.strftime("%H%M"),
            d.repetition,
            "00501",
            f"{env.interchange_control_number:09d}",
            "1" if env.acknowledgment_requested else "0",
            env.usage_indicator,
            d.component,
        ]
        for value in isa[5:9]:
            if self._unsafe(value):
                self._refuse(value, "ISA")
        self._out.write(d.element.join(isa))
        self._out.write(self._terminator)
        self._interchange_open = True

    def begin_group(self, functional_id: str, version: str) -> None:
        env = self.envelope
        if self._in_group:
            raise X12WriteError("a functional group is already open")
        self._in_group = True
        self._set_count = 0
        self.segment(
            "GS",
            functional_id,
            env.application_sender_code or env.sender_id.strip(),
            env.application_receiver_code or env.receiver_id.strip(),
            env.created.strftime("%Y%m%d"),
            env.created.strftime("%H%M"),
            str(env.group_control_number),
            "X",
            version,
        )

    def begin_transaction(self, set_id: str, implementation_reference: str | None) -> str:
        """Open a transaction set and return its control number (ST02).

        ``implementation_reference`` (ST03) is ``None`` for the 835, whose guide marks it
        "not used"; every other 5010 guide requires it.
        """
        if not self._in_group:
            raise X12WriteError("begin_group must come before begin_transaction")
        if self._set_control is not None:
            raise X12WriteError("a transaction set is already open")
        control = f"{self._next_set_number:04d}"
        self._next_set_number += 1
        self._set_control = control
        self._segment_count = 0
        self.segment("ST", set_id, control, implementation_reference)
        return control

    def end_transaction(self) -> None:
        if self._set_control is None:
            raise X12WriteError("no transaction set is open")
        control = self._set_control
        self.segment("SE", str(self._segment_count + 1), control)
        self._set_control = None
        self._set_count += 1

    def end_group(self) -> None:
        if not self._in_group or self._set_control is not None:
            raise X12WriteError("cannot close the group here")
        self.segment("GE", str(self._set_count), str(self.envelope.group_control_number))
        self._in_group = False
        self._group_count += 1

    def end_interchange(self) -> None:
        if self._in_group:
            raise X12WriteError("close the functional group first")
        self.segment(
            "IEA", str(self._group_count), f"{self.envelope.interchange_control_number:09d}"
        )
        self._interchange_open = False

    @property
    def transaction_segment_count(self) -> int:
        """Segments written so far in the open transaction set (ST included)."""
        return self._segment_count


def render(write: Callable[[TextIO], object]) -> str:
    """Run a ``write_*`` function against an in-memory buffer and return the document."""
    buf = io.StringIO()
    write(buf)
    return buf.getvalue()
