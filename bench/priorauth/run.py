"""Benchmark: determination-letter PDFs per second, and decision → status visible on an
open status page.

Runs against a fresh embedded database in a temporary folder (demo data: the small set plus
the prior-authorization demo). Measures:

* ``letters/s`` — ``priorauth.letters.render_letter`` (ReportLab) for a partially approved
  request, and the full ``post_letter`` path (render + private storage + Document row + audit);
* decision latency — a poller does what the open status page does (``GET …/status/?since=<v>``
  every ``POLL_SECONDS`` through the real middleware and MFA gate, 204 while unchanged); the
  time from the decision's commit to the poll that returns the new status. Goal: < 1 s.

Usage: ``.venv/bin/python bench/priorauth/run.py [--letters 200] [--decisions 10]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

POLL_SECONDS = 1.0  # the status page's hx-trigger="every 1s"


def _setup(tmp: str) -> None:
    os.environ.setdefault("PORTICO_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    call_command("migrate", verbosity=0)
    from portico.demo.generators import generate_small
    from portico.priorauth import demo

    generate_small(seed=42)
    demo.generate(scale="small", rng=random.Random(42))


def bench_letters(count: int) -> dict[str, Any]:
    from django.db import transaction

    from portico.identity.models import User
    from portico.priorauth import letters
    from portico.priorauth.models import PriorAuthRequest, Status
    from portico.priorauth.services import plan_settings
    from portico.priorauth.services.review import post_letter

    row = PriorAuthRequest.objects.filter(status=Status.PARTIALLY_APPROVED).first()
    assert row is not None
    settings_row = plan_settings(row.plan)
    started = time.perf_counter()
    size = 0
    for _ in range(count):
        size = len(letters.render_letter(row, letters.ADVERSE_PARTIAL, settings_row=settings_row))
    render_rate = count / (time.perf_counter() - started)
    reviewer = User.objects.get(username="um.reviewer")
    started = time.perf_counter()
    for _ in range(count // 2):
        with transaction.atomic():
            post_letter(row, letters.ADVERSE_PARTIAL, actor=reviewer)
    posted_rate = (count // 2) / (time.perf_counter() - started)
    return {
        "render_per_s": round(render_rate, 1),
        "posted_per_s": round(posted_rate, 1),
        "pdf_bytes": size,
        "count": count,
    }


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    now = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "type": "totp", "id": 0},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def bench_latency(decisions: int) -> dict[str, Any]:
    from django.db import connection
    from django.urls import reverse

    from portico.identity.models import User
    from portico.priorauth.models import LineDecision, PriorAuthRequest, Status
    from portico.priorauth.services import LineDecisionInput, priorauth_decide

    office = User.objects.get(username="dr.physician")
    reviewer = User.objects.get(username="um.reviewer")
    client = _client(office)
    latencies, poll_ms = [], []
    # Requests a reviewer can decide: received or in review, not administratively withdrawn.
    open_requests = PriorAuthRequest.objects.filter(withdrawn_at__isnull=True)
    rows = list(open_requests.filter(status=Status.RECEIVED)[:decisions])
    rows += list(open_requests.filter(status=Status.IN_REVIEW)[: decisions - len(rows)])
    for row in rows:
        url = reverse("priorauth:request_status", kwargs={"reference": row.reference})
        seen = threading.Event()
        decided_at: list[float] = []
        version = row.version

        def poll(
            url: str = url,
            version: int = version,
            seen: threading.Event = seen,
            decided_at: list[float] = decided_at,
        ) -> None:
            since = version
            # start at a random phase of the poll cycle, as a page opened at any moment would
            time.sleep(random.random() * POLL_SECONDS)
            while not seen.is_set():
                t0 = time.perf_counter()
                response = client.get(url, {"since": since})
                poll_ms.append((time.perf_counter() - t0) * 1000)
                changed = response.status_code == 200 and b"Approved" in response.content
                if changed and decided_at:
                    latencies.append(time.perf_counter() - decided_at[0])
                    seen.set()
                    break
                time.sleep(POLL_SECONDS)
            connection.close()

        thread = threading.Thread(target=poll)
        thread.start()
        time.sleep(0.3 + random.random())
        priorauth_decide(
            request=row,
            actor=reviewer,
            version=row.version,
            decisions=[
                LineDecisionInput(ln.line_no, LineDecision.APPROVED) for ln in row.lines.all()
            ],
        )
        decided_at.append(time.perf_counter())
        thread.join(timeout=10)
    latencies.sort()
    return {
        "decisions": len(latencies),
        "poll_interval_s": POLL_SECONDS,
        "latency_mean_s": round(statistics.mean(latencies), 3) if latencies else None,
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        "poll_request_median_ms": round(statistics.median(poll_ms), 1) if poll_ms else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--decisions", type=int, default=10)
    args = parser.parse_args()
    from bench.common import machine, save

    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp)
        letters = bench_letters(args.letters)
        latency = bench_latency(args.decisions)
    result = {"letters": letters, "latency": latency}
    path = save("priorauth", result)
    m = machine()
    print(
        f"| {m['date']} | {m['cores']} × {m['cpu']} | SQLite | {letters['render_per_s']} letters/s "
        f"rendered, {letters['posted_per_s']} posted | decision→visible mean "
        f"{latency['latency_mean_s']} s, max {latency['latency_max_s']} s "
        f"(poll {latency['poll_interval_s']} s, "
        f"poll request {latency['poll_request_median_ms']} ms) |"
    )
    print(f"results: {path}")


if __name__ == "__main__":
    main()
