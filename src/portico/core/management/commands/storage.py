"""``portico storage sweep``: delete stored files no row refers to (core/storage_sweep.py).

portico storage sweep                  delete orphans older than PORTICO_STORAGE_SWEEP_GRACE_HOURS
portico storage sweep --dry-run        list the keys it would delete; delete nothing
portico storage sweep --grace-hours 48
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.core.storage_sweep import sweep_orphans


class Command(BaseCommand):
    help = (
        "Stored files: 'sweep' deletes files under the apps' folders that no row refers to "
        "and that are older than the grace period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sweep"])
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be deleted; delete nothing"
        )
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=None,
            help="keep unreferenced files younger than this (default: "
            "PORTICO_STORAGE_SWEEP_GRACE_HOURS, 24)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])

        def show(key: str) -> None:
            if dry_run:
                self.stdout.write(f"would delete {key}")

        try:
            result = sweep_orphans(dry_run=dry_run, grace=options["grace_hours"], on_orphan=show)
        except (ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"Examined {result.examined} stored files under {', '.join(result.prefixes) or '-'}: "
            f"{result.referenced} referenced, {result.too_young} younger than "
            f"{result.grace_hours:g} hours, {verb} {result.deleted}"
            + (f", {result.vanished} gone meanwhile" if result.vanished else "")
            + "."
        )
