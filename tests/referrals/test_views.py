"""The portal's submit, search, view, cancel, print, 278 download and the review queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portico.referrals.models import Referral, ReferralStatus
from tests.factories.referrals import submit

pytestmark = pytest.mark.django_db


def form_data(rw, **overrides):
    today = timezone.localdate()
    data = {
        "organization": str(rw.practice.pk),
        "member_id": rw.member.member_id,
        "date_of_birth": rw.member.date_of_birth.isoformat(),
        "referring_npi": rw.pcp.npi,
        "referred_to_kind": "specialist",
        "referred_to_npi": rw.specialist.npi,
        "reason": "Knee pain",
        "diagnoses": "M54.50, I10",
        "visits_requested": "2",
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=60)).isoformat(),
        "urgency": "routine",
    }
    data.update(overrides)
    return data


def test_submit_approved_and_pending(rw, persona_client):
    client = persona_client("physician")
    response = client.post(reverse("referrals:submit"), form_data(rw), follow=True)
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.APPROVED
    assert f"Referral {referral.number} was approved" in response.text
    assert referral.diagnosis_codes == ["M5450", "I10"]
    response = client.post(
        reverse("referrals:submit"), form_data(rw, visits_requested="12"), follow=True
    )
    assert "pending review" in response.text


def test_the_same_form_sent_twice_makes_one_referral(rw, persona_client):
    """Before: resending the submit (the browser guard only stops a double click) made two."""
    client = persona_client("physician")
    data = form_data(rw, idempotency_key="referral-form-1")
    first = client.post(reverse("referrals:submit"), data)
    second = client.post(reverse("referrals:submit"), data)
    referral = Referral.objects.get()
    assert first["Location"] == second["Location"] and referral.number in first["Location"]
    assert client.post(reverse("referrals:submit"), form_data(rw)).status_code == 302
    assert Referral.objects.count() == 2  # a new form is a new referral


def test_every_bad_field_gets_its_own_message_and_nothing_is_saved(rw, persona_client):
    client = persona_client("physician")
    response = client.post(
        reverse("referrals:submit"),
        form_data(
            rw,
            member_id="",
            date_of_birth="not a date",
            referring_npi="",
            referred_to_npi="",
            reason="",
            diagnoses="",
            visits_requested="0",
            start_date="",
            end_date="",
        ),
    )
    assert response.status_code == 200
    for text in (
        "Enter the member ID",
        "Enter the member&#x27;s date of birth",
        "Choose the referring PCP",
        "10-digit NPI",
        "Enter the reason",
        "at least one ICD-10-CM",
        "at least 1 visit",
        "first date the referral covers",
        "last date the referral covers",
    ):
        assert text in response.text, text
    bad_code = client.post(reverse("referrals:submit"), form_data(rw, diagnoses="XYZ"))
    assert "ICD-10-CM" in bad_code.text
    assert Referral.objects.count() == 0


def test_an_empty_attachment_is_named_in_its_message(rw, persona_client):
    """Before: a 0-byte file said "The submitted file is empty." without naming it, so with
    several files the user could not tell which one to replace."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n%%EOF\n"),
        SimpleUploadedFile("scan.pdf", b""),
    ]
    client = persona_client("physician")
    response = client.post(reverse("referrals:submit"), form_data(rw, attachments=files))
    assert response.status_code == 200
    message = "“scan.pdf” is empty. Choose a file that has content."
    assert response.context["form"].errors["attachments"] == [message]
    assert message in response.text
    assert not Referral.objects.exists()


def _status_text(html: str) -> str:
    import re

    found = re.search(r"<dt>Status</dt><dd>(.*?)</dd>", html, re.S)
    assert found, "no Status in the summary"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_a_cancelled_referral_that_was_approved_automatically_reads_cancelled(rw, persona_client):
    """Before: its status read "Cancelled (approved automatically by the plan rules)"."""
    referral = submit(rw)
    client = persona_client("physician")
    url = reverse("referrals:detail", kwargs={"number": referral.number})
    assert _status_text(client.get(url).text) == (
        "Approved (approved automatically by the plan rules)"
    )
    client.post(reverse("referrals:cancel", kwargs={"number": referral.number}), {"note": "No"})
    for page in (
        client.get(url),
        client.get(reverse("referrals:print", kwargs={"number": referral.number})),
        persona_client("um_reviewer").get(
            reverse("referrals:staff_detail", kwargs={"number": referral.number})
        ),
    ):
        assert page.status_code == 200
        assert _status_text(page.text) == "Cancelled"
    detail = client.get(url).text
    assert "Approved automatically: in-network specialist" in detail  # the history keeps it


def test_search_keeps_member_id_out_of_the_url(rw, persona_client):
    mine = submit(rw)
    other = submit(rw, visits_requested=10)
    client = persona_client("physician")
    response = client.post(reverse("referrals:home"), {"status": "pending_review"})
    assert response.status_code == 302 and response["Location"] == reverse("referrals:home")
    page = client.get(reverse("referrals:home"))
    assert other.number in page.text and mine.number not in page.text
    client.post(reverse("referrals:home"), {"member_id": rw.member.member_id})
    page = client.get(reverse("referrals:home"))
    assert other.number in page.text and mine.number in page.text
    client.post(reverse("referrals:home"), {"clear": "1"})
    assert "Your practice's referrals" in client.get(reverse("referrals:home")).text
    bad = client.post(reverse("referrals:home"), {"provider_npi": "12"})
    assert bad.status_code == 200 and "An NPI is 10 digits" in bad.text


def test_detail_cancel_print_and_278(rw, persona_client):
    referral = submit(rw)
    client = persona_client("physician")
    detail = client.get(reverse("referrals:detail", kwargs={"number": referral.number}))
    assert "Approved automatically" in detail.text and "Cancel referral" in detail.text
    x12 = client.get(reverse("referrals:x12_278", kwargs={"number": referral.number}))
    assert b"HCR*A1*" + referral.number.encode() in x12.content
    printed = client.get(reverse("referrals:print", kwargs={"number": referral.number}))
    assert printed.status_code == 200 and "not a guarantee of payment" in printed.text
    client.post(
        reverse("referrals:cancel", kwargs={"number": referral.number}), {"note": "Not needed"}
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CANCELLED
    again = client.get(reverse("referrals:cancel", kwargs={"number": referral.number}))
    assert again.status_code == 302


@pytest.mark.parametrize("kind", ["response", "request"])
def test_278_download_of_a_name_with_x12_delimiters(rw, persona_client, kind):
    """Before: a specialist typed as "Smith*Jones" (an NPI not in the directory) made the
    278 download a 500 (the X12 writer refuses delimiters inside a value)."""
    referral = submit(rw, referred_to_npi="1234567893", referred_to_name="Smith*Jones~Group:East^2")
    client = persona_client("physician")
    url = reverse("referrals:x12_278", kwargs={"number": referral.number})
    response = client.get(url, {"kind": kind} if kind == "request" else {})
    assert response.status_code == 200
    assert b"NM1*SJ*2*Smith Jones Group East 2*" in response.content


def test_reviewer_queue_and_decision(rw, persona_client):
    pending = submit(rw, visits_requested=10, urgency="urgent")
    client = persona_client("um_reviewer")
    queue = client.get(reverse("referrals:staff_queue"))
    assert pending.number in queue.text
    url = reverse("referrals:staff_detail", kwargs={"number": pending.number})
    assert "More than 6 visits" in client.get(url).text
    refused = client.post(url, {"decision": "deny", "note": ""})
    assert "reason for the denial" in refused.text
    client.post(url, {"decision": "approve", "visits_approved": "8"})
    pending.refresh_from_db()
    assert pending.status == ReferralStatus.APPROVED and pending.visits_approved == 8
    assert (
        "No referrals are waiting for review" in client.get(reverse("referrals:staff_queue")).text
    )


def test_reviewer_gets_the_visits_message_next_to_the_field(rw, persona_client):
    pending = submit(rw, visits_requested=10)
    client = persona_client("um_reviewer")
    url = reverse("referrals:staff_detail", kwargs={"number": pending.number})
    response = client.post(url, {"decision": "approve", "visits_approved": "50"})
    assert response.context["form"].errors["visits_approved"] == [
        "Approve between 1 and 10 visits."
    ]
    pending.refresh_from_db()
    assert pending.status == ReferralStatus.PENDING_REVIEW


def test_a_decision_from_a_second_tab_is_refused_with_a_message(rw, persona_client):
    """Before: the second decision was refused, but the page (which has no decision form once
    the referral is decided) showed no message at all."""
    pending = submit(rw, visits_requested=10)
    client = persona_client("um_reviewer")
    url = reverse("referrals:staff_detail", kwargs={"number": pending.number})
    client.post(url, {"decision": "approve", "visits_approved": "5"})
    response = client.post(url, {"decision": "deny", "note": "Not needed"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert (
        "Nothing was recorded: A referral that is Approved can&#x27;t be changed to Denied."
        in response.text
    )
    pending.refresh_from_db()
    assert pending.status == ReferralStatus.APPROVED and pending.visits_approved == 5
    assert pending.decision_note == ""


def test_referral_lists_are_audited_with_the_referrals_shown(rw, world, persona_client):
    """Before: the referral search and the reviewers' queue showed members' names and IDs with
    no audit event. The member ID searched for is in the event, as it is never in a URL."""
    from portico.core.models import AuditEvent

    waiting = submit(rw, visits_requested=10)  # more visits than the plan allows: to review
    client = persona_client("physician")
    client.post(reverse("referrals:home"), {"member_id": rw.member.member_id})
    assert waiting.number in client.get(reverse("referrals:home")).text
    event = AuditEvent.objects.filter(action="portico.referrals.listed").latest("pk")
    assert event.changes["referrals"] == [waiting.number]
    assert event.changes["filters"] == {"member_id": rw.member.member_id}
    assert event.actor_id == world.users["physician"].pk
    assert (
        waiting.number in persona_client("um_reviewer").get(reverse("referrals:staff_queue")).text
    )
    queue = AuditEvent.objects.get(action="portico.referrals.listed_by_staff")
    assert queue.changes == {"referrals": [waiting.number]}
