"""``portico support-auto-close``: close support cases that stayed Resolved long enough.

The same work runs daily as the Celery task ``portico.support.auto_close_resolved``.
``--days`` overrides ``SUPPORT_AUTO_CLOSE_DAYS`` (default 7) for this run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.core.text import counted
from portico.support import services


class Command(BaseCommand):
    help = "Close support cases that have been Resolved for SUPPORT_AUTO_CLOSE_DAYS or more."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override the setting")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 1:
            raise CommandError("--days must be 1 or more.")
        closed = services.cases_auto_close(days=days)
        for number in closed:
            self.stdout.write(f"closed {number}")
        self.stdout.write(self.style.SUCCESS(f"{counted(len(closed), 'case')} closed."))
