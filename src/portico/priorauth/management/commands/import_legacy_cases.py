"""``portico import-legacy-cases FILE``: load legacy-portal cases (read-only status)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.priorauth.services.legacy import LegacyImportError, legacy_cases_import


class Command(BaseCommand):
    help = "Import prior-authorization cases from a legacy portal export (CSV or JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--legacy-portal", default="", help="Name of the legacy portal.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            result = legacy_cases_import(
                content=path.read_text(encoding="utf-8"), legacy_portal=options["legacy_portal"]
            )
        except LegacyImportError as exc:
            raise CommandError("Nothing imported:\n" + "\n".join(exc.errors)) from None
        self.stdout.write(f"{result.created} case(s) created, {result.updated} updated.")
