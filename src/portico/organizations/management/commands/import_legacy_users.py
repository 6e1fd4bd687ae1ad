"""``portico import-legacy-users FILE.csv``: load the previous portal's users.

Every row is validated first; if any row is bad, each error is printed with its line
number and nothing is written. The columns are documented in
``portico.organizations.legacy_import``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.organizations.legacy_import import parse_legacy_users
from portico.organizations.services.legacy import legacy_accounts_import


class Command(BaseCommand):
    help = "Load legacy portal users from a CSV file (validated in full before writing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--regions",
            default="R1,R2,R3,R4,R5,R6,R7,SJ,MG,CN",
            help="Comma-separated region codes accepted in the regions column.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        regions = {r.strip().upper() for r in options["regions"].split(",") if r.strip()}
        rows, errors = parse_legacy_users(text, region_codes=regions)
        if errors:
            for error in errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{len(errors)} error(s); nothing was imported.")
        created, updated = legacy_accounts_import(rows=rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(rows)} legacy users ({created} new, {updated} updated)."
            )
        )
