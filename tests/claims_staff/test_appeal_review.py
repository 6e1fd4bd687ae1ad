"""Appeals, examiner side: review, decide, the decision letter is mailed, an overturn
re-adjudicates the claim and the next payment run pays the difference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from portico.claims.models import AppealStatus, ClaimStatus
from portico.claims.services.adjudication import claim_deny
from portico.documents.models import Document
from portico.remittance.models import PaymentClaimKind
from portico.remittance.services import payment_run_execute
from tests.factories.claims import make_appeal
from tests.factories.remittance import accepted_claim, fee_schedule

pytestmark = pytest.mark.django_db


def _denied_appeal(world):
    fee_schedule()
    claim = accepted_claim(organization=world.practice_a, tin="111111111", number="C2025000701")
    claim = claim_deny(claim=claim, user=world.users["claims_examiner"], reason_code="50")
    first = payment_run_execute(payment_date=dt.date(2025, 4, 1)).payments[0]
    assert first.amount == 0
    return make_appeal(claim=claim, number="A2025000701", user=world.users["billing_clerk"])


def test_overturn_readjudicates_mails_a_letter_and_pays_next_run(world, persona_client, codes):
    appeal = _denied_appeal(world)
    client = persona_client("claims_examiner")
    page = client.get(reverse("claims_staff:appeal_queue"))
    assert appeal.number in page.content.decode()
    client.post(
        reverse("claims_staff:appeal_start", kwargs={"number": appeal.number}),
        {"start-version": appeal.version},
    )
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_REVIEW
    response = client.post(
        reverse("claims_staff:appeal_decide", kwargs={"number": appeal.number}),
        {
            "version": appeal.version,
            "decision": AppealStatus.OVERTURNED,
            "notes": "Records show medical necessity.",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-line_number": "1",
            "lines-0-action": "pay",
            "lines-0-allowed": "92.00",
            "lines-0-copay": "20.00",
            "lines-0-coinsurance": "14.40",
        },
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    claim = appeal.claim
    claim.refresh_from_db()
    assert appeal.status == AppealStatus.OVERTURNED
    assert claim.status == ClaimStatus.ADJUSTED and claim.paid_total == D("57.60")
    letter = Document.objects.get(pk=appeal.letter_document_id)
    assert letter.delivery == "mail" and letter.mail_status == "queued"
    with default_storage.open(letter.storage_key, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    # The provider's appeal page shows the letter is on its way by mail.
    detail = persona_client("billing_clerk").get(
        reverse("claims:appeal_detail", kwargs={"number": appeal.number})
    )
    assert "Queued for printing and mailing" in detail.content.decode()
    second = payment_run_execute(payment_date=dt.date(2025, 5, 1)).payments[0]
    rows = sorted(second.claims.values_list("kind", "paid"))
    assert rows == [(PaymentClaimKind.PAYMENT, D("57.60")), (PaymentClaimKind.REVERSAL, D("0.00"))]
    assert second.amount == D("57.60")


def test_decision_needs_an_explanation(world, persona_client, codes):
    appeal = _denied_appeal(world)
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:appeal_decide", kwargs={"number": appeal.number}),
        {"version": appeal.version, "decision": AppealStatus.UPHELD, "notes": ""},
    )
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.RECEIVED and appeal.letter_document_id is None


def test_upheld_keeps_the_claim_and_mails_a_letter(world, persona_client, codes):
    appeal = _denied_appeal(world)
    persona_client("claims_examiner").post(
        reverse("claims_staff:appeal_decide", kwargs={"number": appeal.number}),
        {
            "version": appeal.version,
            "decision": AppealStatus.UPHELD,
            "notes": "No new records.",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
        },
    )
    appeal.refresh_from_db()
    appeal.claim.refresh_from_db()
    assert appeal.status == AppealStatus.UPHELD
    assert appeal.claim.status == ClaimStatus.FINALIZED_DENIED
    assert Document.objects.filter(pk=appeal.letter_document_id, delivery="mail").exists()
