"""Documents: creation, scoping, download with audit, retention expiry, mail queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portico.core.models import AuditEvent
from portico.documents import selectors, services
from portico.documents.models import Document, MailStatus
from tests.factories.documents import make_document, make_pdf

pytestmark = pytest.mark.django_db


def test_create_stores_pdf_with_two_year_retention(world):
    doc = make_document(organization=world.practice_a)
    assert default_storage.exists(doc.storage_key)
    assert doc.size == default_storage.size(doc.storage_key)
    assert doc.available_until.year == doc.created_at.year + 2
    assert doc.is_available()
    assert AuditEvent.objects.filter(
        action="portico.document.created", object_id=str(doc.pk)
    ).exists()


def test_create_refuses_non_pdf_and_unknown_delivery(world):
    with pytest.raises(services.DocumentError):
        services.document_create(
            organization=world.practice_a,
            kind="x",
            title="t",
            pdf=b"hello",
            subject_app="priorauth",
            subject_type="request",
            subject_id="1",
        )
    with pytest.raises(services.DocumentError):
        services.document_create(
            organization=world.practice_a,
            kind="x",
            title="t",
            pdf=make_pdf(),
            subject_app="priorauth",
            subject_type="request",
            subject_id="1",
            delivery="fax",
        )
    assert not Document.objects.exists()


def test_add_years_handles_leap_day():
    moment = dt.datetime(2028, 2, 29, 12, tzinfo=dt.UTC)
    assert services.add_years(moment, 2) == dt.datetime(2030, 2, 28, 12, tzinfo=dt.UTC)


def test_scoping_by_grant_and_practice(world):
    doc_a = make_document(organization=world.practice_a)
    doc_b = make_document(organization=world.practice_b)
    physician = world.users["physician"]  # priorauth grant for A
    clerk = world.users["billing_clerk"]  # member of A, claims grant only
    assert list(selectors.documents_for_user(user=physician)) == [doc_a]
    assert list(selectors.documents_for_user(user=clerk)) == []
    with pytest.raises(Exception) as exc:
        selectors.document_get_for_user(user=physician, pk=doc_b.pk)
    assert exc.value.__class__.__name__ == "Http404"
    claims_doc = make_document(
        organization=world.practice_a, subject_app="claims", kind="appeal_decision"
    )
    assert list(selectors.documents_for_user(user=clerk)) == [claims_doc]


def test_mailed_documents_are_not_listed_in_the_portal(world):
    make_document(organization=world.practice_a, delivery="mail", kind="pa_member")
    assert not selectors.documents_for_user(user=world.users["physician"]).exists()
    assert selectors.mail_queue().count() == 1


def test_download_marks_read_and_audits(world, persona_client):
    doc = make_document(organization=world.practice_a)
    client = persona_client("physician")
    inbox = client.get(reverse("documents:inbox"))
    assert "Unread" in inbox.content.decode()
    response = client.get(reverse("documents:download", kwargs={"pk": doc.pk}))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.filter(
        action="portico.document.downloaded", object_id=str(doc.pk)
    ).exists()
    assert selectors.unread_count_for_user(user=world.users["physician"]) == 0


def test_other_practice_document_is_404(world, persona_client):
    doc_b = make_document(organization=world.practice_b)
    response = persona_client("physician").get(
        reverse("documents:download", kwargs={"pk": doc_b.pk})
    )
    assert response.status_code == 404


def test_expiry_after_two_years(world, persona_client, django_capture_on_commit_callbacks):
    doc = make_document(organization=world.practice_a)
    later = doc.created_at + dt.timedelta(days=2 * 366)
    assert services.documents_expire(now=doc.created_at + dt.timedelta(days=300)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.documents_expire(now=later) == 1
    doc.refresh_from_db()
    assert doc.expired_at is not None
    assert not default_storage.exists(doc.storage_key)
    response = persona_client("physician").get(reverse("documents:download", kwargs={"pk": doc.pk}))
    assert response.status_code == 410
    assert "two years" in response.content.decode()


def test_an_expired_documents_file_left_behind_is_deleted_by_the_next_run(world):
    """Killed between the expiry's commit and the file's deletion (the on-commit hook never
    ran): the next run deletes the file of the already expired document."""
    doc = make_document(organization=world.practice_a)
    later = doc.created_at + dt.timedelta(days=2 * 366)
    assert services.documents_expire(now=later) == 1  # on-commit hooks not run: file stays
    assert default_storage.exists(doc.storage_key)
    assert services.documents_expire(now=later + dt.timedelta(days=1)) == 0
    assert not default_storage.exists(doc.storage_key)


def test_past_retention_refused_even_before_task_runs(world, persona_client):
    doc = make_document(organization=world.practice_a)
    Document.objects.filter(pk=doc.pk).update(available_until=timezone.now() - dt.timedelta(days=1))
    response = persona_client("physician").get(reverse("documents:download", kwargs={"pk": doc.pk}))
    assert response.status_code == 410


def test_expire_command(world):
    doc = make_document(organization=world.practice_a, retention_days=0)
    call_command("documents_expire")
    doc.refresh_from_db()
    assert doc.expired_at is not None


def test_mail_queue_print_and_mail(world, persona_client):
    doc = make_document(organization=world.practice_a, delivery="mail", kind="appeal_decision")
    assert doc.mail_status == MailStatus.QUEUED
    client = persona_client("um_reviewer")
    page = client.get(reverse("documents:staff_mail_queue"))
    assert doc.title in page.content.decode()
    client.post(reverse("documents:staff_mark_printed", kwargs={"pk": doc.pk}))
    doc.refresh_from_db()
    assert doc.mail_status == MailStatus.PRINTED and doc.printed_at
    client.post(reverse("documents:staff_mark_mailed", kwargs={"pk": doc.pk}))
    doc.refresh_from_db()
    assert doc.mail_status == MailStatus.MAILED and doc.mailed_at
    with pytest.raises(services.DocumentError):
        services.document_mark_mailed(document=doc, actor=world.users["um_reviewer"])


def test_mail_queue_forbidden_to_practice_users(world, persona_client):
    assert persona_client("physician").get(reverse("documents:staff_mail_queue")).status_code == 403


def test_documents_for_subject(world):
    doc = make_document(organization=world.practice_a, subject_id="42")
    make_document(organization=world.practice_a, subject_id="42", delivery="mail", kind="pa_member")
    assert list(
        selectors.documents_for_subject(
            subject_app="priorauth", subject_type="request", subject_id="42"
        )
    ) == [doc]
    assert (
        selectors.documents_for_subject(
            subject_app="priorauth", subject_type="request", subject_id="42", include_mail=True
        ).count()
        == 2
    )
