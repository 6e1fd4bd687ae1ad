"""``portico import-provider-file PLAN_PAYER_ID FILE.csv``: load a plan's provider file.

Every row is validated first; on any bad row each error is printed with its line number and
nothing is written. Columns: see ``portico.members.provider_file``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.members.models import HealthPlan
from portico.members.provider_file import parse_provider_file
from portico.members.services import provider_file_import


class Command(BaseCommand):
    help = "Load a health plan's provider file (NPI, names, Provider ID, network, dates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("payer_id")
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        plan = HealthPlan.objects.filter(payer_id=options["payer_id"]).first()
        if plan is None:
            raise CommandError(f"No health plan has payer ID {options['payer_id']!r}.")
        path: Path = options["file"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        rows, errors = parse_provider_file(text)
        if errors:
            for error in errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(f"{len(errors)} error(s); nothing was imported.")
        created, updated = provider_file_import(plan=plan, rows=rows)
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.name}: {len(rows)} providers ({created} new, {updated} updated)."
            )
        )
