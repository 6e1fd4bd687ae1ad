"""Letters and generated documents: one stored PDF each, with retention and delivery.

A ``Document`` belongs to the practice (``organization``) whose users may read it in the
portal, optionally names the member it is about, and points at the object that produced it
with a generic reference (``subject_app``, ``subject_type``, ``subject_id``) so the producing
app can list its letters without a foreign key from this lower layer up to it.

Delivery is either ``portal`` (posted: downloadable until ``available_until``) or ``mail``
(the print-and-mail queue: queued → printed → mailed). Portal documents stop being
downloadable when their retention ends; ``portico documents-expire`` (and the Celery beat
task ``portico.documents.expire``) records that by setting ``expired_at`` and removing the
stored file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portico.core.models import TimeStampedModel
from portico.documents.kinds import kind_label
from portico.members.models import Member
from portico.organizations.models import Organization


class Delivery(models.TextChoices):
    PORTAL = "portal", "Posted to the portal"
    MAIL = "mail", "Printed and mailed"


class MailStatus(models.TextChoices):
    NOT_MAILED = "", "Not mailed"
    QUEUED = "queued", "Queued for printing"
    PRINTED = "printed", "Printed"
    MAILED = "mailed", "Mailed"


class Document(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=40, db_index=True)
    title = models.CharField(max_length=200)
    storage_key = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=120)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    available_until = models.DateTimeField(null=True, blank=True, db_index=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PORTAL)
    mail_status = models.CharField(
        max_length=10, choices=MailStatus.choices, default=MailStatus.NOT_MAILED, blank=True
    )
    mail_to = models.TextField(blank=True, help_text="Recipient name and postal address.")
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mailed_at = models.DateTimeField(null=True, blank=True)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_app = models.CharField(max_length=40)
    subject_type = models.CharField(max_length=40)
    subject_id = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_app", "subject_type", "subject_id"]),
            models.Index(fields=["organization", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivery="portal", mail_status="")
                | Q(delivery="mail", mail_status__in=["queued", "printed", "mailed"]),
                name="document_mail_status_matches_delivery",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.created_at:%Y-%m-%d})"

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    def is_available(self, now: object = None) -> bool:
        """Downloadable now: not expired by the task and not past its retention date."""
        moment = now or timezone.now()
        if self.expired_at is not None or not self.storage_key:
            return False
        return self.available_until is None or moment < self.available_until  # type: ignore[operator]


class DocumentRead(models.Model):
    """The first time a user opened a document (the inbox's unread marker)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="document_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.document_id}"
