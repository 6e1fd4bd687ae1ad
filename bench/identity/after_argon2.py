"""Benchmark: what a sign-in costs after other work (why bench/identity's ratio stays < 85 %).

The sign-in of ``run.py`` with argon2's verification stubbed out, timed (CPU of this process)
right after each kind of "other work" lasting about one argon2id verification: nothing (back
to back), one real argon2id verification (m = 19 MiB, t = 2, p = 1), a busy Python loop,
sleeping, and writing one byte of each page of 19 MiB. Each kind runs ``--rounds`` times,
``--sign-ins`` sign-ins each, interleaved so that all see the same machine load.

    .venv/bin/python bench/identity/after_argon2.py [--rounds 2] [--sign-ins 40]

Prints milliseconds of CPU per sign-in for each kind; writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import machine, save
from bench.identity import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sign-ins", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        run._environment(tmp)
        import django

        django.setup()
        import argon2
        from django.core.management import call_command

        from portico.config.settle import settle

        call_command("migrate", verbosity=0)
        settle()  # as the WSGI entry point does
        sign_in = run._sign_in_op(users=args.rounds * args.sign_ins * 5 + 10)
        for i in range(3):
            sign_in(-1 - i)
        from portico.identity.hashers import PorticoArgon2PasswordHasher as H

        hasher = argon2.PasswordHasher(
            time_cost=H.time_cost,
            memory_cost=H.memory_cost,
            parallelism=H.parallelism,
            type=argon2.Type.ID,
        )
        encoded = hasher.hash(run.PASSWORD)
        real_verify = argon2.PasswordHasher.verify  # kept: the sign-in's is stubbed below

        def verify() -> None:
            real_verify(hasher, encoded, run.PASSWORD)

        started = time.perf_counter()
        verify()
        lasts = time.perf_counter() - started  # one verification, the other kinds' length

        def busy() -> None:
            until = time.perf_counter() + lasts
            while time.perf_counter() < until:
                pass

        def touch_pages() -> None:
            block = bytearray(19 * 1024 * 1024)
            for offset in range(0, len(block), 4096):
                block[offset] = 1

        before: dict[str, Callable[[], None]] = {
            "back to back": lambda: None,
            "one argon2id verification": verify,
            "busy Python loop": busy,
            "sleep": lambda: time.sleep(lasts),
            "one byte per page of 19 MiB": touch_pages,
        }
        # The sign-in's own verification is stubbed: only what follows "before" is timed.
        argon2.PasswordHasher.verify = lambda self, hash, password: True  # type: ignore[method-assign,assignment]
        totals = {name: [0.0, 0] for name in before}
        n = 0
        for _round in range(args.rounds):
            for name, work in before.items():
                for _ in range(args.sign_ins):
                    work()
                    cpu = time.process_time()
                    sign_in(n)
                    totals[name][0] += time.process_time() - cpu
                    totals[name][1] += 1
                    n += 1

    m = machine()
    print(f"\nSign-in after other work — {m['date']}, {m['cores']} cores × {m['cpu']}")
    print(f"(argon2 stubbed in the sign-in; each kind of work lasts {lasts * 1000:.1f} ms)")
    results = {}
    for name, (seconds, count) in totals.items():
        ms = seconds / count * 1000
        results[name] = round(ms, 2)
        print(f"  {name:<30} {ms:6.2f} ms of CPU per sign-in")
    path = save(
        "identity-after-argon2",
        {"benchmark": "identity-after-argon2", "work_ms": round(lasts * 1000, 1),
         "sign_in_cpu_ms": results},
    )  # fmt: skip
    print(f"\nJSON: {path}")


if __name__ == "__main__":
    main()
