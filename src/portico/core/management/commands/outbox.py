"""``portico outbox relay|status``: send background tasks held while the broker was down."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portico.core.outbox import pending_count, relay_pending


class Command(BaseCommand):
    help = "Transactional outbox: 'relay' sends pending tasks to the broker; 'status' counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["relay", "status"])
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self.stdout.write(f"{pending_count()} tasks waiting for the broker.")
            return
        result = relay_pending(limit=options["limit"])
        self.stdout.write(f"Sent {result['sent']} tasks; {result['pending']} still waiting.")
