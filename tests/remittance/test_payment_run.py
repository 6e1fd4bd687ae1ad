"""Payment runs: one payment and one 835 per payer × payee TIN; the 835 passes pyx12."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from portico.claims.models import ClaimStatus
from portico.claims.services.adjudication import LineDecision, claim_readjudicate
from portico.remittance.models import (
    PaymentClaimKind,
    PaymentMethod,
    PaymentRun,
    ProviderAdjustment,
)
from portico.remittance.services import NothingToPay, payment_835_text, payment_run_execute
from portico.x12.tokenizer import SegmentReader
from tests.factories.claims import make_claim
from tests.factories.remittance import fee_schedule, paid_claim

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x12_helpers import pyx12_errors


def segs(doc: str, seg_id: str) -> list[list[str]]:
    return [s.elements for s in SegmentReader(doc) if s.id == seg_id]


def test_auto_adjudicated_claims_are_paid_with_a_valid_835(world, codes):
    a = world.practice_a
    c1 = paid_claim(organization=a, tin="111111111", number="C2025000101")
    c2 = paid_claim(organization=a, tin="111111111", number="C2025000102", lines=2)
    assert c1.status == ClaimStatus.FINALIZED_PAID
    assert c1.paid_total == D("57.60")  # 92 allowed - 20 copay - 14.40 coinsurance
    result = payment_run_execute(payment_date=dt.date(2025, 4, 1))
    assert len(result.payments) == 1
    payment = result.payments[0]
    assert payment.method == PaymentMethod.CHECK
    assert payment.payee_tin == "111111111"
    assert payment.claim_count == 2
    # c2: two lines of 92 allowed; copay once (20), coinsurance 20% of 72 and of 92.
    assert payment.amount == c1.paid_total + c2.paid_total
    doc = payment_835_text(payment=payment).decode()
    assert pyx12_errors(doc) == []
    bpr = segs(doc, "BPR")[0]
    assert bpr[1:5] == ["C", str(payment.amount).rstrip("0").rstrip("."), "C", "CHK"]
    assert segs(doc, "TRN")[0][2] == payment.trace_number
    assert {c[7] for c in segs(doc, "CLP")} == {"C2025000101", "C2025000102"}
    # A second run finds nothing left to pay: it is refused and no (empty) run is saved.
    runs = PaymentRun.objects.count()
    with pytest.raises(NothingToPay):
        payment_run_execute()
    assert PaymentRun.objects.count() == runs


def test_readjudicated_claim_is_reversed_and_repaid_with_plb(world, codes, django_user_model):
    a = world.practice_a
    claim = paid_claim(organization=a, tin="111111111", number="C2025000201")
    first = payment_run_execute(payment_date=dt.date(2025, 4, 1)).payments[0]
    claim = claim_readjudicate(
        claim=claim,
        user=world.users["claims_examiner"],
        decisions=[LineDecision(line_number=1, allowed=D("100.00"), copay=D("20.00"))],
        note="Appeal overturned",
    )
    assert claim.status == ClaimStatus.ADJUSTED
    assert claim.paid_total == D("80.00")
    ProviderAdjustment.objects.create(
        organization=a,
        tin="111111111",
        health_plan=claim.health_plan,
        reason_code="WO",
        amount=D("5.00"),
        reference="OVERPAY1",
    )
    second = payment_run_execute(payment_date=dt.date(2025, 5, 1)).payments[0]
    kinds = sorted(second.claims.values_list("kind", "paid"))
    assert kinds == [
        (PaymentClaimKind.PAYMENT, D("80.00")),
        (PaymentClaimKind.REVERSAL, D("-57.60")),
    ]
    assert second.amount == D("80.00") - D("57.60") - D("5.00")
    doc = payment_835_text(payment=second).decode()
    assert pyx12_errors(doc) == []
    assert [c[2] for c in segs(doc, "CLP")] == ["22", "1"] or [c[2] for c in segs(doc, "CLP")] == [
        "1",
        "22",
    ]
    assert segs(doc, "PLB")[0][3:5] == ["WO:OVERPAY1", "5"]
    assert first.pk != second.pk


def test_denied_claim_is_reported_with_status_4(world, codes):
    from portico.claims.services.adjudication import claim_deny

    fee_schedule()
    claim = make_claim(
        organization=world.practice_a,
        tin="111111111",
        number="C2025000301",
        status=ClaimStatus.ACCEPTED,
    )
    claim_deny(claim=claim, user=world.users["claims_examiner"], reason_code="50")
    payment = payment_run_execute().payments[0]
    assert payment.method == PaymentMethod.NONE
    doc = payment_835_text(payment=payment).decode()
    assert pyx12_errors(doc) == []
    assert segs(doc, "CLP")[0][2] == "4"
    assert segs(doc, "BPR")[0][1:5] == ["H", "0", "C", "NON"]


def test_a_patient_named_with_an_x12_delimiter_does_not_hold_back_the_payees_payment(world, codes):
    """Names and account numbers typed on the claim form or sent by the API may hold ``*``,
    ``~``, ``:`` or ``^``; the run skipped the payee's whole payment ("the 835 could not be
    written") every time, so none of its claims were ever paid."""
    a = world.practice_a
    typed = paid_claim(organization=a, tin="111111111", number="C2025007001")
    typed.patient_last_name, typed.patient_first_name = "O*Brien~X", "Ann:Marie^"
    typed.patient_account_number = "ACCT*1"
    typed.save()
    other = paid_claim(organization=a, tin="111111111", number="C2025007002")
    result = payment_run_execute(payment_date=dt.date(2025, 4, 1))
    assert result.skipped == []
    (payment,) = result.payments
    assert payment.claim_count == 2
    assert payment.amount == typed.paid_total + other.paid_total
    doc = payment_835_text(payment=payment).decode()
    assert pyx12_errors(doc) == []
    clp = next(c for c in segs(doc, "CLP") if c[7] == "C2025007001")
    assert clp[1] == "ACCT 1"
    assert ["NM1", "QC", "1", "O Brien X", "Ann Marie"] in [n[:5] for n in segs(doc, "NM1")]
