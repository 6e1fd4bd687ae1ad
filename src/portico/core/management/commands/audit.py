"""``portico audit verify|archive``: the tamper-evident hash chain and its retention.

portico audit verify              check the live chain (from the newest archive checkpoint)
portico audit verify --archives   also re-check every archive file against its checkpoint
portico audit archive             archive + delete events older than the retention period
portico audit archive --before 2020-01-01
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from portico.core.audit import verify_chain
from portico.core.audit_archive import archive_events, retention_days, verify_archives
from portico.core.models import AuditEvent


class Command(BaseCommand):
    help = "Audit-trail tools: 'verify' checks the hash chain; 'archive' applies retention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "archive"])
        parser.add_argument(
            "--archives", action="store_true", help="verify: also check the archive files"
        )
        parser.add_argument(
            "--before",
            help="archive: cut-off date YYYY-MM-DD (default: today minus the retention period)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "archive":
            self._archive(options.get("before"))
            return
        broken = verify_chain()
        if broken:
            raise CommandError(f"Audit chain broken at event {broken.event_id}: {broken.reason}")
        if options["archives"]:
            broken = verify_archives()
            if broken:
                raise CommandError(
                    f"Audit archive broken at event {broken.event_id}: {broken.reason}"
                )
        self.stdout.write(f"Audit chain intact: {AuditEvent.objects.count()} events verified.")

    def _archive(self, before: str | None) -> None:
        cutoff = None
        if before:
            try:
                day = datetime.strptime(before, "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError("--before must be a date like 2020-01-31.") from exc
            cutoff = timezone.make_aware(datetime.combine(day, time.min))
        try:
            checkpoint = archive_events(before=cutoff)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint is None:
            days = retention_days()
            self.stdout.write(f"Nothing to archive (retention {days} days).")
            return
        self.stdout.write(
            f"Archived {checkpoint.archived_count} events through event "
            f"{checkpoint.last_event_id} to {checkpoint.archive_key}."
        )
