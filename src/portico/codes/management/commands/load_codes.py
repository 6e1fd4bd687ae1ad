"""``portico load_codes``: load or refresh the code-set tables from the shipped data files.

Safe to run on every start (``make run`` does): it upserts, so a second run changes nothing,
and it checks every file before writing, so bad data stops it with the problems listed and the
tables untouched.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.codes.datafiles import DATA_DIR, CodeSetDataError
from portico.codes.models import Icd10Code
from portico.codes.services import CODE_SETS, code_sets_load

_LABELS = {
    "icd10": "ICD-10-CM codes",
    "pos": "places of service",
    "carc": "claim adjustment reason codes",
    "rarc": "remittance advice remark codes",
    "taxonomy": "provider taxonomies",
}


class Command(BaseCommand):
    help = "Load ICD-10-CM, place of service, CARC, RARC and taxonomy codes (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only",
            action="append",
            choices=CODE_SETS,
            help="Load only this code set (repeatable). Default: all.",
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help="Folder holding the data files (default: the files shipped with Portico).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when ICD-10-CM codes are already loaded (fast restarts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["if_empty"] and Icd10Code.objects.exists():
            self.stdout.write("Code sets already loaded (run without --if-empty to refresh).")
            return
        try:
            counts = code_sets_load(data_dir=options["data_dir"], only=options["only"])
        except CodeSetDataError as exc:
            raise CommandError("No codes were loaded; fix the data files:\n" + str(exc)) from exc
        for name, count in counts.items():
            self.stdout.write(
                f"{_LABELS[name]}: {count.total:,} ({count.created:,} new, "
                f"{count.updated:,} already present)"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Code sets loaded in {time.monotonic() - started:.1f} s.")
        )
