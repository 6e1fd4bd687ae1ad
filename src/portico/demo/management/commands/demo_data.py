"""``portico demo-data --scale small|large [--seed N]``: load fictitious demo data."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from portico.claims import demo as claims_demo
from portico.demo.generators import (
    DEMO_PASSWORD,
    generate_large,
    generate_portals,
    generate_small,
)


def _member_count(value: str) -> int:
    """``--members``: a whole number from 1 to 5,000,000 (argparse shows the message)."""
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if not 1 <= count <= 5_000_000:
        raise argparse.ArgumentTypeError("give a number of members from 1 to 5,000,000")
    return count


class Command(BaseCommand):
    help = "Load deterministic, fictitious demo data (small for the demo, large for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=["small", "large"], default="small")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--members", type=_member_count, default=100_000, help="large scale only (1–5,000,000)"
        )
        parser.add_argument("--quiet-accounts", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        accounts = generate_small(seed=options["seed"])
        if options["scale"] == "large":
            added = generate_large(seed=options["seed"], members=options["members"])
            self.stdout.write(f"Large scale: added {added} members.")
        added_records = generate_portals(seed=options["seed"], scale=options["scale"])
        for name, count in added_records.items():
            if isinstance(count, dict):
                count = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in count.items() if n)
            if count:
                self.stdout.write(f"Added {name}: {count}")
        self.stdout.write(f"Demo data ready in {time.perf_counter() - started:.1f}s.")
        sample = claims_demo.sample_837()
        if sample:  # an 837P to try the claims file upload with (one claim is meant to fail)
            path = Path(settings.VAR_DIR) / "demo" / "sample-837p.x12"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sample, encoding="utf-8")
            self.stdout.write(f"Sample 837P for billing.clerk (Claims → Files → Upload): {path}")
        if options["quiet_accounts"]:
            return
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        width = max(len(a.username) for a in accounts)
        for account in accounts:
            self.stdout.write(
                f"  {account.username:<{width}}  {account.persona} — {account.can_do}"
            )
