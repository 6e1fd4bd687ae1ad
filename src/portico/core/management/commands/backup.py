"""``portico backup DEST``: the database and every stored file into a new directory."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from portico.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the stored files into DEST (a new or empty directory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["dest"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backup written to {result.path} (database by {result.method}; "
            f"{result.files} files, {filesizeformat(result.bytes)})."
        )
