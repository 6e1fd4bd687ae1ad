"""Benchmark: ``portico demo-data --scale large`` (time and peak memory).

Runs against a fresh embedded database in a temporary folder (or the PostgreSQL database named
by DATABASE_URL), so it measures the whole load, not a resume. Usage:

    .venv/bin/python bench/demo/run.py [--members 100000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import machine, save

PORTICO = str(Path(sys.executable).with_name("portico"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PORTICO_VAR_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "portico.config.settings.local",
        }
        subprocess.run([PORTICO, "migrate", "-v0"], env=env, check=True)
        started = time.perf_counter()
        subprocess.run(
            [
                PORTICO,
                "demo-data",
                "--scale",
                "large",
                "--members",
                str(args.members),
                "--quiet-accounts",
            ],
            env=env,
            check=True,
        )
        elapsed = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    database = (
        "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    )
    result = {
        "benchmark": "demo-data --scale large",
        "members": args.members,
        "database": database,
        "seconds": round(elapsed, 1),
        "members_per_second": round(args.members / elapsed),
        "peak_rss_mib": round(peak_mib),
    }
    path = save("demo", result)
    m = machine()
    print(
        f"| {m['date']} | {m['cores']} × {m['cpu']} | {database} | {args.members:,} members "
        f"| {elapsed:.1f} s | {args.members / elapsed:,.0f} members/s | {peak_mib:,.0f} MiB |"
    )
    print(f"(details: {path})")


if __name__ == "__main__":
    main()
