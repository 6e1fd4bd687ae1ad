"""Claims examiners' back office, as QA found it: the appeal decision letter is mailed to the
practice it is addressed to (not the patient), a badly formatted denial code gets one error,
and a claim's status reads the same on the claim page as in the queue ("Pended: reason")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from portico.claims.models import AppealStatus, ClaimStatus
from portico.claims.services.adjudication import claim_deny, claim_pend
from portico.claims.services.appeal_review import appeal_letter_recipient
from portico.codes.validators import CARC_FORMAT_MESSAGE
from portico.documents.models import Document
from tests.factories.claims import make_appeal, make_claim
from tests.factories.remittance import accepted_claim, fee_schedule, load_adjustment_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes(db: Any, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    load_adjustment_codes()


def _text(html: str) -> str:
    """What the user reads: tags removed, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


# ---------------------------------------------------------------------------
# 1. Appeal decision letters go to the practice
# ---------------------------------------------------------------------------
def _appeal_in_review(world):
    practice = world.practice_a
    practice.name, practice.address_line1, practice.address_line2 = (
        "Riverside Family Practice", "200 Clinic Way", "Suite 4",
    )  # fmt: skip
    practice.city, practice.state, practice.zip_code = "Albany", "NY", "12207"
    practice.save()
    fee_schedule()
    claim = accepted_claim(organization=practice, tin="111111111", number="C2025004401")
    member = claim.member
    member.address_line1, member.city, member.state, member.zip_code = (
        "9 Patient Home Rd", "Troy", "NY", "12180",
    )  # fmt: skip
    member.save()
    claim = claim_deny(claim=claim, user=world.users["claims_examiner"], reason_code="50")
    appeal = make_appeal(claim=claim, number="A2025004401", user=world.users["billing_clerk"])
    return appeal


@pytest.mark.parametrize("decision", [AppealStatus.UPHELD, AppealStatus.OVERTURNED])
def test_appeal_letter_is_queued_for_mail_to_the_practice_not_the_patient(
    world, persona_client, codes, decision
):
    appeal = _appeal_in_review(world)
    client = persona_client("claims_examiner")
    client.post(
        reverse("claims_staff:appeal_start", kwargs={"number": appeal.number}),
        {"start-version": appeal.version},
    )
    appeal.refresh_from_db()
    response = client.post(
        reverse("claims_staff:appeal_decide", kwargs={"number": appeal.number}),
        {
            "version": appeal.version,
            "decision": decision,
            "notes": "Reviewed the records.",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-line_number": "1",
            "lines-0-action": "pay",
            "lines-0-allowed": "92.00",
            "lines-0-copay": "20.00",
        },
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    letter = Document.objects.get(pk=appeal.letter_document_id)
    assert letter.delivery == "mail"
    assert letter.mail_to.splitlines() == [
        "Riverside Family Practice",
        "Attn: Test Practice",  # the billing provider as billed
        "200 Clinic Way",
        "Suite 4",
        "Albany, NY 12207",
    ]
    # The letter's own address block is the same one.
    assert letter.mail_to.splitlines() == appeal_letter_recipient(appeal=appeal, claim=appeal.claim)
    # What the mail room sees on the print-and-mail queue.
    queue = _text(client.get(reverse("documents:staff_mail_queue")).content.decode())
    assert "Riverside Family Practice" in queue and "200 Clinic Way" in queue
    assert "9 Patient Home Rd" not in queue and "Troy" not in queue


def test_letter_uses_the_billing_address_when_the_practice_has_none(world, codes):
    appeal = _appeal_in_review(world)
    practice = appeal.organization
    practice.address_line1 = practice.address_line2 = practice.city = ""
    practice.save()
    claim = appeal.claim
    claim.billing_name = "Riverside Family Practice"
    claim.billing_address = "PO Box 77, Albany NY 12201"
    assert appeal_letter_recipient(appeal=appeal, claim=claim) == [
        "Riverside Family Practice",
        "PO Box 77, Albany NY 12201",
    ]


# ---------------------------------------------------------------------------
# 4. One error for a badly formatted denial code
# ---------------------------------------------------------------------------
def _claim_to_adjudicate(world):
    fee_schedule()
    return make_claim(
        organization=world.practice_a,
        tin="111111111",
        number="C2025004501",
        status=ClaimStatus.ACCEPTED,
    )


def test_bad_line_denial_code_shows_only_the_format_error(world, persona_client, codes):
    claim = _claim_to_adjudicate(world)
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_adjudicate", kwargs={"number": claim.number}),
        {
            "version": claim.version,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-line_number": "1",
            "lines-0-action": "deny",
            "lines-0-deny_reason": "ZZZ9",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert CARC_FORMAT_MESSAGE in html
    assert "Give the reason code (CARC) for the denial." not in html
    assert "at most 3 characters" not in html
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED


def test_missing_line_denial_code_still_asks_for_one(world, persona_client, codes):
    claim = _claim_to_adjudicate(world)
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_adjudicate", kwargs={"number": claim.number}),
        {
            "version": claim.version,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-line_number": "1",
            "lines-0-action": "deny",
            "lines-0-deny_reason": "",
        },
    )
    assert response.status_code == 400
    assert "Give the reason code (CARC) for the denial." in response.content.decode()


def test_bad_claim_denial_code_shows_only_the_format_error(world, persona_client, codes):
    claim = _claim_to_adjudicate(world)
    response = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_deny", kwargs={"number": claim.number}),
        {"deny-version": claim.version, "deny-reason_code": "ZZZ9", "deny-group": "CO"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    field_errors = re.findall(r'id="id_deny-reason_code_error">(.*?)</span>', html, re.S)
    assert [e.strip() for e in field_errors] == [CARC_FORMAT_MESSAGE]
    assert "at most 3 characters" not in html
    # A valid code typed in lower case is accepted.
    ok = persona_client("claims_examiner").post(
        reverse("claims_staff:claim_deny", kwargs={"number": claim.number}),
        {"deny-version": claim.version, "deny-reason_code": "b7", "deny-group": "CO"},
    )
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.FINALIZED_DENIED


# ---------------------------------------------------------------------------
# 6. The status reads the same on the claim page and in the queue
# ---------------------------------------------------------------------------
def test_pended_status_reads_like_the_queue(world, persona_client, codes):
    claim = _claim_to_adjudicate(world)
    claim_pend(claim=claim, user=world.users["claims_examiner"], reason="Send the office notes")
    client = persona_client("claims_examiner")
    queue = _text(client.get(reverse("claims_staff:queue")).content.decode())
    page_html = client.get(
        reverse("claims_staff:claim_review", kwargs={"number": claim.number})
    ).content.decode()
    page = _text(page_html)
    assert "Pended: Send the office notes" in queue
    assert "Pended: Send the office notes" in page
    assert "Pended — Send the office notes" not in page
    # Shown as written, not as an upper-cased tag.
    assert 'class="usa-tag" id="claim-status"' not in page_html


def test_a_negative_other_adjustment_and_a_tampered_page_say_what_is_wrong(
    world, persona_client, codes
):
    """Before: a negative other-adjustment amount read "needs its group, reason code and
    amount" (all three were given), and a tampered hidden field got a 400 with no message."""
    claim = _claim_to_adjudicate(world)
    url = reverse("claims_staff:claim_adjudicate", kwargs={"number": claim.number})
    client = persona_client("claims_examiner")
    line = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-line_number": "1",
        "lines-0-action": "pay",
        "lines-0-allowed": "50.00",
        "lines-0-other_group": "CO",
        "lines-0-other_reason": "45",
        "lines-0-other_amount": "-10",
    }
    html = client.post(url, {"version": claim.version, **line}).content.decode()
    assert "Ensure this value is greater than or equal to 0." in html
    assert "needs its group, reason code and amount" not in html
    for tampered in (
        {"version": "abc"},
        {"lines-TOTAL_FORMS": "abc"},
        {"lines-0-line_number": "abc"},
    ):
        response = client.post(url, {"version": claim.version, **line, **tampered})
        assert response.status_code == 400, tampered
        assert "The page sent back was incomplete or altered" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED
