"""Benchmark: 837 ingestion into the database and claim search latency.

Measures in one run:

1. 837P ingestion through the real intake service (``claims.services.intake.ingest``: stream,
   front-end edits, member/coverage matching, claim/line/diagnosis rows, 277CA entries, then
   the 277CA file written from its spool) of an N-claim file (default 100,000): claims/s and
   peak RSS growth (not tracemalloc, which
   slows Django several-fold), against pyx12 validating a smaller file of the same shape
   (scaled to claims/s);
2. claim search p95 latency over M claims (default 1,000,000, made by the demo generator)
   for the searches the portal runs: newest first, by status, by member ID, by patient
   account number, by date-of-service range, by billed amount, and page 50 by keyset cursor.

SQLite (a throwaway file) by default; PostgreSQL when DATABASE_URL names one. Usage:

    .venv/bin/python bench/claims/run.py [--claims 100000] [--pyx12-claims 2000]
                                         [--search-claims 1000000] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))


def progress(message: str) -> None:
    """A line on stderr per phase: the whole run takes tens of minutes at 1,000,000 claims."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _setup(tmp: str) -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.test")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django
    from django.conf import settings

    django.setup()
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["NAME"] = f"{tmp}/bench.sqlite3"
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return str(db["ENGINE"].rsplit(".", 1)[-1])


def _world(n_members: int = 2000):
    import datetime as dt

    from tests.factories.identity import UserFactory

    from portico.identity.models import User
    from portico.members.models import Coverage, HealthPlan, Member
    from portico.organizations.models import Application, Membership, Organization, OrganizationTIN
    from portico.organizations.services import grant_set

    org = Organization.objects.filter(name="Bench Practice").first()
    if org is not None:  # a database a previous run built (DATABASE_URL): reuse it
        return (
            org,
            User.objects.get(username="bench-clerk"),
            HealthPlan.objects.get(payer_id="BENCH1"),
        )
    org = Organization.objects.create(name="Bench Practice")
    OrganizationTIN.objects.create(organization=org, tin="123456789")
    user = UserFactory(username="bench-clerk")
    Membership.objects.create(user=user, organization=org)
    grant_set(
        user=user,
        application=Application.CLAIMS,
        organization=org,
        scope={"tins": ["123456789"], "submit_claims": True},
    )
    plan = HealthPlan.objects.create(name="Bench Plan", payer_id="BENCH1")
    members = Member.objects.bulk_create(
        Member(
            plan=plan,
            member_id=f"BM{i:08d}",
            first_name="Pat",
            last_name=f"Doe{i % 97}",
            date_of_birth=dt.date(1970, 1, 1) + dt.timedelta(days=i % 9000),
        )
        for i in range(n_members)
    )
    Coverage.objects.bulk_create(
        Coverage(member=m, plan=plan, start_date=dt.date(2020, 1, 1)) for m in members
    )
    return org, user, plan


def write_837(path: Path, claims: int) -> int:
    """Synthetic claims re-pointed at the bench practice, plan and members."""
    import datetime as dt

    from portico.x12.models837 import Party, Payer, Subscriber
    from portico.x12.synth import synthetic_claims
    from portico.x12.writer import Envelope
    from portico.x12.writer837 import write_837 as w837

    subs = [
        Subscriber(
            member_id=f"BM{i:08d}",
            last_name=f"DOE{i % 97}",
            first_name="PAT",
            payer=Payer("BENCH PLAN", "BENCH1"),
            birth_date=dt.date(1970, 1, 1),
        )
        for i in range(2000)
    ]

    def claims_iter():
        for i, c in enumerate(synthetic_claims(claims, seed=5, as_of=dt.date.today())):
            c.subscriber = subs[i % len(subs)]
            c.patient = None
            if c.billing_provider is not None:
                c.billing_provider.tax_id = "123456789"
            for ln in c.lines:  # codes the bench DB knows nothing about: format checks only
                ln.description = ""
            yield c

    env = Envelope(
        sender_id="BENCHSUB",
        receiver_id="PORTICO",
        interchange_control_number=1,
        group_control_number=1,
        created=dt.datetime.now(),
    )
    with path.open("w", encoding="utf-8") as out:
        w837(
            claims_iter(),
            out,
            env,
            submitter=Party(
                "BENCH SUBMITTER", "BENCHSUB", contact_name="Pat", contact_phone="5555550100"
            ),
            receiver=Party("BENCH PLAN", "PORTICO"),
        )
    return path.stat().st_size


def ingest(path: Path, org, user) -> dict[str, float]:
    from django.db import transaction

    from portico.claims.models import ClaimSubmissionFile
    from portico.claims.selectors import claims_access
    from portico.claims.services.intake import _Context, save_277ca
    from portico.claims.services.intake import ingest as run_ingest

    item = ClaimSubmissionFile.objects.create(
        organization=org,
        uploaded_by=user,
        file_key="x",
        filename=path.name,
        sha256=secrets.token_hex(32),
    )
    ctx = _Context(item=item, submit_tins=claims_access(user=user).submit[org.pk])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with transaction.atomic(), path.open("rb") as stream:
        validation, result = run_ingest(stream, ctx=ctx)
    with result.acks:
        ack_key = save_277ca(
            result.acks,
            item=item,
            validation=validation,
            receiver=result.receiver,
            payer=result.payer,
        )
    elapsed = time.perf_counter() - start
    assert ack_key, "no 277CA was written"
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    assert validation.accepted, "bench file should be valid"
    assert result.accepted + result.rejected == result.claims > 0, "claims were not stored"
    assert not result.duplicates, "a previous run's claims: not an ingestion"
    return {
        "claims": result.claims,
        "accepted": result.accepted,
        "rejected": result.rejected,
        "seconds": round(elapsed, 2),
        "claims_per_s": round(result.claims / elapsed, 1),
        "peak_rss_growth_mib": round(peak / 2**20, 1),
    }


def search_bench(user, n_claims: int, queries: int) -> dict[str, float]:
    import datetime as dt
    from decimal import Decimal

    from portico.claims import demo, selectors
    from portico.claims.models import Claim

    have = Claim.objects.count()
    start = time.perf_counter()
    if have < n_claims:
        progress(f"search: generating {n_claims - have:,} demo claims (bulk inserts)")
        demo.generate(
            scale="large",
            total=n_claims
            - have
            + Claim.objects.filter(submitted_by__isnull=True, source__in=["web", "x12"]).count(),
        )
    build_s = time.perf_counter() - start
    from django.db import connection

    with connection.cursor() as cur:  # planner statistics, as PRAGMA optimize / autovacuum keep
        cur.execute("ANALYZE")
    rng = random.Random(3)
    members = list(Claim.objects.values_list("member_number", flat=True)[:2000])
    pans = list(Claim.objects.values_list("patient_account_number", flat=True)[:2000])
    S = selectors.ClaimSearch
    today = dt.date.today()
    kinds = {
        "newest": lambda: S(),
        "status": lambda: S(status=rng.choice(["finalized_paid", "pended", "received"])),
        "member_id": lambda: S(member_id=rng.choice(members)),
        "account": lambda: S(patient_account_number=rng.choice(pans)),
        "dos_range": lambda: S(
            dos_from=today - dt.timedelta(days=rng.randrange(30, 300)),
            dos_to=today - dt.timedelta(days=rng.randrange(0, 29)),
        ),
        "billed": lambda: S(billed_min=Decimal(rng.randrange(50, 400)), sort="-charge"),
    }
    out: dict[str, float] = {"claims": Claim.objects.count(), "build_s": round(build_s, 1)}
    progress(f"search: {out['claims']:,} claims built in {build_s:.0f} s; timing searches")
    all_times: list[float] = []
    for name, make in kinds.items():
        times = []
        for _ in range(queries // len(kinds) or 1):
            t = time.perf_counter()
            selectors.claims_search(user=user, search=make(), limit=25)
            times.append((time.perf_counter() - t) * 1000)
        out[f"p95_ms_{name}"] = round(statistics.quantiles(times, n=20)[18], 2)
        all_times += times
    cursor = ""
    t = time.perf_counter()
    for _ in range(50):
        cursor = selectors.claims_search(user=user, search=S(), cursor=cursor, limit=25).next_cursor
    out["page50_ms_per_page"] = round((time.perf_counter() - t) * 1000 / 50, 2)
    out["p95_ms_all"] = round(statistics.quantiles(all_times, n=20)[18], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--pyx12-claims", type=int, default=2_000)
    parser.add_argument("--search-claims", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=240)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = _setup(tmp)
        from bench.common import save
        from bench.x12.run import pyx12_validate

        progress(f"database: {engine}")
        org, user, _plan = _world()
        path = Path(tmp) / "bench.837"
        size = write_837(path, args.claims)
        progress(f"ingestion: {args.claims:,}-claim 837P written ({size / 2**20:.0f} MiB)")
        ing = ingest(path, org, user)
        progress(f"ingestion: {ing['claims_per_s']:,.0f} claims/s; pyx12 on {args.pyx12_claims:,}")
        small = Path(tmp) / "small.837"
        write_837(small, args.pyx12_claims)
        pyx_s = pyx12_validate(small)
        pyx_rate = args.pyx12_claims / pyx_s
        # Search over the bench practice's claims (the ingested ones plus demo claims).
        from portico.organizations.models import ApplicationGrant

        ApplicationGrant.objects.filter(user=user).update(
            scope={"tins": ["123456789"], "submit_claims": True}
        )
        search = search_bench(user, args.search_claims, args.queries)
        result = {
            "engine": engine,
            "file_mib": round(size / 2**20, 1),
            "ingestion": ing,
            "pyx12_claims_per_s": round(pyx_rate, 1),
            "ingestion_vs_pyx12": round(ing["claims_per_s"] / pyx_rate, 1),
            "search": search,
        }
        path_out = save(f"claims-{engine}", result)
        print(result)
        print(f"results: {path_out}")


if __name__ == "__main__":
    main()
