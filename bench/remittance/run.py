"""Benchmark: 835 generation for 100,000 claims (time, claims/s, peak memory).

Two shapes, both through ``portico.x12.remit835.write_835`` into a file:

* ``per-payee``: a payment run's shape — 1,000 payees × 100 claims, one ST/SE per payee,
  remittances generated lazily (memory stays flat);
* ``one-payee``: a single remittance of 100,000 claims (the writer balances the whole
  transaction before writing it, so the claims are held in memory).

Each claim has two service lines with CO/PR adjustments, a remark code and an allowed amount.

    .venv/bin/python bench/remittance/run.py [--claims 100000] [--validate-sample]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from portico.x12.models837 import Address
from portico.x12.remit835 import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
    write_835,
)
from portico.x12.writer import Envelope

DAY = dt.date(2025, 4, 1)


def claim(i: int) -> ClaimPayment:
    return ClaimPayment(
        patient_account_number=f"PA{i:09d}",
        status_code="1",
        charge=D("150.00"),
        paid=D("93.60"),
        payer_claim_control_number=f"C2025{i:07d}",
        patient_last_name="DOE",
        patient_first_name="PAT",
        patient_member_id=f"HM{i:09d}",
        patient_responsibility=D("32.40"),
        statement_from=DAY,
        statement_to=DAY,
        received=DAY,
        services=[
            ServicePayment(
                "99213",
                D("100.00"),
                D("57.60"),
                service_date=DAY,
                allowed_amount=D("92.00"),
                adjustments=[
                    Adjustment("CO", "45", D("8.00")),
                    Adjustment("PR", "3", D("20.00")),
                    Adjustment("PR", "2", D("14.40")),
                ],
                remark_codes=("N130",),
            ),
            ServicePayment(
                "97110",
                D("50.00"),
                D("36.00"),
                modifiers=("GP",),
                service_date=DAY,
                allowed_amount=D("45.00"),
                adjustments=[Adjustment("CO", "45", D("5.00")), Adjustment("PR", "2", D("9.00"))],
            ),
        ],
    )


def remittance(payee: int, claims: list[ClaimPayment] | Iterator[ClaimPayment]) -> Remittance:
    return Remittance(
        payer_name="HARBOR HEALTH PLAN",
        payer_tax_id="990000001",
        payer_address=Address("PO BOX 5600", "KINGSTON", "NY", "12402"),
        payer_technical_phone="8005550100",
        payee_name=f"PRACTICE {payee}",
        payee_npi="1234567893",
        payee_tax_id=f"{100000000 + payee}",
        payment_method="CHK",
        trace_number=f"{payee:08d}",
        payment_date=DAY,
        claims=list(claims),
        provider_adjustments=[ProviderAdjustment("WO", D("1.00"), "OVP")]
        if payee % 10 == 0
        else [],
    )


def envelope() -> Envelope:
    return Envelope(
        sender_id="PORTICO01",
        receiver_id="PAYEES",
        interchange_control_number=1,
        group_control_number=1,
        created=dt.datetime(2025, 4, 1, 9, 0),
    )


def run(shape: str, total: int, out_path: str) -> dict[str, float]:
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with open(out_path, "w", encoding="ascii") as out:
        if shape == "per-payee":
            per = 100
            payees = total // per
            gen = (remittance(p, (claim(p * per + i) for i in range(per))) for p in range(payees))
            write_835(gen, out, envelope())
        else:
            write_835([remittance(0, (claim(i) for i in range(total)))], out, envelope())
    elapsed = time.perf_counter() - start
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "seconds": elapsed,
        "claims_per_second": total / elapsed,
        "peak_mib": peak_rss / 1024,
        "growth_mib": (peak_rss - base_rss) / 1024,
        "file_mib": os.path.getsize(out_path) / 1024 / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--shape", choices=["per-payee", "one-payee"], help=argparse.SUPPRESS)
    parser.add_argument(
        "--validate-sample",
        action="store_true",
        help="Also validate a 1,000-claim file with pyx12 (error report).",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.shape:  # child process: one shape, so its peak RSS is its own
            print(json.dumps(run(args.shape, args.claims, os.path.join(tmp, "out.835"))))
            return
        for shape in ("per-payee", "one-payee"):
            child = subprocess.run(
                [sys.executable, __file__, "--shape", shape, "--claims", str(args.claims)],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(child.stdout.strip().splitlines()[-1])
            print(
                f"835 {shape:9s}: {args.claims:,} claims in {r['seconds']:.2f} s = "
                f"{r['claims_per_second']:,.0f} claims/s; peak RSS {r['peak_mib']:.0f} MiB "
                f"(+{r['growth_mib']:.0f} MiB while writing); file {r['file_mib']:.1f} MiB"
            )
        if args.validate_sample:
            sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "x12"))
            from x12_helpers import pyx12_errors

            sample = os.path.join(tmp, "sample.835")
            run("per-payee", 1_000, sample)
            errors = pyx12_errors(Path(sample).read_text())
            print(f"pyx12 on a 1,000-claim sample: {len(errors)} error(s)")


if __name__ == "__main__":
    main()
