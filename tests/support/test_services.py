import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import get_resolver
from django.utils import timezone
from freezegun import freeze_time

from portico.core.models import AuditEvent, OutboxMessage
from portico.core.uploads import UploadRejected
from portico.support import services
from portico.support.models import (
    Actor,
    Case,
    CaseAttachment,
    CaseComment,
    CaseStatus,
    CustomerUser,
)
from portico.support.selectors import case_timeline
from portico.support.services import (
    CustomerLoginFailed,
    CustomerLoginThrottled,
    SupportError,
    case_attachment_add,
    case_comment_add,
    case_merge,
    case_reopen,
    case_status_change,
    customer_login,
)
from portico.support.services import cases as case_services
from tests.support.conftest import PDF_BYTES, claim, open_case


def _login(sw, **kw):
    values = {
        "user": sw.user,
        "first_name": "Sam",
        "last_name": "Okafor",
        "user_id": "ZCS00001",
        "pfi": "123456",
        "ip_address": "203.0.113.9",
    }
    values.update(kw)
    return customer_login(**values)


# --- customer log-in ---------------------------------------------------------------


def test_first_login_links_the_portico_id_and_later_logins_check_it(sw):
    customer = _login(sw)
    customer.refresh_from_db()
    assert customer.portico_user == sw.user and customer.linked_at
    assert AuditEvent.objects.filter(action="portico.support.customer_linked").count() == 1
    assert _login(sw, first_name=" sam ", last_name="OKAFOR", user_id="zcs00001").pk == customer.pk
    assert AuditEvent.objects.filter(action="portico.support.customer_linked").count() == 1
    assert AuditEvent.objects.filter(action="portico.support.customer_verified").count() == 2


def test_a_customer_user_linked_to_another_portico_id_is_refused(sw):
    _login(sw)
    with pytest.raises(CustomerLoginFailed) as exc:
        _login(sw, user=sw.colleague_user)  # Kim has a grant for the same organisation
    assert "customer log in information is incorrect" in exc.value.message
    event = AuditEvent.objects.filter(action="portico.support.customer_login_failed").first()
    assert event.changes == {"reason": "linked_to_other_portico_id"}


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"pfi": "654321"}, "pfi_mismatch"),
        ({"last_name": "Other"}, "name_mismatch"),
        ({"user_id": "ZCS09999"}, "unknown_user_id"),
        (
            {"user_id": "ZCS00002", "first_name": "Lee", "last_name": "Brown", "pfi": "987654"},
            "no_support_grant",
        ),
    ],
)
def test_wrong_values_fail_neutrally_and_are_audited(sw, override, reason):
    with pytest.raises(CustomerLoginFailed) as exc:
        _login(sw, **override)
    assert exc.value.message == services.LOGIN_FAILED_MESSAGE
    event = AuditEvent.objects.filter(action="portico.support.customer_login_failed").first()
    assert event.changes["reason"] == reason
    assert event.actor == sw.user
    sw.customer.refresh_from_db()
    assert sw.customer.portico_user is None


def test_a_portico_id_already_linked_elsewhere_cannot_claim_a_second_customer_user(sw):
    CustomerUser.objects.create(
        organization=sw.org, first_name="Sam", last_name="Okafor", user_id="ZCS00009"
    )
    _login(sw)
    with pytest.raises(CustomerLoginFailed):
        _login(sw, user_id="ZCS00009")


def test_failures_are_rate_limited_per_user(sw, settings):
    settings.SUPPORT_LOGIN_MAX_FAILURES_PER_USER = 3
    for _ in range(3):
        with pytest.raises(CustomerLoginFailed):
            _login(sw, pfi="1")
    with pytest.raises(CustomerLoginThrottled):
        _login(sw)  # even the right values are refused while throttled
    assert AuditEvent.objects.filter(
        action="portico.support.customer_login_failed", changes__reason="throttled"
    ).exists()


def test_failures_are_rate_limited_per_address(sw, settings):
    settings.SUPPORT_LOGIN_MAX_FAILURES_PER_IP = 2
    for user in (sw.colleague_user, sw.other_user):
        with pytest.raises(CustomerLoginFailed):
            _login(sw, user=user, pfi="1")
    with pytest.raises(CustomerLoginThrottled):
        _login(sw)
    assert _login(sw, ip_address="198.51.100.7").pk == sw.customer.pk


# --- creating cases ------------------------------------------------------------------


def test_case_numbers_run_per_year(sw):
    # Load the URLconf (and the API schemas it builds) before the clock is frozen: pydantic
    # cannot build schemas for freezegun's FakeDatetime.
    get_resolver().url_patterns
    with freeze_time("2026-12-31 12:00:00"):
        a = open_case(sw.colleague, sw.colleague_user)
        b = open_case(sw.colleague, sw.colleague_user)
    with freeze_time("2027-01-02 12:00:00"):
        c = open_case(
            sw.colleague,
            sw.colleague_user,
            claim=claim(service_date=dt.date(2027, 1, 1), date_submitted=dt.date(2027, 1, 2)),
        )
    assert [a.number, b.number, c.number] == [
        "CS-2026-000001",
        "CS-2026-000002",
        "CS-2027-000001",
    ]


def test_case_create_stores_the_claim_audits_and_emails_after_commit(
    sw, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_case(
            sw.colleague,
            sw.colleague_user,
            claim=claim(member_id="ab-77", billed_amount=Decimal("10.5")),
        )
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert case.member_id == "AB-77" and case.billed_amount == Decimal("10.50")
    assert case.organization == sw.org
    event = AuditEvent.objects.get(action="portico.support.case_created")
    assert event.member_ref == "AB-77" and event.organization_id == sw.org.pk
    mail = OutboxMessage.objects.get(to=sw.colleague_user.email)
    assert case.number in mail.subject and case.number in mail.body
    assert "AB-77" not in mail.body and "Pat Doe" not in mail.body  # no PHI in email


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"service_date": dt.date(2099, 1, 1)}, "future"),
        ({"service_date": None}, "date of service"),
        (
            {
                "service_date": None,
                "statement_from": dt.date(2026, 1, 5),
                "statement_to": dt.date(2026, 1, 1),
            },
            "on or before",
        ),
        ({"billed_amount": Decimal("-1")}, "more than zero"),
        ({"member_id": "A B"}, "member ID"),
        ({"date_submitted": dt.date(2025, 12, 1)}, "before the date of service"),
        ({"patient_name": "  "}, "patient name"),
        (
            {
                "service_date": dt.date(1, 1, 1),
                "statement_from": dt.date(1, 1, 1),
                "date_submitted": dt.date(2026, 1, 10),
            },
            "1900 or later",
        ),
    ],
)
def test_case_create_refuses_bad_claims_and_saves_nothing(sw, override, message):
    with pytest.raises(SupportError, match=message):
        open_case(
            sw.colleague, sw.colleague_user, claim=claim(**override), today=dt.date(2026, 2, 1)
        )
    assert not Case.objects.exists()


def test_only_claims_have_claim_fields(sw):
    case = open_case(sw.colleague, sw.colleague_user, case_type="general", claim=None)
    assert case.member_id == "" and case.billed_amount is None
    with pytest.raises(SupportError, match="Only claim cases"):
        open_case(sw.colleague, sw.colleague_user, case_type="general")
    with pytest.raises(SupportError, match="claim's details"):
        open_case(sw.colleague, sw.colleague_user, claim=None)
    with pytest.raises(SupportError, match="type of case"):
        open_case(sw.colleague, sw.colleague_user, case_type="bogus", claim=None)


def test_the_database_refuses_a_claim_case_without_its_fields(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(member_id="")


# --- comments, status, attachments --------------------------------------------------


def test_customer_comment_moves_waiting_back_to_working(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.WAITING)
    case_comment_add(
        case=case, actor=sw.colleague_user, actor_kind=Actor.CUSTOMER, body="Here it is"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING
    comment = CaseComment.objects.get(case=case)
    assert comment.author_name == "Kim Adams" and not comment.is_internal


def test_agent_reply_emails_the_customer_and_takes_a_new_case_to_working(
    sw, django_capture_on_commit_callbacks
):
    case = open_case(sw.colleague, sw.colleague_user)
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        case_comment_add(case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="We are on it")
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING
    mail = OutboxMessage.objects.get()
    assert mail.to == sw.colleague_user.email and "We are on it" not in mail.body


def test_internal_notes_are_agents_only_and_never_emailed(sw, django_capture_on_commit_callbacks):
    case = open_case(sw.colleague, sw.colleague_user)
    OutboxMessage.objects.all().delete()
    with pytest.raises(SupportError, match="internal notes"):
        case_comment_add(
            case=case,
            actor=sw.colleague_user,
            actor_kind=Actor.CUSTOMER,
            body="x",
            is_internal=True,
        )
    with django_capture_on_commit_callbacks(execute=True):
        case_comment_add(
            case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="secret", is_internal=True
        )
    assert not OutboxMessage.objects.exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW  # a note is not a response
    assert AuditEvent.objects.filter(action="portico.support.internal_note_added").exists()


def test_closed_cases_take_no_customer_comment_until_reopened(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.CLOSED)
    with pytest.raises(SupportError, match="closed"):
        case_comment_add(case=case, actor=sw.colleague_user, actor_kind=Actor.CUSTOMER, body="hi")
    case_reopen(case=case, actor=sw.colleague_user)
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING and case.closed_at is None


def test_reopen_after_the_window_is_refused(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.CLOSED)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=15))
    with pytest.raises(SupportError, match="14 days"):
        case_reopen(case=case, actor=sw.colleague_user)


def test_agent_status_change_is_checked_against_the_table(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    with pytest.raises(SupportError, match="can't be moved"):
        case_status_change(case=case, actor=sw.agent, status=CaseStatus.NEW)


def test_attachment_is_stored_under_a_generated_key(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    upload = SimpleUploadedFile("../../etc/Claim copy.pdf", PDF_BYTES, content_type="text/html")
    row = case_attachment_add(
        case=case, actor=sw.colleague_user, actor_kind=Actor.CUSTOMER, file=upload
    )
    assert row.file_name == "Claim copy.pdf"
    assert row.content_type == "application/pdf"  # by content, not the browser's claim
    assert row.storage_key.startswith("support/") and "Claim" not in row.storage_key
    with default_storage.open(row.storage_key, "rb") as fh:
        assert fh.read() == PDF_BYTES


def test_rejected_attachment_stores_nothing(sw):
    case = open_case(sw.colleague, sw.colleague_user)
    html = SimpleUploadedFile("notes.txt", b"<html><script>alert(1)</script></html>")
    with pytest.raises(UploadRejected):
        case_attachment_add(
            case=case, actor=sw.colleague_user, actor_kind=Actor.CUSTOMER, file=html
        )
    assert not CaseAttachment.objects.exists()


def test_attachment_row_failure_removes_the_stored_file(sw, monkeypatch):
    case = open_case(sw.colleague, sw.colleague_user)
    saved: list[str] = []
    real_store = case_services.store_upload

    def spy(**kw):
        stored = real_store(**kw)
        saved.append(stored.key)
        return stored

    monkeypatch.setattr(case_services, "store_upload", spy)

    def boom(**kw):
        raise RuntimeError("audit down")

    monkeypatch.setattr(case_services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        case_attachment_add(
            case=case,
            actor=sw.colleague_user,
            actor_kind=Actor.CUSTOMER,
            file=SimpleUploadedFile("a.pdf", PDF_BYTES),
        )
    assert saved and not default_storage.exists(saved[0])
    assert not CaseAttachment.objects.exists()


# --- merging ---------------------------------------------------------------------------


def test_merge_closes_the_duplicate_and_shows_its_history_on_the_survivor(sw):
    survivor = open_case(sw.colleague, sw.colleague_user, subject="First report")
    dup = open_case(sw.colleague, sw.colleague_user, subject="Same problem again")
    case_comment_add(
        case=dup, actor=sw.colleague_user, actor_kind=Actor.CUSTOMER, body="dup comment"
    )
    case_attachment_add(
        case=dup,
        actor=sw.colleague_user,
        actor_kind=Actor.CUSTOMER,
        file=SimpleUploadedFile("d.pdf", PDF_BYTES),
    )
    case_merge(duplicate=dup, survivor=survivor, actor=sw.agent)
    dup.refresh_from_db()
    assert dup.status == CaseStatus.CLOSED and dup.merged_into == survivor
    entries = case_timeline(case=survivor, include_internal=False)
    kinds = {(e.kind, e.from_case) for e in entries}
    assert ("comment", dup.number) in kinds and ("attachment", dup.number) in kinds
    with pytest.raises(SupportError, match="already merged"):
        case_merge(duplicate=dup, survivor=survivor, actor=sw.agent)


def test_merge_never_crosses_customers(sw):
    mine = open_case(sw.colleague, sw.colleague_user)
    theirs = open_case(sw.other_customer, sw.other_user)
    with pytest.raises(SupportError, match="same customer"):
        case_merge(duplicate=theirs, survivor=mine, actor=sw.agent)
    with pytest.raises(SupportError, match="itself"):
        case_merge(duplicate=mine, survivor=mine, actor=sw.agent)


def test_customer_user_create_checks_the_organisation_kind(sw, world):
    with pytest.raises(SupportError, match="direct-customer"):
        services.customer_user_create(
            organization=world.practice_a, first_name="A", last_name="B", user_id="ZCS11111"
        )
    row = services.customer_user_create(
        organization=sw.org, first_name="New", last_name="Person", user_id="zcs11111"
    )
    assert row.user_id == "ZCS11111"
