"""Streaming X12 tokenizer: delimiter detection from the ISA header and a segment iterator.

Written by hand because no maintained Python library tokenizes X12 in a streaming way with
positions: pyx12 reads whole segments through a much slower validating pipeline, and other
packages load the whole interchange into memory. The tokenizer reads the source in fixed-size
chunks, so an interchange of any size is processed in constant memory.

Delimiters are never assumed: the element separator is the character at ISA position 3, the
repetition separator is ISA11, the component separator is ISA16 and the segment terminator is
the character after ISA16. Carriage returns and line feeds after terminators are tolerated
(many senders put each segment on its own line) and line numbers are tracked for messages.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from portico.x12.errors import InterchangeNoteCode, X12SyntaxError

__all__ = ["DEFAULT_DELIMITERS", "Delimiters", "Segment", "SegmentReader", "iter_segments"]

ISA_LENGTH = 106  # ISA segment including its terminator, fixed by the control standard
_CHUNK_SIZE = 1 << 16
_LINE_BREAKS = "\r\n"


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four X12 delimiters of an interchange."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.repetition, self.segment]
        for ch in chars:
            if len(ch) != 1 or ch.isalnum() or ch == " ":
                raise ValueError(f"invalid X12 delimiter {ch!r}")
        if len(set(chars)) != len(chars):
            raise ValueError("X12 delimiters must be four distinct characters")


DEFAULT_DELIMITERS = Delimiters()


class Segment:
    """One segment: ``elements[0]`` is the segment ID, ``elements[n]`` is element *n*.

    A slotted class rather than a dataclass because the reader creates one per segment and a
    100,000-claim file has millions of them.
    """

    __slots__ = ("_component", "_repetition", "elements", "id", "line", "position")

    def __init__(
        self,
        elements: list[str],
        position: int,
        line: int,
        component: str = ":",
        repetition: str | None = "^",
    ) -> None:
        self.elements = elements
        self.id = elements[0]  # read for every segment, several times: an attribute, not a property
        self.position = position
        self.line = line
        self._component = component
        self._repetition = repetition

    def __len__(self) -> int:
        """Number of data elements (the segment ID not counted)."""
        return len(self.elements) - 1

    def get(self, index: int) -> str:
        """Element at X12 position ``index`` (1-based); empty string when absent."""
        try:  # the element is there far more often than not; a try costs nothing then
            return self.elements[index]
        except IndexError:
            return ""

    def components(self, index: int) -> list[str]:
        """The components of a composite element (a simple element gives a 1-item list)."""
        return self.get(index).split(self._component)

    def component(self, index: int, sub: int) -> str:
        """Component ``sub`` (1-based) of element ``index``; empty string when absent."""
        parts = self.get(index).split(self._component)
        return parts[sub - 1] if sub <= len(parts) else ""

    def repetitions(self, index: int) -> list[str]:
        """The repetitions of a repeating element."""
        value = self.get(index)
        if not value:
            return []
        return value.split(self._repetition) if self._repetition else [value]

    def __repr__(self) -> str:
        return f"Segment({'*'.join(self.elements)!r}, position={self.position}, line={self.line})"


def _is_delimiter_char(ch: str) -> bool:
    return len(ch) == 1 and not ch.isalnum() and ch != " "


class SegmentReader:
    """Iterate the segments of an X12 source in constant memory.

    ``source`` is a text or binary file object, or a ``str``/``bytes`` document. Binary input
    is decoded incrementally with ``encoding`` (UTF-8 by default, a superset of the X12 basic
    and extended character sets in practice); undecodable bytes raise :class:`X12SyntaxError`.
    """

    def __init__(
        self,
        source: IO[str] | IO[bytes] | str | bytes,
        *,
        encoding: str = "utf-8",
        chunk_size: int = _CHUNK_SIZE,
    ) -> None:
        if isinstance(source, str):
            source = io.StringIO(source)
        elif isinstance(source, bytes | bytearray):
            source = io.BytesIO(bytes(source))
        self._source: IO[str] | IO[bytes] = source
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._chunk_size = chunk_size
        self._bytes_read = 0
        self._exhausted = False
        self._buffer = ""
        self._delimiters: Delimiters | None = None
        self._started = False
        self.segment_count = 0
        self.line = 1

    # -- reading ----------------------------------------------------------------------------

    def _read_chunk(self) -> str:
        if self._exhausted:
            return ""
        chunk = self._source.read(self._chunk_size)
        if isinstance(chunk, bytes | bytearray):
            final = not chunk
            try:
                text = self._decoder.decode(bytes(chunk), final=final)
            except UnicodeDecodeError as exc:
                raise X12SyntaxError(
                    f"input is not valid text at byte {self._bytes_read + exc.start}",
                    ta1_code=InterchangeNoteCode.INVALID_CONTENT,
                    segment_position=self.segment_count + 1,
                ) from None
            self._bytes_read += len(chunk)
            if final:
                self._exhausted = True
            elif not text:
                return self._read_chunk()  # a chunk holding only part of a multi-byte character
            return text
        if not chunk:
            self._exhausted = True
            return ""
        return str(chunk)

    def _detect(self) -> Delimiters:
        """Read the ISA header and derive the delimiters from it."""
        buf = self._buffer
        while len(buf.lstrip("\ufeff \t" + _LINE_BREAKS)) < ISA_LENGTH + 1:
            chunk = self._read_chunk()
            if not chunk:
                break
            buf += chunk
        stripped = buf.lstrip("\ufeff \t" + _LINE_BREAKS)
        skipped = buf[: len(buf) - len(stripped)]
        self.line += skipped.count("\n")
        if not stripped.startswith("ISA"):
            raise X12SyntaxError(
                "not an X12 interchange: the data does not start with an ISA segment",
                ta1_code=InterchangeNoteCode.INVALID_CONTENT,
                segment_position=1,
                line=self.line,
            )
        if len(stripped) < 4:
            raise X12SyntaxError(
                "the interchange ends inside the ISA segment",
                ta1_code=InterchangeNoteCode.PREMATURE_END_OF_FILE,
                segment_position=1,
                segment_id="ISA",
                line=self.line,
            )
        element = stripped[3]
        if not _is_delimiter_char(element):
            raise X12SyntaxError(
                f"invalid element separator {element!r} at ISA position 3",
                ta1_code=InterchangeNoteCode.INVALID_ELEMENT_SEPARATOR,
                segment_position=1,
                segment_id="ISA",
                line=self.line,
            )
        # Find the 16th element separator; ISA16 follows it and the terminator follows ISA16.
        # Counting separators (rather than trusting fixed offsets) lets a header with wrong
        # field widths still be read, so the validator can report the widths precisely.
        index = 3
        for count in range(1, 17):
            index = stripped.find(element, index + 1 if count > 1 else 3)
            if index < 0 or index > 2 * ISA_LENGTH:
                code = (
                    InterchangeNoteCode.PREMATURE_END_OF_FILE
                    if len(stripped) < ISA_LENGTH
                    else InterchangeNoteCode.INVALID_CONTROL_STRUCTURE
                )
                raise X12SyntaxError(
                    f"ISA segment has only {count - 1} of its 16 elements",
                    ta1_code=code,
                    segment_position=1,
                    segment_id="ISA",
                    element_index=count,
                    line=self.line,
                )
        if index + 2 >= len(stripped):
            raise X12SyntaxError(
                "the interchange ends inside the ISA segment",
                ta1_code=InterchangeNoteCode.PREMATURE_END_OF_FILE,
                segment_position=1,
                segment_id="ISA",
                element_index=16,
                line=self.line,
            )
        component = stripped[index + 1]
        terminator = stripped[index + 2]
        if not _is_delimiter_char(component) or component == element:
            raise X12SyntaxError(
                f"invalid component element separator {component!r} in ISA16",
                ta1_code=InterchangeNoteCode.INVALID_COMPONENT_SEPARATOR,
                segment_position=1,
                segment_id="ISA",
                element_index=16,
                line=self.line,
            )
        if terminator.isalnum() or terminator in (element, component, " "):
            raise X12SyntaxError(
                f"invalid segment terminator {terminator!r} after ISA16",
                ta1_code=InterchangeNoteCode.SEGMENT_TERMINATOR_INVALID,
                segment_position=1,
                segment_id="ISA",
                line=self.line,
            )
        isa11 = (
            stripped[:index].split(element)[11] if stripped.count(element, 0, index) >= 11 else ""
        )
        repetition = "^"
        if len(isa11) == 1 and _is_delimiter_char(isa11):
            repetition = isa11
        if repetition in (element, component, terminator):
            # 4010-style ISA11 ("U") or a clash: keep a repetition character that cannot occur.
            repetition = next(c for c in "^|!{}" if c not in (element, component, terminator))
        self._buffer = stripped
        return Delimiters(element, component, repetition, terminator)

    @property
    def delimiters(self) -> Delimiters:
        """The delimiters of the interchange, read from the ISA header on first use."""
        if self._delimiters is None:
            self._delimiters = self._detect()
        return self._delimiters

    def __iter__(self) -> Iterator[Segment]:
        if self._started:
            raise RuntimeError("a SegmentReader can be iterated only once")
        self._started = True
        return self._segments()

    def _segments(self) -> Iterator[Segment]:
        delims = self.delimiters
        element, component, repetition = delims.element, delims.component, delims.repetition
        term = delims.segment
        term_newlines = term.count("\n")
        buf = self._buffer
        self._buffer = ""
        position = 0
        line = self.line
        while True:
            parts = buf.split(term)
            rest = parts.pop()
            for raw in parts:
                text = raw.strip(_LINE_BREAKS)
                if not text:
                    line += raw.count("\n") + term_newlines
                    continue
                start_line = line + raw.count("\n", 0, len(raw) - len(raw.lstrip(_LINE_BREAKS)))
                line += raw.count("\n") + term_newlines
                position += 1
                elements = text.split(element)
                if elements[0] == "ISA" and position > 1:
                    self._check_isa_delimiters(text, delims, position, start_line)
                self.segment_count = position
                self.line = line
                yield Segment(elements, position, start_line, component, repetition)
            chunk = self._read_chunk()
            if not chunk:
                break
            buf = rest + chunk
        tail = rest.strip(_LINE_BREAKS + " \t\x00\x1a")
        if tail:
            raise X12SyntaxError(
                "the data ends inside a segment (no segment terminator)",
                ta1_code=InterchangeNoteCode.PREMATURE_END_OF_FILE,
                segment_position=position + 1,
                segment_id=tail.split(element, 1)[0][:3],
                line=line + rest.count("\n", 0, len(rest) - len(rest.lstrip(_LINE_BREAKS))),
            )

    @staticmethod
    def _check_isa_delimiters(text: str, delims: Delimiters, position: int, line: int) -> None:
        parts = text.split(delims.element)
        if len(parts) != 17 or parts[16] != delims.component:
            raise X12SyntaxError(
                "a later interchange in the file uses different delimiters",
                ta1_code=InterchangeNoteCode.INVALID_CONTROL_STRUCTURE,
                segment_position=position,
                segment_id="ISA",
                line=line,
            )


def iter_segments(
    source: IO[str] | IO[bytes] | str | bytes, *, encoding: str = "utf-8"
) -> Iterator[Segment]:
    """Convenience wrapper: iterate the segments of ``source``."""
    return iter(SegmentReader(source, encoding=encoding))
