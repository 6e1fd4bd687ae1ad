"""Tokenizer: delimiter detection, streaming, positions, and error types on bad input."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x12_helpers import fixture_text

from portico.x12 import Claim837Reader, SegmentReader, X12Error, X12SyntaxError
from portico.x12.errors import InterchangeNoteCode
from portico.x12.validation import validate_envelope

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*240301*1200*^*00501*000000001*0*T*:~"
)


def test_detects_delimiters_from_isa() -> None:
    text = ISA.replace("*", "|").replace(":~", ">\n").replace("^", "{")
    text += "GS|HC|A|B|20240301|1200|1|X|005010X222A1\nGE|0|1\nIEA|1|000000001\n"
    reader = SegmentReader(text)
    d = reader.delimiters
    assert (d.element, d.repetition, d.component, d.segment) == ("|", "{", ">", "\n")
    segs = list(reader)
    assert [s.id for s in segs] == ["ISA", "GS", "GE", "IEA"]
    assert segs[1].get(8) == "005010X222A1"
    assert [s.line for s in segs] == [1, 2, 3, 4]


def test_tolerates_crlf_after_terminators_and_tracks_lines() -> None:
    text = fixture_text("837p_commercial.txt").replace("~\n", "~\r\n")
    segs = list(SegmentReader(text.encode()))
    assert segs[0].id == "ISA" and segs[-1].id == "IEA"
    clm = next(s for s in segs if s.id == "CLM")
    assert clm.line == 28 and clm.position == 28
    assert clm.component(5, 1) == "11" and clm.component(5, 3) == "1"
    assert clm.get(99) == ""


def test_streams_in_small_chunks_identically() -> None:
    text = fixture_text("837p_commercial.txt")
    whole = [(s.elements, s.line) for s in SegmentReader(text)]
    chunked = [(s.elements, s.line) for s in SegmentReader(io.StringIO(text), chunk_size=7)]
    binary = [(s.elements, s.line) for s in SegmentReader(io.BytesIO(text.encode()), chunk_size=5)]
    assert whole == chunked == binary


def test_multibyte_character_split_across_chunks() -> None:
    text = fixture_text("837p_commercial.txt").replace("SMITH*TED", "SMITH*TÉD")
    segs = list(SegmentReader(io.BytesIO(text.encode("utf-8")), chunk_size=3))
    assert any(s.get(4) == "TÉD" for s in segs if s.id == "NM1")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("", InterchangeNoteCode.INVALID_CONTENT),
        ("hello world, this is not an EDI file at all" * 5, InterchangeNoteCode.INVALID_CONTENT),
        ("ISA*00*   ", InterchangeNoteCode.PREMATURE_END_OF_FILE),
        ("ISA0000000000" * 10, InterchangeNoteCode.INVALID_ELEMENT_SEPARATOR),
    ],
)
def test_not_x12_raises_syntax_error_with_ta1_code(data: str, code: str) -> None:
    with pytest.raises(X12SyntaxError) as info:
        list(SegmentReader(data))
    assert info.value.ta1_code == code


def test_truncated_file_names_the_segment() -> None:
    text = fixture_text("837p_commercial.txt")
    cut = text[: text.index("SV1*HC:87070") + 8]
    with pytest.raises(X12SyntaxError) as info:
        list(SegmentReader(cut))
    err = info.value
    assert err.ta1_code == InterchangeNoteCode.PREMATURE_END_OF_FILE
    assert err.segment_id == "SV1"
    assert err.segment_position == 40
    assert "SV1" in str(err)


def test_invalid_utf8_is_a_syntax_error() -> None:
    data = fixture_text("837p_commercial.txt").encode().replace(b"SMITH", b"SM\xffTH", 1)
    with pytest.raises(X12SyntaxError):
        list(SegmentReader(data))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_only_raise_x12_errors(data: bytes) -> None:
    with contextlib.suppress(X12Error):
        list(SegmentReader(data))
    result = validate_envelope(data)
    assert not result.accepted
    reader = Claim837Reader(data)
    for _ in reader:
        pass
    assert reader.validation is not None


isa_prefix = st.just(ISA.encode())


@settings(max_examples=300, deadline=None)
@given(isa_prefix, st.binary(max_size=400))
def test_valid_header_then_garbage_only_raises_x12_errors(prefix: bytes, tail: bytes) -> None:
    data = prefix + tail
    with contextlib.suppress(X12Error):
        list(SegmentReader(data))
    reader = Claim837Reader(data)
    claims = list(reader)
    assert all(c.patient_account_number is not None for c in claims)
    assert not reader.validation.accepted


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_837_only_raises_x12_errors(data: st.DataObject) -> None:
    text = fixture_text("837p_commercial.txt")
    pos = data.draw(st.integers(0, len(text) - 1))
    junk = data.draw(st.text(alphabet="*:^~\n ABC019-.", max_size=6))
    mutated = text[:pos] + junk + text[pos + data.draw(st.integers(0, 5)) :]
    reader = Claim837Reader(mutated)
    for claim in reader:
        assert claim.issues is not None
    reader.validation
