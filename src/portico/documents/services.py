"""Every write of the documents app, each in one transaction with its audit event.

Public API used by other apps (see docs/documents.md):

* ``document_create`` — store a generated PDF and record it (posted or queued for mail);
* ``document_mark_printed`` / ``document_mark_mailed`` — the print-and-mail queue;
* ``document_mark_read`` — the first open by a user (unread markers);
* ``documents_expire`` — end the availability of documents past their retention.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.uploads import delete_stored, sanitize_filename
from portico.documents.kinds import DEFAULT_RETENTION_YEARS
from portico.documents.models import Delivery, Document, DocumentRead, MailStatus
from portico.members.models import Member
from portico.organizations.models import Organization

STORAGE_PREFIX = "documents"


class DocumentError(Exception):
    """A refused write; the message is safe to show."""


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    """The same calendar moment ``years`` later (29 February → 28 February)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def _mail_address(*, organization: Organization | None, member: Member | None) -> str:
    if member is not None:
        lines = [member.full_name, member.address_line1]
        city = ", ".join(p for p in (member.city, f"{member.state} {member.zip_code}".strip()) if p)
    elif organization is not None:
        lines = [organization.name, organization.address_line1, organization.address_line2]
        city = ", ".join(
            p
            for p in (organization.city, f"{organization.state} {organization.zip_code}".strip())
            if p
        )
    else:
        return ""
    return "\n".join(line for line in [*lines, city] if line)


@transaction.atomic
def document_create(
    *,
    organization: Organization | None,
    member: Member | None = None,
    kind: str,
    title: str,
    pdf: bytes,
    subject_app: str,
    subject_type: str,
    subject_id: str,
    delivery: str = "portal",
    retention_days: int | None = None,
    created_by: Any = None,
    mail_to: str = "",
    file_name: str = "",
) -> Document:
    """Store ``pdf`` privately and record it.

    ``delivery="portal"`` posts it to the practice's users (downloadable until retention
    ends: ``retention_days`` from now, or two years when not given); ``"mail"`` puts it on
    the print-and-mail queue addressed to ``mail_to`` (default: the member's address, else
    the practice's).
    """
    if delivery not in Delivery.values:
        raise DocumentError(f"Unknown delivery {delivery!r}.")
    if not pdf.startswith(b"%PDF-"):
        raise DocumentError("Documents must be PDF files.")
    if not (kind and title and subject_app and subject_type and subject_id):
        raise DocumentError("A document needs a kind, a title and the object it is about.")
    if delivery == Delivery.PORTAL and organization is None:
        raise DocumentError("A posted document needs the practice whose users may read it.")
    now = timezone.now()
    key = f"{STORAGE_PREFIX}/{now:%Y/%m}/{uuid.uuid4().hex}.pdf"
    saved = default_storage.save(key, ContentFile(pdf, name=key))
    try:
        document = Document.objects.create(
            organization=organization,
            member=member,
            kind=kind[:40],
            title=title[:200],
            storage_key=saved,
            file_name=sanitize_filename(file_name or f"{title}.pdf"),
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
            created_at=now,
            available_until=(
                now + dt.timedelta(days=retention_days)
                if retention_days is not None
                else add_years(now, DEFAULT_RETENTION_YEARS)
            ),
            delivery=delivery,
            mail_status=MailStatus.QUEUED if delivery == Delivery.MAIL else MailStatus.NOT_MAILED,
            mail_to=mail_to
            or (
                _mail_address(organization=organization, member=member)
                if delivery == Delivery.MAIL
                else ""
            ),
            subject_app=subject_app[:40],
            subject_type=subject_type[:40],
            subject_id=str(subject_id)[:64],
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        audit_record(
            action="portico.document.created",
            actor=created_by,
            obj=document,
            organization_id=organization.pk if organization else None,
            member_ref=member.member_id if member else "",
            changes={
                "kind": kind,
                "delivery": delivery,
                "subject": f"{subject_app}.{subject_type}:{subject_id}",
            },
        )
    except Exception:
        delete_stored(saved)
        raise
    return document


def _lock(document: Document) -> Document:
    return Document.objects.select_for_update(of=("self",)).get(pk=document.pk)


@transaction.atomic
def document_mark_printed(*, document: Document, actor: Any) -> Document:
    row = _lock(document)
    if row.delivery != Delivery.MAIL:
        raise DocumentError("Only mailed documents are printed from the queue.")
    if row.mail_status != MailStatus.QUEUED:
        raise DocumentError("This letter was already printed.")
    row.mail_status = MailStatus.PRINTED
    row.printed_at = timezone.now()
    row.printed_by = actor
    row.save(update_fields=["mail_status", "printed_at", "printed_by", "updated_at"])
    audit_record(
        action="portico.document.printed",
        actor=actor,
        obj=row,
        organization_id=row.organization_id,
    )
    return row


@transaction.atomic
def document_mark_mailed(
    *, document: Document, actor: Any, mailed_at: dt.datetime | None = None
) -> Document:
    """Record that a queued or printed letter went into the mail (printing it if needed)."""
    row = _lock(document)
    if row.delivery != Delivery.MAIL:
        raise DocumentError("Only documents on the print-and-mail queue can be mailed.")
    if row.mail_status == MailStatus.MAILED:
        raise DocumentError("This letter was already mailed.")
    now = mailed_at or timezone.now()
    if row.printed_at is None:
        row.printed_at, row.printed_by = now, actor
    row.mail_status = MailStatus.MAILED
    row.mailed_at, row.mailed_by = now, actor
    row.save(
        update_fields=[
            "mail_status",
            "printed_at",
            "printed_by",
            "mailed_at",
            "mailed_by",
            "updated_at",
        ]
    )
    audit_record(
        action="portico.document.mailed",
        actor=actor,
        obj=row,
        organization_id=row.organization_id,
    )
    return row


def document_mark_read(*, document: Document, user: Any) -> None:
    """Remember that ``user`` opened ``document`` (idempotent)."""
    if not getattr(user, "is_authenticated", False):
        return
    try:
        with transaction.atomic():
            DocumentRead.objects.get_or_create(document=document, user=user)
    except IntegrityError:  # a concurrent first read won the race
        pass


@transaction.atomic
def document_record_download(*, document: Document, user: Any, staff: bool = False) -> None:
    """The audit event of a download (PHI disclosure), plus the read marker."""
    audit_record(
        action="portico.document.downloaded_by_staff" if staff else "portico.document.downloaded",
        actor=user,
        obj=document,
        organization_id=document.organization_id,
        member_ref=document.member.member_id if document.member_id else "",  # type: ignore[union-attr]
    )
    if not staff:
        document_mark_read(document=document, user=user)


# How far back a run re-checks expired documents' files (the task runs daily).
EXPIRED_FILE_RETRY_DAYS = 7


def documents_expire(*, now: dt.datetime | None = None) -> int:
    """End availability of every document past ``available_until``; returns how many.

    Each document is expired in its own transaction with its audit event; its stored file is
    deleted after the commit, so a failure leaves it recorded as available and retried. A
    process killed between that commit and the deletion would leave the file (PHI) behind
    under an expired row, so each run first deletes the files of recent expiries still there.
    """
    moment = now or timezone.now()
    recent = Document.objects.filter(
        expired_at__gte=moment - dt.timedelta(days=EXPIRED_FILE_RETRY_DAYS), expired_at__lte=moment
    )
    for key in recent.values_list("storage_key", flat=True).iterator():
        delete_stored(key)  # a no-op when the file is already gone
    count = 0
    due = Document.objects.filter(expired_at__isnull=True, available_until__lte=moment)
    for pk in due.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = Document.objects.select_for_update(of=("self",)).get(pk=pk)
            if row.expired_at is not None:
                continue
            row.expired_at = moment
            row.save(update_fields=["expired_at", "updated_at"])
            audit_record(
                action="portico.document.expired",
                obj=row,
                organization_id=row.organization_id,
                changes={"available_until": row.available_until},
            )
            key = row.storage_key
            transaction.on_commit(lambda key=key: delete_stored(key))  # type: ignore[misc]
        count += 1
    return count
