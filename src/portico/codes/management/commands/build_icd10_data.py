"""``portico build_icd10_data``: regenerate ``data/icd10cm.csv.gz`` from the pinned package.

Run it after bumping ``simple-icd-10-cm`` to a new ICD-10-CM release, review the diff of
counts it prints, and commit the file. The portal never reads the package at run time: the
committed file is what ``load_codes`` loads, so a release change is always a reviewed commit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.codes.datafiles import (
    DATA_DIR,
    ICD10_FILE,
    CodeSetDataError,
    icd10_release_from_package,
    read_icd10,
    write_icd10,
)


class Command(BaseCommand):
    help = "Rebuild the ICD-10-CM data file from the pinned simple-icd-10-cm package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=DATA_DIR / ICD10_FILE,
            help="Where to write the gzip-compressed CSV (default: the shipped data file).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            release, label = icd10_release_from_package()
            write_icd10(output, release, source=f"simple-icd-10-cm package, {label} release")
            check = read_icd10(output)  # the file must read back exactly as the loader reads it
        except CodeSetDataError as exc:
            raise CommandError(str(exc)) from exc
        billable = sum(1 for row in check.rows if row.billable)
        self.stdout.write(
            f"Wrote {output}: FY{check.fiscal_year} ({label}), {len(check.rows):,} codes, "
            f"{billable:,} billable, {output.stat().st_size:,} bytes."
        )
