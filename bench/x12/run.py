"""Benchmark: reading an 837P with Portico's streaming reader vs validating it with pyx12.

Writes a deterministic N-claim 837P (``portico.x12.synth``) to a temporary file, then measures
in one run: Portico's reader over the whole file (claims/s; then, in separate passes, peak
Python memory via tracemalloc on the big and the small file), and pyx12's validator over a
smaller file of the same shape (it is far slower), scaled to claims/s. Usage:

    .venv/bin/python bench/x12/run.py [--claims 100000] [--pyx12-claims 5000]
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pyx12.params
import pyx12.x12n_document

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import machine, save

from portico.x12.reader837 import Claim837Reader
from portico.x12.synth import write_synthetic_837p


def write_file(path: Path, claims: int) -> int:
    with path.open("w", encoding="utf-8") as out:
        write_synthetic_837p(out, claims=claims, seed=11)
    return path.stat().st_size


def portico_read(path: Path) -> tuple[int, float]:
    """Claims read and seconds taken, with nothing else running in the process."""
    started = time.perf_counter()
    count = 0
    with path.open("rb") as source:
        for _claim in Claim837Reader(source):
            count += 1
    return count, time.perf_counter() - started


def portico_peak_mib(path: Path) -> float:
    """Peak Python memory of a whole read. A separate pass: tracemalloc hooks every
    allocation and slows the reader about eightfold, so it must not be in the timed pass."""
    tracemalloc.start()
    portico_read(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def pyx12_validate(path: Path) -> float:
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    param = pyx12.params.params()
    started = time.perf_counter()
    with path.open(encoding="utf-8") as source:
        pyx12.x12n_document.x12n_document(
            param, source, fd_997=None, fd_html=None, fd_json=io.StringIO()
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--pyx12-claims", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.837", Path(tmp) / "small.837"
        size = write_file(big, args.claims)
        write_file(small, args.pyx12_claims)
        count, seconds = portico_read(big)
        peak_mib = portico_peak_mib(big)
        small_peak = portico_peak_mib(small)
        pyx12_seconds = pyx12_validate(small)
    ours = count / seconds
    theirs = args.pyx12_claims / pyx12_seconds
    result = {
        "benchmark": "837P ingestion",
        "claims": count,
        "file_mib": round(size / 2**20, 1),
        "portico_seconds": round(seconds, 2),
        "portico_claims_per_second": round(ours),
        "portico_peak_mib": round(peak_mib, 2),
        "portico_peak_mib_small_file": round(small_peak, 2),
        "pyx12_claims": args.pyx12_claims,
        "pyx12_seconds": round(pyx12_seconds, 2),
        "pyx12_claims_per_second": round(theirs),
        "speedup": round(ours / theirs, 1),
    }
    path = save("x12", result)
    m = machine()
    print(
        f"| {m['date']} | {m['cores']} × {m['cpu']} | {count:,} claims ({size / 2**20:.0f} MiB) "
        f"| Portico {ours:,.0f} claims/s, peak {peak_mib:.1f} MiB "
        f"(vs {small_peak:.1f} MiB at {args.pyx12_claims:,}) "
        f"| pyx12 {theirs:,.0f} claims/s | {ours / theirs:.1f}× |"
    )
    print(f"(details: {path})")


if __name__ == "__main__":
    main()
