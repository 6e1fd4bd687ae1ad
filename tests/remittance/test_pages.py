"""Provider payment pages: list, EOB viewer, EOB PDF, 835 download (audited), reconciliation
with totals that add up and unmatched items flagged, CSV export, the home-page fragment, and
the examiners' payment run page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from portico.claims.services.adjudication import LineDecision, claim_readjudicate
from portico.core.models import AuditEvent
from portico.remittance.models import Payment, ProviderAdjustment
from portico.remittance.services import payment_run_execute
from tests.factories.remittance import paid_claim, payment_for

pytestmark = pytest.mark.django_db


def _payment(world):
    return payment_for(organization=world.practice_a, tin="111111111", number="C2025000801")


def test_list_detail_pdf_and_835(world, persona_client, codes):
    payment = _payment(world)
    client = persona_client("billing_clerk")
    listing = client.get(reverse("remittance:payment_list")).content.decode()
    assert payment.trace_number in listing and "57.60" in listing
    detail = client.get(reverse("remittance:payment_detail", kwargs={"number": payment.number}))
    html = detail.content.decode()
    assert "C2025000801" in html and "CO-45" in html and "PR-2" in html
    pdf = client.get(reverse("remittance:eob_pdf", kwargs={"number": payment.number}))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    x12 = client.get(reverse("remittance:download_835", kwargs={"number": payment.number}))
    body = b"".join(x12.streaming_content).decode()
    assert body.startswith("ISA*") and f"TRN*1*{payment.trace_number}*" in body
    actions = set(
        AuditEvent.objects.filter(object_id=str(payment.pk)).values_list("action", flat=True)
    )
    assert {
        "portico.payment.viewed",
        "portico.payment.eob_downloaded",
        "portico.payment.835_downloaded",
    } <= actions
    # Practice B's clerk sees none of it.
    other = persona_client("billing_clerk_b")
    assert (
        payment.trace_number not in other.get(reverse("remittance:payment_list")).content.decode()
    )


def test_reconciliation_totals_add_up_and_flags_unmatched_items(world, persona_client, codes):
    claim = paid_claim(organization=world.practice_a, tin="111111111", number="C2025000901")
    payment_run_execute(payment_date=dt.date(2025, 4, 1))
    claim_readjudicate(
        claim=claim,
        user=world.users["claims_examiner"],
        decisions=[LineDecision(line_number=1, allowed=D("92"), copay=D("20"))],
    )
    ProviderAdjustment.objects.create(
        organization=world.practice_a,
        tin="111111111",
        health_plan=claim.health_plan,
        reason_code="L6",
        amount=D("-1.25"),
        reference="INT-1",
    )
    payment = payment_run_execute(payment_date=dt.date(2025, 5, 1)).payments[0]
    client = persona_client("billing_clerk")
    page = client.get(reverse("remittance:reconciliation", kwargs={"number": payment.number}))
    html = page.content.decode()
    assert "Totals match" in html
    assert "Reversal of an earlier payment" in html and "Provider-level adjustment" in html
    response = client.get(
        reverse("remittance:reconciliation_csv", kwargs={"number": payment.number})
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    claims = [r for r in rows if r["row_kind"] in ("payment", "reversal")]
    plb = [r for r in rows if r["row_kind"] == "provider_adjustment"]
    total = next(r for r in rows if r["row_kind"] == "total")
    paid = sum(D(r["paid"]) for r in claims) + sum(D(r["paid"]) for r in plb)
    assert paid == D(total["paid"]) == payment.amount == D("72.00") - D("57.60") + D("1.25")
    for r in claims:
        assert D(r["billed"]) - D(r["adjustments"]) - D(r["patient_responsibility"]) == D(r["paid"])


def test_recent_fragment_for_the_claims_home(world, persona_client, codes):
    payment = _payment(world)
    html = (
        persona_client("billing_clerk").get(reverse("remittance:recent_fragment")).content.decode()
    )
    assert payment.trace_number in html and "<html" not in html


def test_claim_detail_and_home_show_the_payments(world, persona_client, codes):
    payment = _payment(world)
    claim = payment.claims.get().claim
    client = persona_client("billing_clerk")
    detail = client.get(reverse("claims:claim_detail", kwargs={"number": claim.number}))
    fragment_url = reverse("remittance:claim_payments", kwargs={"number": claim.number})
    assert fragment_url in detail.content.decode()  # loaded with htmx, a plain link without
    fragment = client.get(fragment_url).content.decode()
    assert payment.trace_number in fragment and "EOB (PDF)" in fragment
    assert reverse("remittance:eob_pdf", kwargs={"number": payment.number}) in fragment
    home = client.get(reverse("claims:home")).content.decode()
    assert reverse("remittance:recent_fragment") in home
    assert reverse("remittance:payment_list") in home  # the nav's "Payments & EOBs"
    # Another practice's user gets 404 for A's claim.
    other = persona_client("billing_clerk_b").get(fragment_url)
    assert other.status_code == 404


def test_examiner_runs_payments_from_the_back_office(world, persona_client, codes):
    paid_claim(organization=world.practice_a, tin="111111111", number="C2025001001")
    client = persona_client("claims_examiner")
    assert (
        "1 finalized or adjusted claim awaits payment"
        in client.get(reverse("remittance:staff_runs")).content.decode()
    )
    response = client.post(
        reverse("remittance:staff_run_create"),
        {"payment_date": (today := timezone.localdate()).isoformat(), "auto_adjudicate": "on"},
        follow=True,
    )
    assert "1 payment, 1 claim," in response.content.decode()
    assert Payment.objects.filter(payment_date=today).count() == 1
    bad = client.post(
        reverse("remittance:staff_plb_create"),
        {
            "plb-organization": world.practice_a.pk,
            "plb-tin": "222222222",
            "plb-amount": "0",
            "plb-reason_code": "WO",
        },
    )
    assert bad.status_code == 400
    assert ProviderAdjustment.objects.count() == 0
