"""Benchmark: PIP patient look-up and summary latency over the large demo data set.

Loads the large demo data (members, coverage, PCP assignments, encounters with diagnoses,
pharmacy claims, bulk referral history) into the database named by DATABASE_URL (default: a
fresh SQLite file in a temporary folder), then, as the demo physician (Lakeside, regions R1
and R2), times through the real views (middleware, MFA gate, templates, audit writes):

* look-up by member ID (POST /pip/),
* look-up by last name + date of birth (POST /pip/),
* the patient summary (GET /pip/patients/<id>/).

Goal (issue #7): p95 under 100 ms on PostgreSQL. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portico_bench_pip \\
        .venv/bin/python bench/patientinfo/run.py [--members 100000] [--samples 300] [--reuse]

``--reuse`` skips loading when the database already holds the large data.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))


def _setup(tmp: str) -> None:
    os.environ.setdefault("PORTICO_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(members: int) -> dict[str, Any]:
    from portico.demo.generators import generate_large, generate_small
    from portico.identity.models import User
    from portico.patientinfo import demo as pip_demo
    from portico.referrals import demo as referrals_demo

    timings: dict[str, Any] = {}
    started = time.perf_counter()
    generate_small(seed=42)
    generate_large(seed=42, members=members)
    timings["members_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    pip_demo.generate(scale="small")
    counts = pip_demo.generate(scale="large")
    timings["pip_s"] = round(time.perf_counter() - started, 1)
    timings["pip_rows"] = counts
    started = time.perf_counter()
    office = User.objects.get(username="dr.physician")
    reviewer = User.objects.get(username="um.reviewer")
    referrals_demo.generate(scale="small", office_user=office, reviewer=reviewer)
    timings["referrals"] = referrals_demo.generate(scale="large")
    timings["referrals_s"] = round(time.perf_counter() - started, 1)
    return timings


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


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(tmp)
        from bench.common import machine, save
        from django.conf import settings

        from portico.identity.models import User
        from portico.members.models import Member
        from portico.patientinfo.selectors import visible_members

        loaded: dict[str, Any] = {}
        if not (args.reuse and Member.objects.filter(member_id__startswith="HL").exists()):
            loaded = _load(args.members)
        settings.ALLOWED_HOSTS = ["*"]
        user = User.objects.get(username="dr.physician")
        client = _client(user)
        rng = random.Random(5)
        visible = list(
            visible_members(user=user)
            .filter(member_id__startswith="HL")
            .values_list("pk", "member_id", "last_name", "date_of_birth")[:5000]
        )
        sample = [rng.choice(visible) for _ in range(args.samples)]
        results: dict[str, list[float]] = {
            "lookup_member_id": [],
            "lookup_name_dob": [],
            "summary": [],
        }
        for pk, member_id, _last, _born in sample[:20]:  # warm-up
            client.post("/pip/", {"by": "member_id", "id-member_id": member_id})
            client.get(f"/pip/patients/{pk}/")
        for pk, member_id, last, born in sample:
            t = time.perf_counter()
            r = client.post("/pip/", {"by": "member_id", "id-member_id": member_id})
            results["lookup_member_id"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200 and f"/pip/patients/{pk}/" in r.text, r.status_code
            t = time.perf_counter()
            r = client.post(
                "/pip/",
                {"by": "name", "name-last_name": last, "name-first_name": "",
                 "name-date_of_birth": born.isoformat()},
            )  # fmt: skip
            results["lookup_name_dob"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
            t = time.perf_counter()
            r = client.get(f"/pip/patients/{pk}/")
            results["summary"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        database = (
            "PostgreSQL"
            if settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
            else "SQLite"
        )
        stats = {
            name: {
                "p50_ms": round(statistics.median(v), 1),
                "p95_ms": round(_p(v, 0.95), 1),
                "max_ms": round(max(v), 1),
            }
            for name, v in results.items()
        }
        total_members = Member.objects.count()
        path = save(
            "patientinfo",
            {
                "database": database,
                "members": total_members,
                "visible_to_user": len(visible),
                "samples": args.samples,
                "load": loaded,
                "latency": stats,
            },
        )
        m = machine()
        for name, s in stats.items():
            print(
                f"| {m['date']} | {m['cores']} × {m['cpu']} | {database} "
                f"| {total_members:,} members | {name} "
                f"| p50 {s['p50_ms']} ms | p95 {s['p95_ms']} ms |"
            )
        if loaded:
            print(f"load: {loaded}")
        print(f"(details: {path})")


if __name__ == "__main__":
    main()
