"""Envelope validation and the 999/TA1 written from it (checked with pyx12's 999 map)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x12_helpers import fixture_text, pyx12_errors

from portico.x12 import Claim837Reader, SegmentReader, build_999, build_ta1, validate_envelope
from portico.x12.errors import (
    GroupErrorCode,
    InterchangeNoteCode,
    SegmentErrorCode,
    TransactionSetErrorCode,
)
from portico.x12.writer import Envelope


def segments_of(doc: str, seg_id: str) -> list[list[str]]:
    return [s.elements for s in SegmentReader(doc) if s.id == seg_id]


def ack(text: str, envelope: Envelope) -> str:
    doc = build_999(validate_envelope(text), envelope)
    assert pyx12_errors(doc) == [], doc
    return doc


@pytest.mark.parametrize("name", ["837p_commercial.txt", "837i_inpatient.txt"])
def test_valid_files_are_accepted(name: str, envelope: Envelope) -> None:
    text = fixture_text(name)
    result = validate_envelope(text)
    assert result.accepted
    doc = ack(text, envelope)
    ak1 = segments_of(doc, "AK1")[0]
    assert ak1[1:] == ["HC", "21" if "837p" in name else "44", ak1[3]]
    assert segments_of(doc, "IK5") == [["IK5", "A"]]
    assert segments_of(doc, "AK9")[0][:5] == ["AK9", "A", "1", "1", "1"]
    assert segments_of(doc, "IK3") == []


def test_se_count_and_control_number_mismatch(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("SE*61*0021", "SE*60*0022")
    doc = ack(text, envelope)
    assert segments_of(doc, "IK5") == [["IK5", "R", "4", "3"]]
    assert segments_of(doc, "AK9")[0] == ["AK9", "R", "1", "1", "0"]


def test_ge_count_and_group_control_number(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("GE*1*21", "GE*2*99")
    result = validate_envelope(text)
    (group,) = result.groups()
    assert group.errors == [
        GroupErrorCode.SET_COUNT_MISMATCH,
        GroupErrorCode.CONTROL_NUMBER_MISMATCH,
    ]
    doc = ack(text, envelope)
    assert segments_of(doc, "AK9")[0] == ["AK9", "R", "2", "1", "0", "5", "4"]


def test_wrong_iea_count_rejects_interchange(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("IEA*1*000000021", "IEA*3*000000021")
    result = validate_envelope(text)
    assert result.interchanges[0].notes == [InterchangeNoteCode.INVALID_GROUP_COUNT]
    doc = ack(text, envelope)
    assert segments_of(doc, "AK9")[0][:5] == ["AK9", "R", "1", "1", "0"]
    ta1 = build_ta1(result, envelope)
    assert segments_of(ta1, "TA1") == [["TA1", "000000021", "240301", "1023", "R", "021"]]


def test_iea_control_number_mismatch(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("IEA*1*000000021", "IEA*1*000000022")
    result = validate_envelope(text)
    assert InterchangeNoteCode.CONTROL_NUMBER_MISMATCH in result.interchanges[0].notes
    assert segments_of(ack(text, envelope), "AK9")[0][1] == "R"


def test_truncated_file_reports_missing_trailers(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt")
    cut = text[: text.index("HL*4*1*22*0~") + len("HL*4*1*22*0~")]
    result = validate_envelope(cut)
    (group,) = result.groups()
    assert group.transaction_sets[0].errors == [TransactionSetErrorCode.TRAILER_MISSING]
    assert group.errors == [GroupErrorCode.TRAILER_MISSING]
    assert result.interchanges[0].notes == [InterchangeNoteCode.PREMATURE_END_OF_FILE]
    doc = ack(cut, envelope)
    assert segments_of(doc, "IK5") == [["IK5", "R", "2"]]
    assert segments_of(doc, "AK9")[0] == ["AK9", "R", "1", "1", "0", "3"]


def test_truncated_mid_segment(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt")
    cut = text[: text.index("CLM*26463775") + 9]
    result = validate_envelope(cut)
    assert result.fatal is not None and result.fatal.segment_id == "CLM"
    doc = ack(cut, envelope)
    assert segments_of(doc, "AK9")[0][1] == "R"


def test_not_x12_at_all(envelope: Envelope) -> None:
    result = validate_envelope(b"%PDF-1.7 this is a PDF, not an 837")
    assert result.fatal is not None and not result.accepted
    doc = ack("%PDF-1.7 this is a PDF, not an 837", envelope)
    assert segments_of(doc, "AK1") == [["AK1", "HC", "0", "005010X222A1"]]
    assert segments_of(doc, "AK9")[0] == ["AK9", "R", "0", "0", "0", "1"]
    ta1 = build_ta1(result, envelope)
    assert segments_of(ta1, "TA1")[0][4:] == ["R", "024"]


def test_bad_isa_fields(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("*240301*1023*", "*241301*1023*", 1)
    text = text.replace("*000000021*1*T*", "*000000021*1*X*", 1)
    result = validate_envelope(text)
    notes = result.interchanges[0].notes
    assert InterchangeNoteCode.INVALID_DATE in notes
    assert InterchangeNoteCode.INVALID_TEST_INDICATOR in notes


def test_unsupported_version_and_transaction(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("*X*005010X222A1~", "*X*004010X098A1~", 1)
    (group,) = validate_envelope(text).groups()
    assert group.errors == [GroupErrorCode.VERSION_NOT_SUPPORTED]


def test_st03_must_match_gs08_and_bad_segment_id(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace(
        "ST*837*0021*005010X222A1", "ST*837*0021*005010X223A2"
    )
    text = text.replace("PWK*09*FX", "pwk*09*FX")
    ts = next(iter(validate_envelope(text).groups())).transaction_sets[0]
    assert [(e.segment_id, e.position, e.code) for e in ts.segment_errors] == [
        ("ST", 1, SegmentErrorCode.HAS_DATA_ELEMENT_ERRORS),
        ("pwk", 28, SegmentErrorCode.UNRECOGNIZED_SEGMENT_ID),
    ]
    doc = ack(text, envelope)
    assert segments_of(doc, "IK3") == [["IK3", "ST", "1", "", "8"], ["IK3", "pwk", "28", "", "1"]]
    assert segments_of(doc, "IK4") == [["IK4", "3", "1705", "7", "005010X223A2"]]


def test_reader_adds_structural_errors_with_loop_ids(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("NM1*82*1*KILDARE", "NM1*ZZ*1*KILDARE")
    reader = Claim837Reader(text)
    list(reader)
    ts = next(iter(reader.validation.groups())).transaction_sets[0]
    (err,) = ts.segment_errors
    assert (err.segment_id, err.code, err.loop_id) == (
        "NM1",
        SegmentErrorCode.UNEXPECTED_SEGMENT,
        "2300",
    )
    doc = build_999(reader.validation, envelope)
    assert pyx12_errors(doc) == []
    assert segments_of(doc, "IK3") == [["IK3", "NM1", str(err.position), "2300", "2"]]


def test_an_error_in_a_loop_named_longer_than_ik303_takes_gives_a_valid_999(
    envelope: Envelope,
) -> None:
    """IK303 is AN 1/4: before, a bad date of birth in 2010BA wrote IK3*DMG*n*2010BA, which
    pyx12 (and a submitter's translator) refuses; the loop is left out when it does not fit."""
    text = fixture_text("837p_commercial.txt")
    dmg = next(s for s in text.split("~") if s.strip().startswith("DMG*D8*"))
    reader = Claim837Reader(text.replace(dmg, dmg.replace("*D8*", "*D8*2026"), 1))
    list(reader)
    doc = build_999(reader.validation, envelope)
    assert "IK3*DMG*" in doc and "2010BA" not in doc
    assert pyx12_errors(doc) == []


def test_two_transaction_sets_one_bad_gives_partial(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt")
    body = text[text.index("ST*837") : text.index("GE*1*21")]
    second = body.replace("ST*837*0021", "ST*837*0022").replace("SE*61*0021", "SE*61*0099")
    doubled = text.replace(body, body + second).replace("GE*1*21", "GE*2*21")
    result = validate_envelope(doubled)
    (group,) = result.groups()
    assert [ts.ack_code.value for ts in group.transaction_sets] == ["A", "R"]
    doc = ack(doubled, envelope)
    assert segments_of(doc, "AK9")[0] == ["AK9", "P", "2", "2", "1"]
    assert result.accepted_sets() == {("000000021", "21", "0021")}


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_property_any_envelope_damage_gives_a_valid_rejecting_999(data: st.DataObject) -> None:
    text = fixture_text("837p_commercial.txt")
    trailers = ["SE*61*0021~", "GE*1*21~", "IEA*1*000000021~"]
    victim = data.draw(st.sampled_from(trailers))
    action = data.draw(st.sampled_from(["drop", "count", "control", "truncate"]))
    if action == "drop":
        damaged = text.replace(victim, "")
    elif action == "count":
        parts = victim.split("*")
        damaged = text.replace(
            victim, f"{parts[0]}*{int(parts[1]) + data.draw(st.integers(1, 9))}*{parts[2]}"
        )
    elif action == "control":
        parts = victim.rstrip("~").split("*")
        damaged = text.replace(victim, f"{parts[0]}*{parts[1]}*{'9' * len(parts[2])}~")
    else:
        damaged = text[: data.draw(st.integers(110, len(text) - 2))]
    result = validate_envelope(damaged)
    assert not result.accepted
    env = Envelope(
        sender_id="PORTICO", receiver_id="TGJ23", interchange_control_number=1,
        group_control_number=1, created=datetime(2024, 3, 4, 10, 0),
    )  # fmt: skip
    doc = build_999(result, env)
    ak9 = segments_of(doc, "AK9")
    assert ak9 and all(seg[1] == "R" for seg in ak9)
    assert pyx12_errors(doc) == []
