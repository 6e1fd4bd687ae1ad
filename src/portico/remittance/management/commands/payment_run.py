"""``portico payment-run``: pay every finalized or adjusted claim awaiting payment (one payment
and one 835 per payer × payee TIN). Schedule it with Celery beat (task
``portico.remittance.payment_run``) or cron."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.claims.services.adjudication import claims_auto_adjudicate_pending
from portico.core.text import counted
from portico.remittance.services import NothingToPay, payment_run_execute


class Command(BaseCommand):
    help = "Run payments: checks/EFTs, 835 files and EOBs for claims awaiting payment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Payment date (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--auto-adjudicate",
            action="store_true",
            help="First adjudicate waiting clean claims from the fee schedules.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD") from exc
        if options.get("auto_adjudicate"):
            counts = claims_auto_adjudicate_pending()
            self.stdout.write(
                f"Adjudicated automatically: {counts['finalized']} finalized, "
                f"{counts['pended']} pended."
            )
        try:
            result = payment_run_execute(payment_date=day)
        except NothingToPay as exc:  # not a failure: a scheduled run may find nothing to pay
            self.stdout.write(exc.message)
            return
        run = result.run
        self.stdout.write(
            f"Payment run {run.number}: {counted(run.payment_count, 'payment')}, "
            f"{counted(run.claim_count, 'claim')}, ${run.total_amount:,.2f}."
        )
        for note in result.skipped:
            self.stderr.write(note)
