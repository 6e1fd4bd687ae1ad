"""``portico restore SRC``: replace the database and the stored files with a backup.

Stop the web and worker processes first. ``--prune`` also deletes stored files the backup
does not have, so the storage equals the backup exactly.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from portico.core.audit import audit_record
from portico.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database and stored files from a backup made by 'portico backup'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src")
        parser.add_argument("--prune", action="store_true", help="delete files not in the backup")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"] and options.get("interactive", True):
            answer = input("This replaces the whole database and the stored files. Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            manifest = restore(options["src"], prune=options["prune"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            audit_record(
                action="portico.backup.restored",
                changes={"taken_at": manifest["taken_at"], "method": manifest["method"]},
            )
        self.stdout.write(
            f"Restored the backup taken {manifest['taken_at']} ({manifest['method']}; "
            f"{len(manifest['files'])} files)."
        )
