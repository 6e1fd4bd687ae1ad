"""Submission rules, plan rules, decisions, expiry and the claims hooks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portico.core.models import AuditEvent
from portico.referrals import services
from portico.referrals.models import Referral, ReferralAttachment, ReferralStatus
from tests.factories.referrals import make_request, submit

pytestmark = pytest.mark.django_db
S = ReferralStatus
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_in_network_within_limit_is_approved_at_once(rw, world):
    referral = submit(rw, actor=world.users["physician"])
    assert referral.status == S.APPROVED and referral.auto_approved
    assert referral.visits_approved == 3
    assert referral.number.startswith(f"RF{timezone.localdate().year % 100:02d}")
    assert [e.to_status for e in referral.events.all()] == [S.SUBMITTED, S.APPROVED]
    assert AuditEvent.objects.filter(
        action="portico.referrals.submitted", member_ref=rw.member.member_id
    ).exists()


@pytest.mark.parametrize(
    ("overrides", "finding"),
    [
        ({"visits_requested": 12}, "More than 6 visits"),
        ("out_of_network", "not in the plan's network"),
        ({"urgency": "emergent"}, "Emergent"),
    ],
)
def test_plan_rules_send_to_staff_review(rw, overrides, finding):
    if overrides == "out_of_network":
        overrides = {"referred_to_npi": rw.out_of_network.npi}
    referral = submit(rw, **overrides)
    assert referral.status == S.PENDING_REVIEW and not referral.auto_approved
    assert any(finding in reason for reason in referral.review_reasons)


def test_every_field_has_its_own_message(rw):
    request = make_request(
        rw,
        member_id="",
        date_of_birth=None,
        referring_npi="",
        referred_to_npi="123",
        reason="",
        diagnoses=[],
        visits_requested=None,
        start_date=None,
        end_date=None,
        urgency="whenever",
    )
    with pytest.raises(services.ReferralInvalid) as caught:
        services.referral_submit(organization=rw.practice, request=request, actor=None)
    assert set(caught.value.errors) == {
        "member_id",
        "date_of_birth",
        "referring_npi",
        "referred_to_npi",
        "reason",
        "diagnoses",
        "visits_requested",
        "start_date",
        "end_date",
        "urgency",
    }
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"date_of_birth": dt.date(1999, 1, 1)}, "member_id", "No member matches"),
        ({"diagnoses": ["M54"]}, "diagnoses", "not a billable code"),
        ({"diagnoses": ["ZZZ999"]}, "diagnoses", "not an ICD-10-CM code"),
        ({"visits_requested": 0}, "visits_requested", "between 1 and 99"),
        ({"referred_to_npi": "1234567890"}, "referred_to_npi", "NPI"),
        ({"referred_to_npi": "1234567893"}, "referred_to_name", "not in the plan's provider"),
        ("end_before_start", "end_date", "on or after the start date"),
        ("pcp_elsewhere", "referring_npi", "one of your practice's providers"),
    ],
)
def test_bad_fields_are_refused_with_a_clear_message(rw, rw_b, overrides, field, text):
    if overrides == "end_before_start":
        today = timezone.localdate()
        overrides = {"end_date": today - dt.timedelta(days=1)}
    if overrides == "pcp_elsewhere":
        overrides = {"referring_npi": rw_b.pcp.npi}
    with pytest.raises(services.ReferralInvalid) as caught:
        submit(rw, **overrides)
    assert text in caught.value.errors[field]


@pytest.mark.parametrize("start", [dt.date(9999, 12, 1), "a year and a day ahead"])
def test_a_start_date_too_far_ahead_is_refused(rw, start):
    today = timezone.localdate()
    if start == "a year and a day ahead":
        start = today + dt.timedelta(days=366)
    end = start + dt.timedelta(days=30) if start.year < 9999 else dt.date(9999, 12, 31)
    with pytest.raises(services.ReferralInvalid) as caught:
        submit(rw, start_date=start, end_date=end)
    assert caught.value.errors["start_date"] == (
        "The start date can be at most 365 days from today."
    )
    assert Referral.objects.count() == 0


def test_member_not_eligible_on_start_date(rw):
    rw.member.coverages.update(end_date=dt.date(2021, 1, 1))
    with pytest.raises(services.ReferralInvalid) as caught:
        submit(rw)
    assert "not eligible" in caught.value.errors["member_id"]


def test_unknown_npi_with_name_goes_to_review(rw):
    referral = submit(rw, referred_to_npi="1234567893", referred_to_name="Bayside Imaging")
    assert referral.status == S.PENDING_REVIEW and referral.referred_to_name == "Bayside Imaging"


def test_attachments_are_stored_and_bad_files_save_nothing(rw):
    good = SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf")
    referral = submit(rw, files=[good])
    assert ReferralAttachment.objects.get(referral=referral).file_name == "notes.pdf"
    bad = SimpleUploadedFile("x.html", b"<html><script>", content_type="text/html")
    with pytest.raises(services.ReferralInvalid) as caught:
        submit(rw, files=[bad])
    assert "files" in caught.value.errors
    assert Referral.objects.count() == 1


def test_an_empty_file_is_refused_by_name(rw):
    empty = SimpleUploadedFile("scan.pdf", b"", content_type="application/pdf")
    with pytest.raises(services.ReferralInvalid) as caught:
        submit(rw, files=[empty])
    assert caught.value.errors["files"] == "“scan.pdf” is empty. Choose a file that has content."
    assert not Referral.objects.exists()


def test_reviewer_approves_fewer_visits_or_denies_with_reason(rw, world):
    reviewer = world.users["um_reviewer"]
    referral = submit(rw, visits_requested=10)
    referral = services.referral_decide(
        referral=referral, reviewer=reviewer, approve=True, visits_approved=6
    )
    assert referral.status == S.APPROVED and referral.visits_approved == 6
    other = submit(rw, visits_requested=10)
    with pytest.raises(services.ReferralError, match="reason"):
        services.referral_decide(referral=other, reviewer=reviewer, approve=False)
    other = services.referral_decide(
        referral=other, reviewer=reviewer, approve=False, note="Try physical therapy first."
    )
    assert other.status == S.DENIED and other.decided_by == reviewer
    with pytest.raises(services.ReferralError):
        services.referral_decide(referral=other, reviewer=reviewer, approve=True)


def test_office_cancels_until_visits_are_used(rw, world):
    user = world.users["physician"]
    referral = submit(rw)
    services.referral_record_use(
        referral_number=referral.number,
        claim_reference="CLM1",
        service_date=referral.start_date,
    )
    referral.refresh_from_db()
    with pytest.raises(services.ReferralError, match="already been billed"):
        services.referral_cancel(referral=referral, actor=user)
    fresh = submit(rw)
    assert services.referral_cancel(referral=fresh, actor=user).status == S.CANCELLED


def test_expiry_task_expires_past_end_date(rw):
    referral = submit(rw)
    pending = submit(rw, visits_requested=20)
    later = referral.end_date + dt.timedelta(days=1)
    assert services.referrals_expire(today=later) == 2
    referral.refresh_from_db()
    pending.refresh_from_db()
    assert referral.status == S.EXPIRED and pending.status == S.EXPIRED
    assert services.referrals_expire(today=later) == 0


def test_claims_check_and_use(rw, rw_b):
    referral = submit(rw, visits_requested=2)
    day = referral.start_date
    check = services.referral_check_for_claim(
        referral_number=referral.number.lower(),
        member=rw.member,
        provider_npi=rw.specialist.npi,
        service_date=day,
    )
    assert check.ok and check.code == "ok" and check.visits_remaining == 2
    codes = {
        "not_found": dict(referral_number="RF000"),
        "member_mismatch": dict(member=rw_b.member),
        "provider_mismatch": dict(provider_npi=rw.pcp.npi),
        "out_of_range": dict(service_date=referral.end_date + dt.timedelta(days=1)),
    }
    base = dict(
        referral_number=referral.number,
        member=rw.member,
        provider_npi=rw.specialist.npi,
        service_date=day,
    )
    for code, change in codes.items():
        assert services.referral_check_for_claim(**{**base, **change}).code == code
    for claim in ("C1", "C1", "C2"):  # C1 twice: counted once
        services.referral_record_use(
            referral_number=referral.number, claim_reference=claim, service_date=day
        )
    referral.refresh_from_db()
    assert referral.visits_used == 2 and referral.status == S.USED
    assert services.referral_check_for_claim(**base).code == "no_visits_left"
    services.referral_release_use(referral_number=referral.number, claim_reference="C2")
    referral.refresh_from_db()
    assert referral.status == S.APPROVED and referral.visits_used == 1


def test_pending_referral_is_not_approved_for_claims(rw):
    referral = submit(rw, visits_requested=20)
    check = services.referral_check_for_claim(
        referral_number=referral.number,
        member=rw.member,
        provider_npi=rw.specialist.npi,
        service_date=referral.start_date,
    )
    assert check.code == "not_approved"


def test_the_same_diagnosis_typed_many_times_counts_once(rw):
    """Before: M25.561 typed 20 times was "Enter at most 12 diagnosis codes"."""
    referral = submit(rw, diagnoses=["M54.50"] * 15 + ["m5450"] * 5)
    assert referral.diagnosis_codes == ["M5450"]
    with pytest.raises(services.ReferralInvalid) as caught:
        submit(rw, diagnoses=[f"M54.{n}" for n in range(13)])
    assert "at most 12 diagnosis codes" in caught.value.errors["diagnoses"]
