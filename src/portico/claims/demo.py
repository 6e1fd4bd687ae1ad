"""Demo data of the Claims Online Portal: a fee schedule per plan and claims across statuses
for every practice that has a Claims grant. Idempotent.

    from portico.claims import demo as claims_demo
    claims_demo.generate(scale="small")            # a few hundred claims, fee schedules
    claims_demo.generate(scale="large")            # + 1,000,000 claims (bulk, batches)
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.claims.models import (
    AdjustmentGroup,
    Claim,
    ClaimDiagnosis,
    ClaimKind,
    ClaimLine,
    ClaimSource,
    ClaimStatus,
    ClaimStatusEvent,
    FeeSchedule,
    FeeScheduleRate,
    LineAdjustment,
    LineStatus,
)
from portico.claims.services.common import CLAIM_PREFIX, numbers_allocate
from portico.members.models import Coverage, HealthPlan
from portico.organizations.models import Application, ApplicationGrant, OrganizationProvider

PROFESSIONAL_RATES = {
    "99213": Decimal("92.00"),
    "99214": Decimal("131.00"),
    "99203": Decimal("110.00"),
    "97110": Decimal("31.00"),
    "72148": Decimal("245.00"),
    "20610": Decimal("68.00"),
    "36415": Decimal("3.00"),
    "80053": Decimal("11.00"),
    "J1100": Decimal("0.20"),
}
INSTITUTIONAL_RATES = {
    "0450": Decimal("410.00"),
    "0300": Decimal("45.00"),
    "0320": Decimal("120.00"),
    "0250": Decimal("18.00"),
    "0360": Decimal("1850.00"),
}
# Billable ICD-10-CM codes (M54.5 itself stopped being billable in FY2022: M54.50/M54.59).
DIAGNOSES = ["M5450", "E119", "I10", "Z0000", "M25561", "J069", "R0789", "M5459"]
SMALL_PER_PRACTICE = 150
LARGE_TOTAL = 1_000_000
STATUS_MIX = [
    (ClaimStatus.FINALIZED_PAID, 45),
    (ClaimStatus.FINALIZED_PARTIAL, 8),
    (ClaimStatus.FINALIZED_DENIED, 7),
    (ClaimStatus.ACCEPTED, 10),
    (ClaimStatus.IN_PROCESS, 10),
    (ClaimStatus.PENDED, 5),
    (ClaimStatus.RECEIVED, 8),
    (ClaimStatus.REJECTED, 3),
    (ClaimStatus.ADJUSTED, 2),
    (ClaimStatus.VOIDED, 2),
]


def fee_schedules() -> int:
    """One professional and one institutional fee schedule per plan (idempotent)."""
    made = 0
    for plan in HealthPlan.objects.all():
        for kind, rates in (
            (ClaimKind.PROFESSIONAL, PROFESSIONAL_RATES),
            (ClaimKind.INSTITUTIONAL, INSTITUTIONAL_RATES),
        ):
            schedule, created = FeeSchedule.objects.get_or_create(
                health_plan=plan,
                kind=kind,
                name=f"{plan.short_name or plan.name} {kind} 2024",
                defaults={
                    "effective_date": dt.date(2024, 1, 1),
                    "default_percent_of_charge": Decimal("60.00"),
                    "copay": Decimal("20.00") if kind == ClaimKind.PROFESSIONAL else Decimal(0),
                    "coinsurance_percent": Decimal("20.00"),
                },
            )
            if created:
                made += 1
                FeeScheduleRate.objects.bulk_create(
                    FeeScheduleRate(
                        schedule=schedule,
                        procedure_code=code if kind == ClaimKind.PROFESSIONAL else "",
                        revenue_code=code if kind == ClaimKind.INSTITUTIONAL else "",
                        allowed_amount=amount,
                    )
                    for code, amount in rates.items()
                )
    return made


def _practices() -> list[tuple[int, str, list[Any]]]:
    """(organization id, TIN, connected providers) for every practice with a Claims grant."""
    out: dict[tuple[int, str], list[Any]] = {}
    grants = ApplicationGrant.objects.filter(
        application=Application.CLAIMS, is_active=True, organization__isnull=False
    )
    for grant in grants:
        for tin in (grant.scope or {}).get("tins", []):
            org_id = int(grant.organization_id or 0)
            if (org_id, tin) not in out:
                links = OrganizationProvider.objects.filter(organization_id=org_id).select_related(
                    "provider"
                )
                out[(org_id, tin)] = [link.provider for link in links]
    return [(org, tin, provs) for (org, tin), provs in sorted(out.items())]


def _pick_status(rng: random.Random) -> str:
    total = sum(w for _, w in STATUS_MIX)
    roll = rng.uniform(0, total)
    for status, weight in STATUS_MIX:
        roll -= weight
        if roll <= 0:
            return status
    return ClaimStatus.RECEIVED


def _build(
    rng: random.Random,
    *,
    number: str,
    org_id: int,
    tin: str,
    providers: list[Any],
    coverage: Coverage,
    now: dt.datetime,
    full: bool,
) -> tuple[Claim, list[ClaimLine], list[ClaimDiagnosis], dict[str, Any]]:
    member = coverage.member
    status = _pick_status(rng)
    dos = timezone.localdate() - dt.timedelta(days=rng.randrange(3, 400))
    # A date of service inside the coverage (a claim outside it would be denied, not paid).
    if coverage.end_date and dos > coverage.end_date:
        dos = coverage.end_date - dt.timedelta(days=rng.randrange(0, 60))
    if dos < coverage.start_date:
        dos = coverage.start_date
    codes = rng.sample(list(PROFESSIONAL_RATES), rng.randrange(1, 4) if full else 1)
    rendering = rng.choice(providers) if providers else None
    lines: list[ClaimLine] = []
    total = Decimal(0)
    meta: dict[str, Any] = {"status": status, "adjust": []}
    for i, code in enumerate(codes, start=1):
        units = Decimal(rng.choice((1, 1, 1, 2)))
        charge = (PROFESSIONAL_RATES[code] * Decimal("1.6") * units).quantize(Decimal("0.01"))
        total += charge
        line = ClaimLine(
            line_number=i,
            procedure_code=code,
            diagnosis_pointers="1",
            units=units,
            charge=charge,
            service_date=dos,
            service_date_to=dos,
        )
        if status in (
            ClaimStatus.FINALIZED_PAID,
            ClaimStatus.FINALIZED_PARTIAL,
            ClaimStatus.ADJUSTED,
        ):
            allowed = PROFESSIONAL_RATES[code] * units
            coins = (allowed * Decimal("0.20")).quantize(Decimal("0.01"))
            paid = allowed - coins
            if status == ClaimStatus.FINALIZED_PARTIAL and i > 1:
                paid, coins, allowed = Decimal(0), Decimal(0), Decimal(0)
            line.status = LineStatus.PAID if paid else LineStatus.DENIED
            line.allowed, line.paid, line.patient_responsibility = allowed, paid, coins
            line.coinsurance, line.deductible, line.copay = coins, Decimal(0), Decimal(0)
            meta["adjust"].append((i, AdjustmentGroup.CO, "45" if paid else "97", charge - allowed))
            if coins:
                meta["adjust"].append((i, AdjustmentGroup.PR, "2", coins))
        elif status == ClaimStatus.FINALIZED_DENIED:
            line.status, line.allowed, line.paid = LineStatus.DENIED, Decimal(0), Decimal(0)
            line.patient_responsibility = Decimal(0)
            meta["adjust"].append((i, AdjustmentGroup.CO, "50", charge))
        lines.append(line)
    submitted = timezone.make_aware(dt.datetime.combine(dos, dt.time(9))) + dt.timedelta(
        days=rng.randrange(1, 20), minutes=rng.randrange(0, 600)
    )
    submitted = min(submitted, now)
    claim = Claim(
        number=number,
        organization_id=org_id,
        billing_tin=tin,
        kind=ClaimKind.PROFESSIONAL,
        status=status,
        status_changed_at=submitted,
        billing_npi=rendering.npi if rendering else "1234567893",
        billing_name=rendering.display_name if rendering else "Demo Practice",
        rendering_npi=rendering.npi if rendering else "",
        rendering_name=rendering.display_name if rendering else "",
        health_plan_id=coverage.plan_id,
        payer_id=coverage.plan.payer_id,
        member=member,
        coverage=coverage,
        member_number=member.member_id,
        patient_first_name=member.first_name,
        patient_last_name=member.last_name,
        patient_dob=member.date_of_birth,
        patient_sex=member.sex,
        patient_account_number=f"PA{number[5:]}",
        place_of_service="11",
        service_date_from=dos,
        service_date_to=dos,
        total_charge=total,
        source=rng.choice((ClaimSource.WEB, ClaimSource.X12, ClaimSource.X12)),
        submitted_at=submitted,
    )
    if any(ln.allowed is not None for ln in lines):
        claim.allowed_total = sum((ln.allowed or Decimal(0) for ln in lines), Decimal(0))
        claim.paid_total = sum((ln.paid or Decimal(0) for ln in lines), Decimal(0))
        claim.patient_responsibility_total = sum(
            (ln.patient_responsibility or Decimal(0) for ln in lines), Decimal(0)
        )
        claim.adjudicated_at = min(submitted + dt.timedelta(days=7), now)
    if status == ClaimStatus.PENDED:
        claim.pend_reason = "Medical records requested (PWK)."
    if status == ClaimStatus.FINALIZED_DENIED:
        claim.deny_reason = "Not medically necessary (CARC 50)."
    if status == ClaimStatus.REJECTED:
        claim.reject_reason = "Member not eligible on the date of service."
    dx = [ClaimDiagnosis(sequence=1, code=rng.choice(DIAGNOSES), qualifier="principal")]
    return claim, lines, dx, meta


def _write(
    batch: list[tuple[Claim, list[ClaimLine], list[ClaimDiagnosis], dict[str, Any]]],
    *,
    events: bool,
) -> None:
    now = timezone.now()
    Claim.objects.bulk_create([b[0] for b in batch], batch_size=2000)
    lines, dxs, evs, adjust_src = [], [], [], []
    for claim, ls, ds, meta in batch:
        for ln in ls:
            ln.claim = claim
            lines.append(ln)
        for d in ds:
            d.claim = claim
            dxs.append(d)
        if events:
            evs.append(
                ClaimStatusEvent(
                    claim=claim,
                    from_status=ClaimStatus.DRAFT,
                    to_status=ClaimStatus.RECEIVED,
                    at=claim.submitted_at or now,
                    category_code="A1",
                    status_code="19",
                )
            )
            if meta["status"] != ClaimStatus.RECEIVED:
                evs.append(
                    ClaimStatusEvent(
                        claim=claim,
                        from_status=ClaimStatus.RECEIVED,
                        to_status=meta["status"],
                        at=claim.status_changed_at,
                        note="Demo data",
                    )
                )
        adjust_src.append((ls, meta["adjust"]))
    ClaimLine.objects.bulk_create(lines, batch_size=4000)
    ClaimDiagnosis.objects.bulk_create(dxs, batch_size=4000)
    if evs:
        ClaimStatusEvent.objects.bulk_create(evs, batch_size=4000)
    adjustments = [
        LineAdjustment(line=ls[i - 1], group_code=g, reason_code=code, amount=amount)
        for ls, adj in adjust_src
        for i, g, code, amount in adj
        if amount
    ]
    LineAdjustment.objects.bulk_create(adjustments, batch_size=4000)


def generate(*, scale: str = "small", seed: int = 42, total: int | None = None) -> int:
    """Fee schedules plus claims; returns the number of claims created (0 when present)."""
    fee_schedules()
    practices = _practices()
    coverages = list(
        Coverage.objects.select_related("member", "plan").order_by("id")[
            : 5000 if scale == "large" else 400
        ]
    )
    if not practices or not coverages:
        return 0
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data
    now = timezone.now()
    existing = Claim.objects.filter(
        source__in=[ClaimSource.WEB, ClaimSource.X12], submitted_by__isnull=True
    ).count()
    wanted = SMALL_PER_PRACTICE * len(practices)
    if scale == "large":
        wanted = total or LARGE_TOTAL
    if existing >= wanted:
        return 0
    made = 0
    batch_size = 5000
    left = wanted - existing
    while left > 0:
        n = min(batch_size, left)
        numbers = numbers_allocate(prefix=CLAIM_PREFIX, count=n)
        batch = []
        for number in numbers:
            org_id, tin, providers = practices[made % len(practices)]
            batch.append(
                _build(
                    rng,
                    number=number,
                    org_id=org_id,
                    tin=tin,
                    providers=providers,
                    coverage=rng.choice(coverages),
                    now=now,
                    full=scale != "large",
                )
            )
            made += 1
        with transaction.atomic():
            _write(batch, events=scale != "large")
        left -= n
    return made


def sample_837(*, username: str = "billing.clerk", claims: int = 5) -> str:
    """A small 837P for ``username``'s practice, to try the file upload with: ``claims`` clean
    claims for covered members of the demo plans (one line each, a recent date of service) and
    one more for a member ID the plan does not know, which the 277CA rejects. "" when the
    user has no Claims grant with a Tax ID, or the plans have no covered members."""
    from portico.x12.models837 import (
        Address,
        Diagnosis,
        Party,
        Payer,
        Provider,
        ServiceLine,
        Subscriber,
    )
    from portico.x12.models837 import Claim as X12Claim
    from portico.x12.writer import Envelope
    from portico.x12.writer837 import build_837

    grant = (
        ApplicationGrant.objects.filter(
            user__username=username, application=Application.CLAIMS, is_active=True
        )
        .exclude(organization__isnull=True)
        .order_by("id")
        .first()
    )
    tins = (grant.scope or {}).get("tins", []) if grant is not None else []
    if grant is None or grant.organization_id is None or not tins:
        return ""
    link = (
        OrganizationProvider.objects.filter(organization_id=grant.organization_id)
        .select_related("provider", "organization")
        .order_by("id")
        .first()
    )
    today = timezone.localdate()
    dos = today - dt.timedelta(days=7)
    covered = [
        c
        for c in Coverage.objects.select_related("member", "plan").order_by("id")[:200]
        if c.covers(dos)
    ][:claims]
    if not covered:
        return ""
    org_name = grant.organization.name if grant.organization else "DEMO PRACTICE"
    billing = Provider(
        last_or_org_name=org_name.upper()[:60],
        entity_type="2",
        npi=link.provider.npi if link is not None else "1234567893",
        tax_id=tins[0],
        address=Address("100 MAIN ST", "SPRINGFIELD", "IL", "627010000"),
    )
    out: list[X12Claim] = []
    for i, coverage in enumerate([*covered, None], start=1):
        member = coverage.member if coverage is not None else None
        plan = coverage.plan if coverage is not None else covered[0].plan
        code = list(PROFESSIONAL_RATES)[i % 3]
        charge = (PROFESSIONAL_RATES[code] * Decimal("1.6")).quantize(Decimal("0.01"))
        out.append(
            X12Claim(
                patient_account_number=f"SAMPLE{today:%m%d}{i:03d}",
                total_charge=charge,
                facility_code="11",
                frequency_code="1",
                diagnoses=[Diagnosis("ABK", DIAGNOSES[i % 4])],
                lines=[
                    ServiceLine(
                        number=1,
                        charge=charge,
                        units=Decimal(1),
                        procedure_code=code,
                        diagnosis_pointers=(1,),
                        service_date=dos,
                    )
                ],
                billing_provider=billing,
                subscriber=Subscriber(
                    member_id=member.member_id if member else "NOSUCHMEMBER1",
                    last_name=(member.last_name if member else "UNKNOWN").upper(),
                    first_name=(member.first_name if member else "PAT").upper(),
                    birth_date=member.date_of_birth if member else dt.date(1980, 1, 1),
                    payer=Payer(plan.name.upper()[:60], plan.payer_id),
                ),
            )
        )
    envelope = Envelope(
        sender_id="DEMOSUBMITTER",
        receiver_id="PORTICO",
        interchange_control_number=int(f"{today:%y%m%d}"),
        group_control_number=int(f"{today:%y%m%d}"),
        created=timezone.localtime(),
    )
    return build_837(
        out,
        envelope,
        submitter=Party(org_name.upper()[:60], "DEMOSUB", contact_name="Billing office",
                        contact_phone="5555550100"),
        receiver=Party("PORTICO", "PORTICO"),
    )  # fmt: skip
