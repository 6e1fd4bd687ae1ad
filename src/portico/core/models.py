"""Shared kernel tables: the append-only audit log and the development outbox."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Never updated, never deleted.

    Each row carries the SHA-256 of its content chained to the previous row's hash, so that
    ``portico audit verify`` can find the first row changed behind the application's back.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(max_length=150, blank=True)
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    member_ref = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="Member/patient whose PHI was touched"
    )
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor", "-occurred_at"]),
            models.Index(fields=["object_type", "object_id"]),
            # The audit log's search by a number people know (prefix match on PostgreSQL).
            models.Index(
                fields=["object_repr"],
                name="core_audit_object_repr_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Audit events are append-only.")

    @property
    def description(self) -> str:
        from portico.core.audit import describe

        return describe(self.action)


class AuditChainHead(models.Model):
    """One row holding the newest hash; locking it serialises appends to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head ({self.count} events)"


_CODE_RE = re.compile(r"(?<![\w/])(\d{6})(?!\w)")
_LINK_RE = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


class OutboxMessage(models.Model):
    """An email, text message or voice call that the embedded profile 'sent'.

    Development and tests read it at /dev/outbox/; production sends through SMTP and the
    SMS/voice gateway and never writes here.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"
        VOICE = "voice", "Voice call"

    class VoiceState(models.TextChoices):
        RINGING = "ringing", "Ringing"
        ANSWERED = "answered", "Answered"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    channel = models.CharField(max_length=10, choices=Channel.choices, db_index=True)
    to = models.CharField(max_length=254, db_index=True)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    voice_state = models.CharField(max_length=10, choices=VoiceState.choices, blank=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.to}: {self.subject or self.body[:40]}"

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(_CODE_RE.findall(f"{self.subject}\n{self.body}")))

    @property
    def links(self) -> list[str]:
        return list(dict.fromkeys(m.rstrip(".,);") for m in _LINK_RE.findall(self.body)))


class AuditCheckpoint(models.Model):
    """Where the live chain starts after older events were archived (retention).

    ``audit_archive`` exports events up to ``last_event_id`` to a file in private storage and
    deletes them; this row keeps that segment's last hash so ``verify_chain`` checks the first
    remaining event against it. The newest checkpoint is the one the verifier starts from.
    """

    created_at = models.DateTimeField(default=timezone.now)
    last_event_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    archived_count = models.BigIntegerField(default=0)
    archived_before = models.DateTimeField(help_text="Events older than this were archived")
    archive_key = models.CharField(max_length=255, help_text="Key of the archive file in storage")
    archive_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-last_event_id"]

    def __str__(self) -> str:
        return f"audit checkpoint at event {self.last_event_id} ({self.archive_key})"


class IdempotencyKey(models.Model):
    """One submission of a form or API call, keyed by (user, scope, key).

    Written in the same transaction as what the submission created (see
    ``portico.core.idempotency``): after a crash either both exist or neither does, and a
    retry with the same key gets the first result instead of a second copy.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    result_type = models.CharField(max_length=100, blank=True)
    result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="core_idempotency_user_scope_key"
            ),
            models.UniqueConstraint(
                fields=["scope", "key"],
                condition=models.Q(user__isnull=True),
                name="core_idempotency_system_scope_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class OutboxTask(models.Model):
    """A Celery task recorded in the caller's transaction and relayed to the broker later.

    The transactional outbox: ``portico.core.outbox.enqueue`` writes this row with the change
    that caused it; after commit it is sent at once when the broker answers, otherwise the
    periodic relay (``portico outbox relay`` / task ``portico.core.outbox_relay``) sends it
    when the broker is back. Nothing queued is lost to a broker outage.
    """

    task_id = models.UUIDField(unique=True, editable=False)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["dispatched_at", "id"], name="core_outbox_pending")]

    def __str__(self) -> str:
        state = "sent" if self.dispatched_at else "pending"
        return f"{self.task_name} ({state})"
