"""The examiners' remittance back office: a run's payments (payee, check/EFT number, amount,
claims paid) with their 835 files and EOB PDFs, a claim's payments on the staff claim page,
no empty payment runs (and a button that says what will be paid), dashed Tax IDs, and
cancelling a queued provider-level adjustment."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portico.claims.services.adjudication import LineDecision, claim_readjudicate
from portico.core.models import AuditEvent
from portico.remittance.forms import PaymentRunForm
from portico.remittance.models import (
    Counter,
    Payment,
    PaymentRun,
    ProviderAdjustment,
    ProviderAdjustmentStatus,
)
from portico.remittance.services import (
    RemittanceError,
    payment_run_execute,
    provider_adjustment_cancel,
    provider_adjustment_create,
)
from tests.factories.claims import plan_member
from tests.factories.remittance import paid_claim, payment_for

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _actions(obj) -> set[str]:
    return set(AuditEvent.objects.filter(object_id=str(obj.pk)).values_list("action", flat=True))


# ---------------------------------------------------------------------------
# 2. Runs, payments, 835s and EOBs for examiners
# ---------------------------------------------------------------------------
def test_examiner_opens_a_run_its_payments_835_and_eob(world, persona_client, codes):
    payment = payment_for(organization=world.practice_a, tin="111111111", number="C2025005001")
    run = payment.run
    client = persona_client("claims_examiner")
    runs_page = client.get(reverse("remittance:staff_runs")).content.decode()
    run_url = reverse("remittance:staff_run_detail", kwargs={"number": run.number})
    assert f'href="{run_url}"' in runs_page  # the run number is a link

    detail = client.get(run_url)
    assert detail.status_code == 200
    text = _text(detail.content.decode())
    assert payment.payee_name in text and payment.payee_tin in text
    assert payment.trace_number in text and "$57.60" in text
    assert payment.get_method_display() in text
    html = detail.content.decode()
    url_835 = reverse("remittance:staff_download_835", kwargs={"number": payment.number})
    url_eob = reverse("remittance:staff_eob_pdf", kwargs={"number": payment.number})
    url_payment = reverse("remittance:staff_payment_detail", kwargs={"number": payment.number})
    assert url_835 in html and url_eob in html and url_payment in html

    x12 = client.get(url_835)
    body = b"".join(x12.streaming_content).decode()
    assert body.startswith("ISA*") and f"TRN*1*{payment.trace_number}*" in body
    pdf = client.get(url_eob)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"

    # The payment's page lists the claims it paid, each linked to the staff claim page.
    page = client.get(url_payment).content.decode()
    assert reverse("claims_staff:claim_review", kwargs={"number": "C2025005001"}) in page
    assert "57.60" in page and run_url in page

    assert "portico.payment_run.viewed" in _actions(run)
    assert {
        "portico.payment.viewed_by_staff",
        "portico.payment.835_downloaded_by_staff",
        "portico.payment.eob_downloaded_by_staff",
    } <= _actions(payment)


def test_staff_claim_page_shows_the_payment_run_and_check(world, persona_client, codes):
    payment = payment_for(organization=world.practice_a, tin="111111111", number="C2025005101")
    client = persona_client("claims_examiner")
    claim_page = client.get(
        reverse("claims_staff:claim_review", kwargs={"number": "C2025005101"})
    ).content.decode()
    fragment_url = reverse("remittance:staff_claim_payments", kwargs={"number": "C2025005101"})
    assert fragment_url in claim_page  # loaded with htmx; a plain link without it
    fragment = client.get(fragment_url).content.decode()
    assert "<html" not in fragment
    text = _text(fragment)
    assert payment.number in text and payment.run.number in text
    assert payment.trace_number in text and "$57.60" in text
    assert reverse("remittance:staff_download_835", kwargs={"number": payment.number}) in fragment
    assert reverse("remittance:staff_eob_pdf", kwargs={"number": payment.number}) in fragment


def test_remittance_back_office_is_for_examiners_only(world, persona_client, codes):
    payment = payment_for(organization=world.practice_a, tin="111111111", number="C2025005201")
    urls = [
        reverse("remittance:staff_run_detail", kwargs={"number": payment.run.number}),
        reverse("remittance:staff_payment_detail", kwargs={"number": payment.number}),
        reverse("remittance:staff_download_835", kwargs={"number": payment.number}),
        reverse("remittance:staff_eob_pdf", kwargs={"number": payment.number}),
        reverse("remittance:staff_claim_payments", kwargs={"number": "C2025005201"}),
    ]
    clerk = persona_client("billing_clerk")  # practice A's own clerk: still not the back office
    for url in urls:
        assert clerk.get(url).status_code == 403, url
    examiner = persona_client("claims_examiner")
    assert (
        examiner.get(
            reverse("remittance:staff_run_detail", kwargs={"number": "R202599999"})
        ).status_code
        == 404
    )
    assert (
        examiner.get(
            reverse("remittance:staff_payment_detail", kwargs={"number": "P20259999999"})
        ).status_code
        == 404
    )


# ---------------------------------------------------------------------------
# 3. No empty runs; the button says what will be paid
# ---------------------------------------------------------------------------
def test_run_with_nothing_awaiting_is_refused_and_nothing_saved(world, persona_client, codes):
    client = persona_client("claims_examiner")
    page = _text(client.get(reverse("remittance:staff_runs")).content.decode())
    assert "No finalized or adjusted claims await payment" in page
    assert "Run payments (nothing awaits payment)" in page
    response = client.post(
        reverse("remittance:staff_run_create"), {"payment_date": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    assert "No finalized or adjusted claims await payment, so no payment run was created." in (
        _text(response.content.decode())
    )
    assert PaymentRun.objects.count() == 0 and Payment.objects.count() == 0
    assert not Counter.objects.filter(name__startswith="run-").exists()  # no number used


def test_run_button_says_how_many_claims_and_how_much(world, persona_client, codes):
    a = world.practice_a
    paid_claim(organization=a, tin="111111111", number="C2025005301")
    paid_claim(organization=a, tin="111111111", number="C2025005302")
    client = persona_client("claims_examiner")
    page = client.get(reverse("remittance:staff_runs")).content.decode()
    button = re.search(r'<button[^>]*id="run-payments"[^>]*>(.*?)</button>', page, re.S)
    assert button is not None and _text(button.group(1)) == "Run payments: 2 claims, $115.20"
    response = client.post(
        reverse("remittance:staff_run_create"),
        {"payment_date": timezone.localdate().isoformat()},
        follow=True,
    )
    run = PaymentRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "remittance:staff_run_detail", kwargs={"number": run.number}
    )
    assert "1 payment, 2 claims, $115.20" in _text(response.content.decode())


def test_preview_of_an_adjusted_claim_is_the_difference(world, persona_client, codes):
    claim = paid_claim(organization=world.practice_a, tin="111111111", number="C2025005401")
    payment_run_execute(payment_date=dt.date(2025, 4, 1))
    claim_readjudicate(
        claim=claim,
        user=world.users["claims_examiner"],
        decisions=[LineDecision(line_number=1, allowed=D("100.00"), copay=D("20.00"))],
    )
    page = persona_client("claims_examiner").get(reverse("remittance:staff_runs"))
    text = _text(page.content.decode())
    assert "Run payments: 1 claim, $22.40" in text  # 80.00 now, 57.60 paid before
    second = payment_run_execute(payment_date=dt.date(2025, 5, 1)).payments[0]
    assert second.amount == D("22.40")


def test_payment_run_command_with_nothing_to_pay(world, codes):
    out = io.StringIO()
    call_command("payment_run", "--date", "2025-07-01", stdout=out)
    assert "No finalized or adjusted claims await payment" in out.getvalue()
    assert PaymentRun.objects.count() == 0


# ---------------------------------------------------------------------------
# 5. Provider-level adjustments: dashed Tax IDs, cancelling a queued one
# ---------------------------------------------------------------------------
def _plb_post(client, world, tin: str):
    plan, _, _ = plan_member()
    return client.post(
        reverse("remittance:staff_plb_create"),
        {
            "plb-organization": world.practice_a.pk,
            "plb-tin": tin,
            "plb-health_plan": plan.pk,
            "plb-reason_code": "WO",
            "plb-amount": "5.00",
            "plb-reference": "OVP-1",
        },
    )


@pytest.mark.parametrize("typed", ["11-1111111", "111111111", " 11-1111111 ", "111-11-1111"])
def test_adjustment_accepts_the_tax_id_as_displayed(world, persona_client, codes, typed):
    response = _plb_post(persona_client("claims_examiner"), world, typed)
    assert response.status_code == 302
    assert ProviderAdjustment.objects.get().tin == "111111111"


@pytest.mark.parametrize("typed", ["11-111111", "1111-11111", "11 1111111x"])
def test_adjustment_refuses_a_malformed_tax_id(world, persona_client, codes, typed):
    response = _plb_post(persona_client("claims_examiner"), world, typed)
    assert response.status_code == 400
    assert "Enter the 9-digit Tax ID, for example 12-3456789." in response.content.decode()
    assert not ProviderAdjustment.objects.exists()


def _queued_adjustment(world, claim, amount: D, reference: str = ""):
    """A write-off (WO) for practice A's Tax ID on the claim's plan, queued by the examiner."""
    return provider_adjustment_create(
        user=world.users["claims_examiner"],
        organization_id=world.practice_a.pk,
        tin="111111111",
        health_plan=claim.health_plan,
        reason_code="WO",
        amount=amount,
        reference=reference,
    )


def test_examiner_cancels_a_queued_adjustment(world, persona_client, codes):
    claim = paid_claim(organization=world.practice_a, tin="111111111", number="C2025005501")
    item = _queued_adjustment(world, claim, D("5.00"), reference="OVP-9")
    client = persona_client("claims_examiner")
    cancel_url = reverse("remittance:staff_plb_cancel", kwargs={"pk": item.pk})
    assert cancel_url in client.get(reverse("remittance:staff_runs")).content.decode()
    assert client.get(cancel_url).status_code == 405
    response = client.post(cancel_url, {"cancel-reason": "Entered twice"}, follow=True)
    assert "is cancelled" in _text(response.content.decode())
    item.refresh_from_db()
    assert item.status == ProviderAdjustmentStatus.CANCELLED
    assert item.cancelled_by == world.users["claims_examiner"] and item.cancel_reason
    assert cancel_url not in response.content.decode()  # no longer waiting
    event = AuditEvent.objects.get(
        action="portico.provider_adjustment.cancelled", object_id=str(item.pk)
    )
    assert event.actor_id == world.users["claims_examiner"].pk
    # The next run does not apply it.
    payment = payment_run_execute(payment_date=dt.date(2025, 4, 1)).payments[0]
    assert payment.amount == D("57.60") and payment.provider_adjustment_total == 0
    item.refresh_from_db()
    assert item.payment_id is None and item.status == ProviderAdjustmentStatus.CANCELLED


def test_an_applied_adjustment_cannot_be_cancelled(world, persona_client, codes):
    claim = paid_claim(organization=world.practice_a, tin="111111111", number="C2025005601")
    item = _queued_adjustment(world, claim, D("5.00"))
    payment = payment_run_execute(payment_date=dt.date(2025, 4, 1)).payments[0]
    item.refresh_from_db()
    assert item.status == ProviderAdjustmentStatus.APPLIED and item.payment == payment
    with pytest.raises(RemittanceError, match="already applied"):
        provider_adjustment_cancel(user=world.users["claims_examiner"], adjustment=item)
    response = persona_client("claims_examiner").post(
        reverse("remittance:staff_plb_cancel", kwargs={"pk": item.pk}), follow=True
    )
    assert "already applied in a payment" in _text(response.content.decode())
    item.refresh_from_db()
    assert item.status == ProviderAdjustmentStatus.APPLIED
    assert not AuditEvent.objects.filter(action="portico.provider_adjustment.cancelled").exists()


def test_a_second_run_started_before_the_first_finished_pays_nothing_again(
    world, codes, monkeypatch
):
    """Before: two "Run payments" clicks at once both read the claims awaiting payment, and
    both paid them; a third left an empty run."""
    from portico.remittance import services as remittance_services

    paid_claim(organization=world.practice_a, tin="111111111", number="C2025007701")
    real_make_payment = remittance_services._make_payment
    raced: list = []

    def other_click_first(**kwargs):
        # This run has read the claims it is about to pay; the other click pays them first.
        if not raced:
            raced.append(None)
            raced[0] = payment_run_execute(payment_date=dt.date(2025, 4, 1))
        return real_make_payment(**kwargs)

    monkeypatch.setattr(remittance_services, "_make_payment", other_click_first)
    with pytest.raises(remittance_services.NothingToPay):
        payment_run_execute(payment_date=dt.date(2025, 4, 1))
    [other] = raced
    assert len(other.payments) == 1 and other.payments[0].amount == D("57.60")
    assert Payment.objects.count() == 1 and PaymentRun.objects.count() == 1


def test_an_adjustment_form_sent_twice_queues_one(world, persona_client, codes):
    client = persona_client("claims_examiner")
    plan, _, _ = plan_member()
    data = {
        "plb-organization": world.practice_a.pk,
        "plb-tin": "11-1111111",
        "plb-health_plan": plan.pk,
        "plb-reason_code": "WO",
        "plb-amount": "25.00",
        "plb-reference": "DOUBLE",
        "plb-idempotency_key": "plb-form-1",
    }
    for _ in range(2):
        assert client.post(reverse("remittance:staff_plb_create"), data).status_code == 302
    assert ProviderAdjustment.objects.filter(reference="DOUBLE").count() == 1


def test_a_cancel_with_a_reason_over_the_limit_cancels_nothing(world, persona_client, codes):
    """Before: the over-long reason was dropped and the adjustment cancelled without one."""
    claim = paid_claim(organization=world.practice_a, tin="111111111", number="C2025007801")
    item = _queued_adjustment(world, claim, D("5.00"))
    cancel_url = reverse("remittance:staff_plb_cancel", kwargs={"pk": item.pk})
    client = persona_client("claims_examiner")
    page = client.post(cancel_url, {"cancel-reason": "x" * 5000}, follow=True).content.decode()
    assert "The adjustment was not cancelled" in _text(page)
    item.refresh_from_db()
    assert item.status == ProviderAdjustmentStatus.QUEUED
    done = client.post(cancel_url, {"cancel-reason": "Entered twice"}, follow=True)
    assert "for Tax ID 11-1111111 is cancelled" in _text(done.content.decode())


def test_adjustments_larger_than_the_payment_are_carried_and_the_run_says_so(world, codes):
    claim = paid_claim(organization=world.practice_a, tin="111111111", number="C2025007901")
    _queued_adjustment(world, claim, D("100000.00"))
    result = payment_run_execute(payment_date=dt.date(2025, 4, 1))
    assert result.payments[0].provider_adjustment_total == 0
    assert (
        "TIN 11-1111111: provider-level adjustments of $100,000.00 exceed this payment "
        "($57.60); carried to a later payment." in result.run.notes
    )


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (31, "A payment date can be at most 30 days ago (not before {edge})."),
        (-31, "A payment date can be at most 30 days ahead (not after {edge})."),
    ],
)
def test_payment_date_far_from_today_is_refused_next_to_the_field(
    world, persona_client, codes, days, message
):
    """A run dated 9999-12-31 (or years back) used to be paid and written into the 835."""
    paid_claim(organization=world.practice_a, tin="111111111", number="C2025005501")
    client = persona_client("claims_examiner")
    today = timezone.localdate()
    edge = today - dt.timedelta(days=30 if days > 0 else -30)
    response = client.post(
        reverse("remittance:staff_run_create"),
        {"payment_date": (today - dt.timedelta(days=days)).isoformat()},
    )
    assert response.status_code == 400
    assert message.format(edge=f"{edge:%m/%d/%Y}") in _text(response.content.decode())
    assert PaymentRun.objects.count() == 0 and Payment.objects.count() == 0
    for edge_days in (30, -30):  # the window's own ends are fine
        assert not PaymentRunForm(
            {"payment_date": (today - dt.timedelta(days=edge_days)).isoformat()}
        ).errors
