"""Exception types and acknowledgment code lists of the X12 toolkit.

Every failure the toolkit reports carries *where* it happened (segment ordinal in the file, the
line the segment starts on, segment ID, element and component index), because the callers
turn them into acknowledgments: a 999 has to name the segment position and element, a TA1 the
interchange problem, a 277CA the claim. Callers only ever need to catch :class:`X12Error`.

The code lists are those of the 999 (005010X231A1) and TA1 (ISA/IEA control standard), as
enums so that the writers cannot emit a code outside the list.
"""

from __future__ import annotations

from enum import StrEnum


class X12Error(Exception):
    """Base of every error the toolkit raises, with the location of the problem.

    ``segment_position`` is the 1-based ordinal of the segment in the interchange stream (ISA is
    1); ``line`` is the 1-based line the segment starts on; ``element_index`` is the X12 element
    position (``CLM02`` -> 2); ``component_index`` the position inside a composite.
    """

    def __init__(
        self,
        message: str,
        *,
        segment_position: int | None = None,
        segment_id: str | None = None,
        element_index: int | None = None,
        component_index: int | None = None,
        line: int | None = None,
        element_code: str | None = None,
        bad_value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        # IK403 and IK404 for a 999 naming this error (``element_code``: an ``ElementErrorCode``
        # value; None means an invalid code value).
        self.element_code = element_code
        self.bad_value = bad_value
        self.segment_position = segment_position
        self.segment_id = segment_id
        self.element_index = element_index
        self.component_index = component_index
        self.line = line

    def __str__(self) -> str:
        where: list[str] = []
        if self.segment_id:
            where.append(f"segment {self.segment_id}")
        if self.segment_position is not None:
            where.append(f"#{self.segment_position}")
        if self.element_index is not None:
            where.append(f"element {self.element_index:02d}")
        if self.component_index is not None:
            where.append(f"component {self.component_index}")
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class X12SyntaxError(X12Error):
    """The byte stream is not readable X12: no ISA, bad delimiters, truncated, undecodable.

    ``ta1_code`` is the TA105 interchange note code that describes the problem, so that the
    caller can answer with a TA1 (and a rejecting 999) without re-diagnosing.
    """

    def __init__(
        self,
        message: str,
        *,
        ta1_code: str = "024",
        segment_position: int | None = None,
        segment_id: str | None = None,
        element_index: int | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(
            message,
            segment_position=segment_position,
            segment_id=segment_id,
            element_index=element_index,
            line=line,
        )
        self.ta1_code = ta1_code


class X12WriteError(X12Error):
    """A writer was given data it cannot encode (a delimiter inside a value, a missing value)."""


class X12BalanceError(X12WriteError):
    """A remittance whose amounts do not balance; an 835 must never be written unbalanced."""


class SegmentErrorCode(StrEnum):
    """IK304 Implementation Segment Syntax Error Code (999)."""

    UNRECOGNIZED_SEGMENT_ID = "1"
    UNEXPECTED_SEGMENT = "2"
    REQUIRED_SEGMENT_MISSING = "3"
    LOOP_OVER_MAXIMUM = "4"
    SEGMENT_EXCEEDS_MAXIMUM_USE = "5"
    NOT_IN_TRANSACTION_SET = "6"
    NOT_IN_SEQUENCE = "7"
    HAS_DATA_ELEMENT_ERRORS = "8"
    IMPLEMENTATION_NOT_USED_SEGMENT_PRESENT = "I4"
    IMPLEMENTATION_DEPENDENT_SEGMENT_MISSING = "I6"
    IMPLEMENTATION_LOOP_UNDER_MINIMUM = "I7"
    IMPLEMENTATION_SEGMENT_UNDER_MINIMUM = "I8"
    IMPLEMENTATION_DEPENDENT_NOT_USED_SEGMENT_PRESENT = "I9"


class ElementErrorCode(StrEnum):
    """IK403 Implementation Data Element Syntax Error Code (999)."""

    REQUIRED_MISSING = "1"
    CONDITIONAL_REQUIRED_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE_VALUE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_VIOLATED = "10"
    TOO_MANY_REPETITIONS = "12"
    TOO_MANY_COMPONENTS = "13"
    IMPLEMENTATION_NOT_USED_PRESENT = "I10"
    IMPLEMENTATION_TOO_FEW_REPETITIONS = "I11"
    IMPLEMENTATION_PATTERN_MATCH_FAILURE = "I12"
    IMPLEMENTATION_DEPENDENT_NOT_USED_PRESENT = "I13"
    CODE_NOT_USED_IN_IMPLEMENTATION = "I6"
    IMPLEMENTATION_DEPENDENT_MISSING = "I9"


class TransactionSetErrorCode(StrEnum):
    """IK502-IK506 Implementation Transaction Set Syntax Error Code (999)."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    MISSING_OR_INVALID_SET_ID = "6"
    MISSING_OR_INVALID_CONTROL_NUMBER = "7"
    CONTROL_NUMBER_NOT_UNIQUE = "23"
    IMPLEMENTATION_SEGMENTS_IN_ERROR = "I5"
    IMPLEMENTATION_CONVENTION_NOT_SUPPORTED = "I6"


class GroupErrorCode(StrEnum):
    """AK905-AK909 Functional Group Syntax Error Code (999)."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT_MISMATCH = "5"
    CONTROL_NUMBER_SYNTAX = "6"
    CONTROL_NUMBER_NOT_UNIQUE = "19"


class AckCode(StrEnum):
    """IK501 / AK901 acknowledgment codes."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"  # AK901 only: some transaction sets rejected
    REJECTED = "R"


class InterchangeNoteCode(StrEnum):
    """TA105 Interchange Note Code (TA1)."""

    NO_ERROR = "000"
    CONTROL_NUMBER_MISMATCH = "001"
    STANDARD_NOT_SUPPORTED = "002"
    VERSION_NOT_SUPPORTED = "003"
    SEGMENT_TERMINATOR_INVALID = "004"
    INVALID_SENDER_QUALIFIER = "005"
    INVALID_SENDER_ID = "006"
    INVALID_RECEIVER_QUALIFIER = "007"
    INVALID_RECEIVER_ID = "008"
    INVALID_AUTHORIZATION_QUALIFIER = "010"
    INVALID_SECURITY_QUALIFIER = "012"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_STANDARDS_ID = "016"
    INVALID_VERSION_ID = "017"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_ACK_REQUESTED = "019"
    INVALID_TEST_INDICATOR = "020"
    INVALID_GROUP_COUNT = "021"
    INVALID_CONTROL_STRUCTURE = "022"
    PREMATURE_END_OF_FILE = "023"
    INVALID_CONTENT = "024"
    DUPLICATE_CONTROL_NUMBER = "025"
    INVALID_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_SEPARATOR = "027"
