"""The demo generator (adjudicate, pay, overturn one appeal, pay again) and the
``portico payment-run`` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from portico.claims.models import Appeal, AppealStatus, ClaimStatus
from portico.claims.services.adjudication import claim_deny
from portico.remittance import demo
from portico.remittance.models import Payment, PaymentMethod
from tests.factories.remittance import accepted_claim, fee_schedule

pytestmark = pytest.mark.django_db


def test_demo_pays_claims_and_overturns_an_appeal(world, codes):
    fee_schedule()
    a = world.practice_a
    accepted_claim(organization=a, tin="111111111", number="C2025002001")
    denied = accepted_claim(organization=a, tin="111111111", number="C2025002002")
    claim_deny(claim=denied, user=world.users["claims_examiner"], reason_code="50")
    waiting = accepted_claim(organization=a, tin="111111111", number="C2025002003")
    claim_deny(claim=waiting, user=world.users["claims_examiner"], reason_code="50")
    counts = demo.generate(scale="small")
    assert counts["payments"] >= 2 and counts["appeals_overturned"] == 1
    appeal = Appeal.objects.get(claim=denied)
    assert appeal.status == AppealStatus.OVERTURNED and appeal.letter_document_id
    # "Office notes attached": the appeal carries them (a real PDF).
    notes = appeal.attachments.get()
    assert notes.filename == "office-notes.pdf" and notes.content_type == "application/pdf"
    denied.refresh_from_db()
    assert denied.status == ClaimStatus.ADJUSTED
    # A second appeal waits in the examiners' queue.
    assert Appeal.objects.get(claim=waiting).status == AppealStatus.RECEIVED
    assert Payment.objects.filter(method=PaymentMethod.EFT).exists()  # the EFT enrolment
    assert demo.generate(scale="small") == {"payments": 0}  # idempotent


def test_payment_run_command(world, codes):
    fee_schedule()
    accepted_claim(organization=world.practice_a, tin="111111111", number="C2025002101")
    out = io.StringIO()
    call_command("payment_run", "--auto-adjudicate", "--date", "2025-07-01", stdout=out)
    assert "1 payment, 1 claim," in out.getvalue()
    assert Payment.objects.get().payment_date.isoformat() == "2025-07-01"


def test_the_adjudication_cycle_prices_waiting_claims_and_is_scheduled(world, codes, settings):
    from portico.claims.models import Claim
    from portico.remittance.tasks import adjudication_cycle

    fee_schedule()
    claim = accepted_claim(organization=world.practice_a, tin="111111111", number="C2025002201")
    assert adjudication_cycle.delay().get() == {"finalized": 1, "pended": 0}
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.status not in (ClaimStatus.RECEIVED, ClaimStatus.ACCEPTED)
    assert adjudication_cycle.delay().get() == {"finalized": 0, "pended": 0}  # nothing left
    scheduled = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portico.claims.adjudication_cycle" in scheduled
