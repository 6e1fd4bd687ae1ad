"""The claims back office: work queue, line-by-line adjudication, pend, deny, stale pages,
automatic adjudication from the fee schedule."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from portico.claims.models import Claim, ClaimStatus, LineAdjustment
from portico.claims.services.adjudication import claim_auto_adjudicate
from portico.core.models import AuditEvent
from tests.factories.claims import make_claim
from tests.factories.remittance import accepted_claim, fee_schedule

pytestmark = pytest.mark.django_db


def _claim(world, number="C2025000501", **extra):
    return accepted_claim(organization=world.practice_a, tin="111111111", number=number, **extra)


def _line_post(claim, **line):
    data = {
        "version": claim.version,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-line_number": "1",
        "lines-0-action": "pay",
        "lines-0-allowed": "80.00",
        "lines-0-coinsurance": "16.00",
    }
    data.update({f"lines-0-{k}": v for k, v in line.items()})
    return data


def test_queue_lists_waiting_claims_oldest_first(world, persona_client, codes):
    old = _claim(world, "C2025000501")
    new = _claim(world, "C2025000502")
    Claim.objects.filter(pk=old.pk).update(
        submitted_at=new.submitted_at - __import__("datetime").timedelta(days=3)
    )
    make_claim(
        organization=world.practice_a,
        tin="111111111",
        number="C2025000503",
        status=ClaimStatus.FINALIZED_PAID,
    )
    page = persona_client("claims_examiner").get(reverse("claims_staff:queue"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("C2025000501") < html.index("C2025000502")
    assert "C2025000503" not in html  # finalized claims are not work
    filtered = persona_client("claims_examiner").get(
        reverse("claims_staff:queue"), {"status": "finalized_paid"}
    )
    assert "C2025000503" in filtered.content.decode()
    # The queue names each claim's patient: each page shown is audited with its claims
    # (before: no event).
    first, second = AuditEvent.objects.filter(action="portico.claim.listed_by_examiner").order_by(
        "pk"
    )
    assert first.changes == {"filters": {}, "claims": ["C2025000501", "C2025000502"]}
    assert second.changes == {
        "filters": {"status": "finalized_paid"},
        "claims": ["C2025000503"],
    }
    assert first.actor_id == world.users["claims_examiner"].pk


def test_examiner_adjudicates_a_line_with_an_other_adjustment(world, persona_client, codes):
    claim = _claim(world)
    client = persona_client("claims_examiner")
    page = client.get(reverse("claims_staff:claim_review", kwargs={"number": claim.number}))
    assert page.status_code == 200 and "Adjudicate line by line" in page.content.decode()
    response = client.post(
        reverse("claims_staff:claim_adjudicate", kwargs={"number": claim.number}),
        _line_post(
            claim,
            other_group="OA",
            other_reason="23",
            other_amount="10.00",
            remark_codes="N130",
            paid="54.00",
        ),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    line = claim.lines.get()
    assert claim.status == ClaimStatus.FINALIZED_PARTIAL
    assert (line.allowed, line.patient_responsibility, line.paid) == (D("80"), D("16"), D("54"))
    adjustments = sorted(
        LineAdjustment.objects.filter(line=line).values_list("group_code", "reason_code", "amount")
    )
    assert adjustments == [
        ("CO", "45", D("20.00")),
        ("OA", "23", D("10.00")),
        ("PR", "2", D("16.00")),
    ]
    assert line.charge - sum(a[2] for a in adjustments) == line.paid  # balances like an 835
    assert AuditEvent.objects.filter(
        action="portico.claim.adjudicated", object_id=str(claim.pk)
    ).exists()


def test_unbalanced_paid_is_refused_and_nothing_is_saved(world, persona_client, codes):
    claim = _claim(world)
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_adjudicate", kwargs={"number": claim.number}),
        _line_post(claim, paid="70.00"),
    )
    assert response.status_code == 400
    assert "does not balance" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and claim.paid_total is None


def test_unknown_carc_is_a_field_error(world, persona_client, codes):
    claim = _claim(world)
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_deny", kwargs={"number": claim.number}),
        {"deny-version": claim.version, "deny-reason_code": "999", "deny-group": "CO"},
    )
    assert response.status_code == 400
    assert "999 is not a claim adjustment reason code" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED


def test_a_second_examiner_on_a_stale_page_is_told(world, persona_client, codes):
    claim = _claim(world)
    stale = claim.version
    client = persona_client("claims_examiner")
    client.post(
        reverse("claims_staff:claim_pend", kwargs={"number": claim.number}),
        {
            "pend-version": stale,
            "pend-reason": "Operative note needed",
            "pend-attachment_report_type": "OB",
        },
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDED
    assert "Attachment requested (OB" in claim.pend_reason
    response = client.post(
        reverse("claims_staff:claim_adjudicate", kwargs={"number": claim.number}),
        {**_line_post(claim), "version": stale},
        follow=True,
    )
    assert "Someone else changed this record" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDED


def test_deny_finalizes_every_line_denied(world, persona_client, codes):
    claim = _claim(world, lines=2)
    persona_client("claims_examiner").post(
        reverse("claims_staff:claim_deny", kwargs={"number": claim.number}),
        {
            "deny-version": claim.version,
            "deny-reason_code": "50",
            "deny-group": "CO",
            "deny-remark_codes": "N130",
        },
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FINALIZED_DENIED
    assert claim.paid_total == 0
    assert set(
        LineAdjustment.objects.filter(line__claim=claim).values_list("reason_code", flat=True)
    ) == {"50"}


def test_auto_adjudication_pays_clean_claims_and_pends_what_it_cannot_price(world, codes):
    fee_schedule()
    clean = make_claim(organization=world.practice_a, tin="111111111", number="C2025000601")
    assert clean.status == ClaimStatus.RECEIVED
    clean = claim_auto_adjudicate(claim=clean)
    assert clean.status == ClaimStatus.FINALIZED_PAID
    assert (clean.allowed_total, clean.paid_total) == (D("92.00"), D("57.60"))
    odd = make_claim(organization=world.practice_a, tin="111111111", number="C2025000602")
    odd.lines.update(procedure_code="99499")
    odd = claim_auto_adjudicate(claim=odd)
    assert odd.status == ClaimStatus.PENDED
    assert "no fee schedule rate for 99499" in odd.pend_reason
    assert claim_auto_adjudicate(claim=odd).status == ClaimStatus.PENDED  # harmless twice


def test_non_examiners_are_refused(world, persona_client):
    assert persona_client("billing_clerk").get(reverse("claims_staff:queue")).status_code == 403
    assert persona_client("support_agent").get(reverse("claims_staff:queue")).status_code == 403


def _lines_summary(html: str) -> str:
    return html.split('id="lines-error-summary"', 1)[1].split("</div>\n</div>", 1)[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The service's rule, by line number.
        (
            {"allowed": "99999.00"},
            'href="#line-1">Line 1: Allowed $99,999.00 is more than the charge $',
        ),
        # A field's own check.
        ({"allowed": "-5"}, 'href="#id_lines-0-allowed">Line 1, Allowed: '),
    ],
)
def test_a_refused_decision_is_listed_at_the_top_of_the_lines(
    world, persona_client, codes, line, expected
):
    """Before: a refused line decision (an allowed amount above the charge) was shown only
    inside its line, with no summary and nothing focused: Finalize seemed to do nothing."""
    claim = _claim(world)
    version = claim.version
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_adjudicate", args=[claim.number]), _line_post(claim, **line)
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = _lines_summary(html)
    assert "data-focus-on-load" in summary and "There is a problem with the lines" in summary
    assert expected in summary
    assert 'id="line-1"' in html
    claim.refresh_from_db()
    assert claim.version == version  # nothing was decided


def test_amounts_in_the_decision_messages_read_as_dollars(world, persona_client, codes):
    """Before: "Allowed 99999.00 is more than the charge 100.00." and "Paid 5.00 does not
    balance: allowed 80.00 − …", where every other amount on the page reads $1,234.56."""
    claim = _claim(world)
    url = reverse("claims_staff:claim_adjudicate", args=[claim.number])
    client = persona_client("claims_examiner")
    html = client.post(url, _line_post(claim, paid="5.00")).content.decode()
    assert (
        "Paid $5.00 does not balance: allowed $80.00 − patient responsibility $16.00 − other "
        "adjustments $0.00 = $64.00." in html
    )
    html = client.post(url, _line_post(claim, coinsurance="90.00")).content.decode()
    assert (
        "Patient responsibility and adjustments ($90.00) exceed the allowed amount $80.00." in html
    )
