"""835, 277CA, 276/277 and 278 writers (and readers), validated with pyx12 where it has a map."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from x12_helpers import fixture_text, make_envelope, pyx12_errors

from portico.x12 import (
    Address,
    Adjustment,
    AuthParty,
    Claim837Reader,
    ClaimPayment,
    ClaimStatus,
    ClaimStatusRequest,
    ClaimStatusResponse,
    Decision,
    Dependent,
    ProviderAdjustment,
    Remittance,
    ReviewAction,
    ReviewedService,
    ServicePayment,
    ServiceReview,
    StatusInquiry,
    StatusResult,
    X12BalanceError,
    X12WriteError,
    acknowledgment_from_claims,
    build_276,
    build_277,
    build_277ca,
    build_278,
    build_835,
    read_278,
    read_claim_status,
    validate_envelope,
)
from portico.x12.models837 import Diagnosis
from portico.x12.tokenizer import SegmentReader
from portico.x12.writer import Envelope


def segs(doc: str, seg_id: str) -> list[list[str]]:
    return [s.elements for s in SegmentReader(doc) if s.id == seg_id]


# -- 835 ------------------------------------------------------------------------------------


def remittance(method: str = "CHK", plb: D = D("12.40")) -> Remittance:
    """Shaped like the guide's PPO example: a paid claim with lines, a denied claim, a PLB."""
    paid = ClaimPayment(
        "26463774", "1", D("100"), D("62.40"), "KI2024031500001", "SMITH",
        patient_first_name="TED", patient_member_id="JS00111223333",
        patient_responsibility=D("20"), statement_from=date(2024, 2, 3),
        statement_to=date(2024, 2, 10), received=date(2024, 3, 2),
        services=[
            ServicePayment("99213", D("40"), D("24"), service_date=date(2024, 2, 3),
                           adjustments=[Adjustment("CO", "45", D("6")),
                                        Adjustment("PR", "3", D("10"))],
                           allowed_amount=D("34"), line_item_control_number="L0001"),
            ServicePayment("87070", D("15"), D("12"), service_date=date(2024, 2, 3),
                           adjustments=[Adjustment("CO", "45", D("3"))]),
            ServicePayment("99214", D("35"), D("16.40"), modifiers=("25",),
                           service_date=date(2024, 2, 10),
                           adjustments=[Adjustment("CO", "45", D("8.60")),
                                        Adjustment("PR", "3", D("10"))],
                           remark_codes=("N130",)),
            ServicePayment("86663", D("10"), D("10"), service_date=date(2024, 2, 10),
                           service_date_end=date(2024, 2, 11)),
        ],
    )  # fmt: skip
    denied = ClaimPayment(
        "26463775", "4", D("250.50"), D("0"), "KI2024031500002", "DOE",
        patient_first_name="JOHN", patient_member_id="JD998877",
        adjustments=[Adjustment("CO", "197", D("250.50"))], claim_remark_codes=("N54",),
    )  # fmt: skip
    r = Remittance(
        payer_name="KEY INSURANCE COMPANY", payer_tax_id="061234567",
        payer_address=Address("1 INSURANCE WAY", "HARTFORD", "CT", "061030000"),
        payer_technical_phone="8005551234", payee_name="BEN KILDARE SERVICE",
        payee_npi="1234567893", payee_tax_id="587654321", payment_method=method,
        trace_number="0012345678", payment_date=date(2024, 3, 22), claims=[paid, denied],
        provider_adjustments=[ProviderAdjustment("WO", plb, "KI2023110400077")] if plb else [],
        production_date=date(2024, 3, 20), payer_id="999996666",
    )  # fmt: skip
    if method == "ACH":
        r.payer_routing_number, r.payer_account_number = "011000015", "123456789"
        r.payee_routing_number, r.payee_account_number = "063100277", "987654321"
    return r


@pytest.mark.parametrize("method", ["CHK", "ACH"])
def test_835_is_valid_and_balances(method: str, envelope: Envelope) -> None:
    doc = build_835([remittance(method)], envelope)
    assert pyx12_errors(doc) == []
    bpr = segs(doc, "BPR")[0]
    assert bpr[1:5] == ["C", "50", "C", method]
    assert bpr[-1] == "20240322"
    clps = segs(doc, "CLP")
    plb = segs(doc, "PLB")[0]
    assert D(bpr[2]) == sum(D(c[4]) for c in clps) - D(plb[4])
    assert segs(doc, "TRN")[0] == ["TRN", "1", "0012345678", "1061234567"]
    assert segs(doc, "ST")[0] == ["ST", "835", "0001"]  # ST03 is "not used" in X221A1
    assert ["CAS", "PR", "3", "10"] in segs(doc, "CAS")
    assert segs(doc, "LQ") == [["LQ", "HE", "N130"]]
    assert ["DTM", "150", "20240210"] in segs(doc, "DTM")


def test_835_zero_payment_is_a_notification(envelope: Envelope) -> None:
    r = remittance(plb=D("62.40"))
    doc = build_835([r], envelope)
    assert pyx12_errors(doc) == []
    assert segs(doc, "BPR")[0][1:5] == ["H", "0", "C", "NON"]


@pytest.mark.parametrize(
    "breaker",
    [
        lambda r: setattr(r.claims[0], "paid", D("62.41")),
        lambda r: setattr(r.claims[0].services[0], "paid", D("25")),
        lambda r: setattr(r.claims[0].services[1], "charge", D("16")),
        lambda r: r.claims[1].adjustments.clear(),
        lambda r: setattr(r.provider_adjustments[0], "amount", D("100")),
    ],
)
def test_835_refuses_to_write_unbalanced(breaker, envelope: Envelope) -> None:  # type: ignore[no-untyped-def]
    r = remittance()
    breaker(r)
    with pytest.raises(X12BalanceError):
        build_835([r], envelope)


def test_835_rejects_bad_group_code(envelope: Envelope) -> None:
    r = remittance()
    r.claims[1].adjustments[0].group = "XX"
    with pytest.raises(X12WriteError):
        build_835([r], envelope)


# -- 277CA ------------------------------------------------------------------------------------


def test_277ca_accepts_one_claim_and_rejects_the_other(envelope: Envelope) -> None:
    text = fixture_text("837p_commercial.txt").replace("SV1*HC:87070*15*UN", "SV1*HC:87070*16*UN")
    claims = list(Claim837Reader(text))
    assert claims[0].issues and not claims[1].issues
    ack = acknowledgment_from_claims(
        [(c, f"KI{i:05d}") for i, c in enumerate(claims)],
        payer_name="KEY INSURANCE COMPANY", payer_id="999996666",
        received=date(2024, 3, 1), processed=date(2024, 3, 2),
    )  # fmt: skip
    doc = build_277ca(ack, envelope)
    assert pyx12_errors(doc) == []
    assert segs(doc, "TRN")[0] == ["TRN", "1", "244579"]  # echoes the 837 BHT03
    stcs = segs(doc, "STC")
    assert stcs[-2][1:5] == ["A7:400", "20240302", "U", "100"]
    assert stcs[-1][1:5] == ["A2:20", "20240302", "WQ", "250.5"]
    assert ["QTY", "90", "1"] in segs(doc, "QTY") and ["QTY", "AA", "1"] in segs(doc, "QTY")
    assert ["AMT", "YY", "100"] in segs(doc, "AMT")
    assert segs(doc, "REF")[-1] == ["REF", "1K", "KI00001"]  # only the accepted claim
    trns = [t[2] for t in segs(doc, "TRN") if t[1] == "2"]
    assert trns[1:] == ["26463774", "26463775"]


def test_277ca_for_institutional_claim_has_bill_type(envelope: Envelope) -> None:
    claims = list(Claim837Reader(fixture_text("837i_inpatient.txt")))
    ack = acknowledgment_from_claims(
        [(claims[0], "KI9")], payer_name="KEY INSURANCE COMPANY", payer_id="999996666",
        received=date(2024, 3, 5), processed=date(2024, 3, 5),
    )  # fmt: skip
    doc = build_277ca(ack, envelope)
    assert pyx12_errors(doc) == []
    assert ["REF", "BLT", "111"] in segs(doc, "REF")
    assert ["DTP", "472", "RD8", "20240210-20240212"] in segs(doc, "DTP")


# -- 276/277 ------------------------------------------------------------------------------


def inquiry(dependent: bool) -> StatusInquiry:
    return StatusInquiry(
        trace_number="ABC9001", provider_name="BEN KILDARE SERVICE", provider_npi="1234567893",
        subscriber_last_name="SMITH", subscriber_first_name="JANE", member_id="JS00111223333",
        subscriber_birth_date=None if dependent else date(1943, 5, 1),
        subscriber_sex="" if dependent else "F",
        dependent=Dependent("SMITH", "TED", date(1973, 5, 1), "M") if dependent else None,
        service_date=date(2024, 2, 3), service_date_end=date(2024, 2, 10),
        patient_account_number="26463774", total_charge=D("100"),
    )  # fmt: skip


@pytest.mark.parametrize("dependent", [False, True])
def test_276_round_trip(dependent: bool, envelope: Envelope) -> None:
    req = ClaimStatusRequest(
        "KEY INSURANCE COMPANY", "999996666", "PREMIER BILLING SERVICE", "TGJ23",
        [inquiry(dependent)], reference="INQ1",
    )  # fmt: skip
    doc = build_276(req, envelope)
    assert validate_envelope(doc).accepted
    assert segs(doc, "ST")[0] == ["ST", "276", "0001", "005010X212"]
    back = read_claim_status(doc)
    assert back == req


def test_277_round_trip(envelope: Envelope) -> None:
    resp = ClaimStatusResponse(
        "KEY INSURANCE COMPANY", "999996666", "PREMIER BILLING SERVICE", "TGJ23",
        [StatusResult(inquiry(True), [ClaimStatus("F1", "65")], date(2024, 3, 22), D("100"),
                      D("62.4"), date(2024, 3, 20), date(2024, 3, 22), "0012345678")],
        reference="INQ1",
    )  # fmt: skip
    resp.results[0].inquiry.payer_claim_control_number = "KI2024031500001"
    resp.results[0].inquiry.total_charge = None  # AMT*T3 belongs to the request only
    resp.results[0].inquiry.dependent = Dependent("SMITH", "TED")  # no DMG in a 277
    doc = build_277(resp, envelope)
    assert validate_envelope(doc).accepted
    stc = segs(doc, "STC")[0]
    assert stc[1:] == [
        "F1:65",
        "20240322",
        "",
        "100",
        "62.4",
        "20240320",
        "",
        "20240322",
        "0012345678",
    ]
    assert read_claim_status(doc) == resp


# -- 278 --------------------------------------------------------------------------------------


def review(decided: bool) -> ServiceReview:
    svc = ReviewedService(
        "72148", D(1), trace_number="SVC1", service_date=date(2024, 4, 1),
        service_date_end=date(2024, 6, 30), service_type="73",
        decision=Decision(ReviewAction.CERTIFIED, "CERT778899") if decided else None,
    )  # fmt: skip
    pt = ReviewedService(
        "97110", D(12), trace_number="SVC2", modifiers=("GP",), service_type="AD",
        decision=(Decision(ReviewAction.NOT_CERTIFIED, reason_code="0U") if decided else None),
    )  # fmt: skip
    return ServiceReview(
        umo_name="SUMMIT SPINE REVIEW", umo_id="UMO123", member_id="JD998877",
        subscriber_last_name="DOE", subscriber_first_name="JOHN",
        subscriber_birth_date=date(1960, 1, 15), subscriber_sex="M",
        requester=AuthParty("1P", "WELBY", "1765432103", "MARCUS", tax_id="587654321"),
        trace_number="PA-2024-0001", service_type="73", facility_code="11",
        level_of_service="E", event_date=date(2024, 4, 1), event_date_end=date(2024, 6, 30),
        diagnoses=[Diagnosis("ABK", "M545"), Diagnosis("ABF", "M5416")],
        servicing_providers=[AuthParty("SJ", "RIDGEVIEW IMAGING", "1122334455", entity_type="2")],
        services=[svc, pt],
        decision=(Decision(ReviewAction.PARTIALLY_CERTIFIED, "CERT778899", "", date(2024, 4, 1),
                           date(2024, 6, 30), date(2024, 3, 28)) if decided else None),
    )  # fmt: skip


@pytest.mark.parametrize("decided", [False, True])
def test_278_round_trip(decided: bool, envelope: Envelope) -> None:
    original = review(decided)
    doc = build_278(original, envelope)
    assert validate_envelope(doc).accepted
    assert segs(doc, "BHT")[0][2] == ("11" if decided else "13")
    back = read_278(doc)
    assert back.trace_assigner == "1587654321"
    original.trace_assigner = "1587654321"
    assert back == original
    if decided:
        assert segs(doc, "HCR") == [["HCR", "A2", "CERT778899"], ["HCR", "A1", "CERT778899"],
                                    ["HCR", "A3", "", "0U"]]  # fmt: skip


def test_278_certified_needs_certification_number(envelope: Envelope) -> None:
    r = review(True)
    assert r.decision is not None
    r.decision.certification_number = ""
    with pytest.raises(X12WriteError):
        build_278(r, envelope)


def test_835_matches_the_reviewed_golden_file() -> None:
    """The PPO check-payment example, reviewed by hand against the guide's 835 examples."""
    doc = build_835([remittance("CHK")], make_envelope(receiver_id="BENKILDARE"))
    assert doc == fixture_text("835_ppo_check.txt")


# -- values that would break the document --------------------------------------------------


@pytest.mark.parametrize(
    ("elements", "message"),
    [
        (("A*B",), "value 'A*B' in NM101 contains the delimiter '*'"),
        (("OK", ["X", "Y~Z"]), "value 'Y~Z' in NM102 contains the delimiter '~'"),
        ((None, "", "LINE\nBREAK"), "value 'LINE\\nBREAK' in NM103 contains a line break"),
        (("CARET^",), "value 'CARET^' in NM101 contains the delimiter '^'"),
    ],
)
def test_writer_refuses_a_delimiter_or_line_break_inside_a_value(
    envelope: Envelope, elements: tuple, message: str
) -> None:
    import io

    from portico.x12.writer import X12Writer

    writer = X12Writer(io.StringIO(), envelope)
    with pytest.raises(X12WriteError) as refused:
        writer.segment("NM1", *elements)
    assert str(refused.value) == message


def test_typed_text_with_delimiters_is_written_with_spaces_in_the_835(
    envelope: Envelope,
) -> None:
    """Names and account numbers come from portal forms, the REST API and 837s written with
    other delimiters. The 835 of a payee with one patient named "O*Brien" used to fail."""
    r = remittance()
    r.payee_name = "BEN*KILDARE~SERVICE"
    r.payer_address = Address("1 INSURANCE WAY^SUITE:2", "HART\nFORD", "CT", "061030000")
    paid = r.claims[0]
    paid.patient_last_name, paid.patient_first_name = "O*BRIEN", "TED:DY"
    paid.patient_account_number = "ACCT*7~"
    doc = build_835([r], envelope)
    assert pyx12_errors(doc) == []
    assert ["N1", "PE", "BEN KILDARE SERVICE", "XX", "1234567893"] in segs(doc, "N1")
    assert segs(doc, "N3")[0] == ["N3", "1 INSURANCE WAY SUITE 2"]
    assert segs(doc, "N4")[0][1] == "HART FORD"
    assert segs(doc, "CLP")[0][1] == "ACCT 7"
    assert segs(doc, "NM1")[0][3:5] == ["O BRIEN", "TED DY"]


def test_writer_drops_trailing_empty_elements_and_components(envelope: Envelope) -> None:
    import io

    from portico.x12.writer import X12Writer

    out = io.StringIO()
    X12Writer(out, envelope).segment("STC", ["A1", "19", ""], None, "WQ", "", None)
    assert out.getvalue() == "STC*A1:19**WQ~\n"
