"""Whole-system load test: the personas' mixed workload against gunicorn on PostgreSQL, with
Redis (cache, sessions) and a Celery worker (Redis broker), on localhost, for a bounded time.

One command sets everything up, runs, reports and cleans up:

    .venv/bin/pip install -e '.[bench]'      # Locust (once)
    .venv/bin/python bench/load/run.py [--users 50,200] [--seconds 60] [--workers 4]

What it does, in order (about 6-10 minutes on 2 cores):

1. creates its own PostgreSQL database ``portico_load_<pid>`` on 127.0.0.1:5432 (user
   ``$PGUSER`` or postgres), and a temporary ``PORTICO_VAR_DIR``;
2. with the production settings profile and throwaway secrets, runs the project's own
   commands: ``portico migrate``, ``load-codes``, ``demo-data --scale small``,
   ``collectstatic``; then bench/load/seed.py clones the demo personas into load accounts;
3. starts ``gunicorn portico.config.wsgi`` (sync workers, as docs/operations.md) and
   ``celery -A portico.config worker`` as subprocesses;
4. runs Locust headless (bench/load/locustfile.py) per phase: a short warm-up, then the mixed
   workload at each ``--users`` level (think time 1-3 s) for ``--seconds``; then the ceiling
   phase: the bare Django page (``/healthz``, full middleware stack) and the same mixed
   workload, both with no think time, through the same gunicorn;
5. prints a Markdown report (throughput and p50/p95/p99 per operation, errors, the mixed
   workload's ceiling as a fraction of the bare page's) and writes it to
   ``bench/load/results-<date>.md`` (and JSON to bench/results/);
6. stops gunicorn and the worker, drops the database and empties the two Redis databases it
   used (``--redis-db``, default 11 and 12) — also on Ctrl-C or an error.

Exit status 1 when any request failed (zero errors is the requirement), 0 otherwise.
Only 127.0.0.1 is contacted; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, save  # noqa: E402

# Operations in the words → Locust request names (locustfile.py).
OPERATIONS = [
    ("sign-in (password + texted code)", "sign-in"),
    ("landing (Connect home → portal)", "landing"),
    ("claim search", "claim search"),
    ("claim submit", "claim submit"),
    ("prior-auth submit", "prior-auth submit"),
    ("prior-auth status", "prior-auth status"),
    ("patient look-up", "patient look-up"),
    ("case create", "case create"),
]
MIXED = ["Clerk", "Doctor", "Customer"]


def _sh(cmd: list[str], env: dict[str, str], quiet: bool = True) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def _psql(sql: str, user: str, db: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", user, "-d", db, "-Atqc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rsa_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (gunicorn master + workers, …)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            t = p.cpu_times()
            total += t.user + t.system + getattr(t, "children_user", 0) + t.children_system
        return total
    except psutil.Error:
        return 0.0


def _wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer 200 within {seconds} s")


def _read_stats(prefix: Path) -> tuple[dict[str, dict[str, Any]], list[dict[str, str]]]:
    rows: dict[str, dict[str, Any]] = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            name = row["Name"] if row["Type"] else "Aggregated"
            rows[name] = {
                "type": row["Type"],
                "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "p99": float(row["99%"] or 0),
            }
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", newline="") as f:
            failures = list(csv.DictReader(f))
    return rows, failures


class System:
    """The database, gunicorn and the worker; ``close`` undoes everything."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.pg_user = os.environ.get("PGUSER", "postgres")
        self.db = f"portico_load_{os.getpid()}"
        self.tmp = Path(tempfile.mkdtemp(prefix="portico-load-"))
        self.port = args.port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.db_created = False
        cache_db, broker_db = args.redis_db
        self.redis = [f"redis://127.0.0.1:6379/{cache_db}", f"redis://127.0.0.1:6379/{broker_db}"]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portico.config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"postgres://{self.pg_user}@127.0.0.1:5432/{self.db}",
            "REDIS_URL": self.redis[0],
            "CELERY_BROKER_URL": self.redis[1],
            "PORTICO_VAR_DIR": str(self.tmp / "var"),
            "PORTICO_TOTP_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "IDP_OIDC_PRIVATE_KEY": _rsa_pem(),
            "PORTICO_BASE_URL": f"https://127.0.0.1:{self.port}",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT / "src"),
        }
        self.dsn = f"postgresql://{self.pg_user}@127.0.0.1:5432/{self.db}"

    def setup(self) -> dict[str, float]:
        timings: dict[str, float] = {}
        for r in self.redis:  # stale sessions or queued tasks from an interrupted run
            self._flush(r)
        _psql(f"CREATE DATABASE {self.db}", self.pg_user)
        self.db_created = True
        portico = str(BIN / "portico")
        steps = [
            ("migrate", [portico, "migrate", "--noinput", "-v0"]),
            ("load-codes", [portico, "load-codes", "--if-empty"]),
            ("demo-data", [portico, "demo-data", "--scale", "small"]),
            ("collectstatic", [portico, "collectstatic", "--noinput", "-v0"]),
            (
                "seed",
                [
                    sys.executable,
                    str(HERE / "seed.py"),
                    "--accounts",
                    str(self.args.accounts),
                    "--out",
                    str(self.tmp / "workload.json"),
                ],
            ),
        ]
        for name, cmd in steps:
            started = time.perf_counter()
            out = _sh(cmd, self.env)
            timings[name] = round(time.perf_counter() - started, 1)
            print(f"  {name}: {timings[name]} s", flush=True)
            if name == "seed":
                print("  " + out.strip().splitlines()[-1], flush=True)
        return timings

    def start(self) -> None:
        logs = self.tmp / "logs"
        logs.mkdir()
        self.procs["celery"] = subprocess.Popen(
            [
                str(BIN / "celery"), "-A", "portico.config", "worker", "--loglevel", "WARNING",
                "--concurrency", str(self.args.celery_concurrency),
                "--without-gossip", "--without-mingle",
            ],
            env=self.env, cwd=ROOT, start_new_session=True,
            stdout=open(logs / "celery.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.procs["gunicorn"] = subprocess.Popen(
            [
                str(BIN / "gunicorn"), "portico.config.wsgi",
                "--workers", str(self.args.workers), "--bind", f"127.0.0.1:{self.port}",
                "--timeout", "60",
            ],
            env=self.env, cwd=ROOT, start_new_session=True,
            stdout=open(logs / "gunicorn.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        _wait_healthy(f"{self.url}/healthz")

    def locust(
        self, name: str, users: int, seconds: int, classes: list[str], think: str, base: int
    ) -> dict[str, Any]:
        prefix = self.tmp / name
        env = {
            **self.env,
            "LOAD_WORKLOAD": str(self.tmp / "workload.json"),
            "LOAD_DSN": self.dsn,
            "LOAD_ACCOUNT_BASE": str(base),
            "LOAD_THINK": think,
        }
        cmd = [
            str(BIN / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
            "-u", str(users), "-r", str(max(5, users // 10)), "-t", f"{seconds}s",
            "--host", self.url, "--csv", str(prefix), "--only-summary",
            "--stop-timeout", "10", "--loglevel", "WARNING", *classes,
        ]  # fmt: skip
        before = {k: _cpu_seconds(p.pid) for k, p in self.procs.items()}
        started = time.perf_counter()
        log = open(f"{prefix}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        import psutil

        client_cpu = 0.0
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                t = ps.cpu_times()
                client_cpu = t.user + t.system
            except psutil.Error:
                pass
            time.sleep(0.5)
        wall = time.perf_counter() - started
        rows, failures = _read_stats(prefix)
        cpu = {k: round(_cpu_seconds(p.pid) - before[k], 1) for k, p in self.procs.items()}
        cpu["load generator"] = round(client_cpu, 1)
        return {
            "users": users,
            "seconds": seconds,
            "wall_s": round(wall, 1),
            "rows": rows,
            "failures": failures,
            "cpu_s": cpu,
        }

    def claims_outcome(self) -> dict[str, int]:
        time.sleep(5)  # let the worker finish what is queued
        out = _psql(
            "SELECT status, count(*) FROM claims_claim WHERE patient_account_number LIKE 'LOAD-%' "
            "GROUP BY status ORDER BY status",
            self.pg_user,
            self.db,
        )
        return {line.split("|")[0]: int(line.split("|")[1]) for line in out.splitlines() if line}

    @staticmethod
    def _flush(url: str) -> None:
        import redis

        try:
            redis.Redis.from_url(url).flushdb()
        except redis.RedisError as exc:
            print(f"  (could not empty {url}: {exc})", file=sys.stderr)

    def close(self) -> None:
        for name, proc in reversed(list(self.procs.items())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            print(f"  stopped {name}", flush=True)
        if self.db_created and not self.args.keep_db:
            _psql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)", self.pg_user)
            print(f"  dropped database {self.db}", flush=True)
        for r in self.redis:
            self._flush(r)
        if self.args.keep_logs:
            print(f"  logs and CSVs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _report(info: dict[str, Any], levels: list[dict[str, Any]], ceiling: dict[str, Any]) -> str:
    m = info["machine"]
    lines = [
        f"# Whole-system load — {m['date']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB RAM, Python "
        f"{m['python']}, {info['postgres']}, Redis {info['redis']}; load average before the "
        f"run {info['load_before']}, after {info['load_after']} (other work shares the machine "
        f"when these are above ~0.5). gunicorn {info['workers']} sync workers, one Celery worker "
        f"(concurrency {info['celery_concurrency']}, Redis broker), production settings profile.",
        "",
        "Mixed workload: billing clerks (40 % of users), physicians (40 %), direct customers "
        "(20 %), each signing in with password + texted code, working 8–20 actions with 1–3 s "
        "of think time, signing out and signing in again as another account. Times in ms; "
        "throughput in operations per second over the phase. An operation is the request "
        "named; its form page and result page are listed separately under all requests.",
        "",
    ]
    head = "| operation |"
    rule = "|---|"
    for lv in levels:
        u = lv["users"]
        head += f" {u} users: ops/s | p50 | p95 | p99 | errors |"
        rule += "---:|---:|---:|---:|---:|"
    lines += [head, rule]
    for label, key in OPERATIONS:
        line = f"| {label} |"
        for lv in levels:
            r = lv["rows"].get(key)
            if r is None:
                line += " – | – | – | – | – |"
                continue
            rps = r["count"] / lv["seconds"]
            line += (
                f" {rps:.1f} | {_ms(r['p50'])} | {_ms(r['p95'])} | {_ms(r['p99'])} "
                f"| {r['failures']} |"
            )
        lines.append(line)
    line = "| **all requests** |"
    for lv in levels:
        reqs = [r for n, r in lv["rows"].items() if r["type"] not in ("FLOW", "") and n]
        total = sum(r["count"] for r in reqs)
        fails = sum(r["failures"] for r in reqs)
        agg = lv["rows"]["Aggregated"]
        line += (
            f" **{total / lv['seconds']:.1f} req/s** | {_ms(agg['p50'])} | {_ms(agg['p95'])} "
            f"| {_ms(agg['p99'])} | **{fails}** |"
        )
    lines.append(line)
    lines.append("")
    for lv in levels:
        cpu = ", ".join(f"{k} {v} s" for k, v in lv["cpu_s"].items())
        lines.append(f"CPU during the {lv['users']}-user phase ({lv['wall_s']} s): {cpu}.")
    bare, mixed = ceiling["bare"], ceiling["mixed"]
    bare_rps = bare["rows"]["Aggregated"]["count"] / bare["seconds"]
    mixed_reqs = sum(
        r["count"] for n, r in mixed["rows"].items() if r["type"] not in ("FLOW", "") and n
    )
    mixed_rps = mixed_reqs / mixed["seconds"]
    mixed_ops = sum(mixed["rows"].get(k, {"count": 0})["count"] for _, k in OPERATIONS)
    lines += [
        "",
        f"Ceiling ({ceiling['users']} users, no think time, same gunicorn, same run):",
        "",
        "| workload | req/s | p50 | p95 | p99 | errors | server CPU per request |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, ph, rps in (
        ("bare Django page (`/healthz`)", bare, bare_rps),
        ("mixed workload", mixed, mixed_rps),
    ):
        agg = ph["rows"]["Aggregated"]
        count = rps * ph["seconds"]
        cpu_ms = 1000 * ph["cpu_s"].get("gunicorn", 0) / count if count else 0
        fails = sum(r["failures"] for n, r in ph["rows"].items() if n != "Aggregated")
        lines.append(
            f"| {label} | {rps:.1f} | {_ms(agg['p50'])} | {_ms(agg['p95'])} | {_ms(agg['p99'])} "
            f"| {fails} | {cpu_ms:.1f} ms |"
        )
    lines += [
        "",
        f"The mixed workload's ceiling is **{mixed_rps / bare_rps:.1%}** of the bare page's "
        f"in requests/s ({mixed_ops / mixed['seconds']:.1f} operations/s).",
        "",
        f"Claims submitted during the run, by status at the end: {info['claims_outcome']}. "
        "No operation of this workload enqueues a Celery task (see docs/performance.md), so "
        "the worker's CPU above is its idle polling.",
    ]
    all_failures = [
        (f"{lv.get('label', lv['users'])}", f)
        for lv in [*levels, bare, mixed]
        for f in lv["failures"]
    ]
    lines += ["", "Errors: " + ("none." if not all_failures else "")]
    for phase, f in all_failures:
        lines.append(f"- {phase}: {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}")
    lines += ["", "All requests (last level):", ""]
    lines.append("| request | count | p50 | p95 | p99 | errors |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, r in sorted(levels[-1]["rows"].items()):
        if name != "Aggregated":
            lines.append(
                f"| {name} | {r['count']} | {_ms(r['p50'])} | {_ms(r['p95'])} | {_ms(r['p99'])} "
                f"| {r['failures']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="50,200", help="comma-separated levels")
    parser.add_argument("--seconds", type=int, default=60, help="per level")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--ceiling-users", type=int, default=50)
    parser.add_argument("--ceiling-seconds", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=1500, help="load accounts per persona")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--redis-db", type=int, nargs=2, default=[11, 12], metavar="N")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    if not shutil.which("locust", path=str(BIN)):
        print("Locust is missing: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    levels = [int(u) for u in args.users.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    system = System(args)
    info: dict[str, Any] = {
        "machine": machine(),
        "postgres": "PostgreSQL " + _psql("SHOW server_version", system.pg_user).split()[0],
        "redis": subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "INFO", "server"], capture_output=True, text=True
        )
        .stdout.split("redis_version:")[-1]
        .split()[0]
        if shutil.which("redis-cli")
        else "?",
        "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "workers": args.workers,
        "celery_concurrency": args.celery_concurrency,
        "python_impl": platform.python_implementation(),
    }
    # Account numbers per phase: no account signs in twice (one texted code per 30 s).
    per = args.accounts // (len(levels) + 2)
    results: list[dict[str, Any]] = []
    ceiling: dict[str, Any] = {"users": args.ceiling_users}
    try:
        print(f"Setting up ({system.db}, {system.tmp}) …", flush=True)
        info["setup_s"] = system.setup()
        system.start()
        print(f"gunicorn on {system.url}; warm-up {args.warmup} s …", flush=True)
        system.locust("warmup", 20, args.warmup, MIXED, "0.5,1.5", base=0)
        for i, users in enumerate(levels, start=1):
            print(f"mixed workload, {users} users, {args.seconds} s …", flush=True)
            phase = system.locust(f"u{users}", users, args.seconds, MIXED, "1,3", base=i * per)
            phase["label"] = f"{users} users"
            results.append(phase)
        print(f"ceiling: bare page, {args.ceiling_users} users, {args.ceiling_seconds} s …")
        ceiling["bare"] = system.locust(
            "bare", args.ceiling_users, args.ceiling_seconds, ["Bare"], "0,0", base=0
        )
        ceiling["bare"]["label"] = "ceiling, bare page"
        print(f"ceiling: mixed workload, {args.ceiling_users} users, no think time …")
        ceiling["mixed"] = system.locust(
            "mixed",
            args.ceiling_users,
            args.ceiling_seconds,
            MIXED,
            "0,0",
            base=(len(levels) + 1) * per,
        )
        ceiling["mixed"]["label"] = "ceiling, mixed"
        info["claims_outcome"] = system.claims_outcome()
        info["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    finally:
        print("Cleaning up …", flush=True)
        system.close()

    report = _report(info, results, ceiling)
    print()
    print(report)
    out = HERE / f"results-{dt.date.today().isoformat()}.md"
    out.write_text(report)
    path = save("load", {"info": info, "levels": results, "ceiling": ceiling})
    print(f"(written to {out.relative_to(ROOT)} and {path.relative_to(ROOT)})")
    errors = sum(
        r["failures"]
        for ph in [*results, ceiling["bare"], ceiling["mixed"]]
        for n, r in ph["rows"].items()
        if n != "Aggregated"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
