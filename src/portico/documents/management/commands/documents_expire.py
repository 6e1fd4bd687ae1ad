"""``portico documents-expire``: end availability of documents past their retention date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portico.documents.services import documents_expire


class Command(BaseCommand):
    help = "Make documents past their retention date no longer downloadable (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = documents_expire()
        self.stdout.write(f"{count} document(s) expired.")
