"""PIP demo data: PCP assignments with capitation, encounters with diagnoses, pharmacy claims.

``generate(scale="small"|"large", rng=random.Random(seed))`` runs after the lead's
``generate_small`` / ``generate_large`` (members, coverage and the demo practices exist) and is
idempotent: members that already have a PCP assignment are skipped, so a second run adds
nothing and a large run after a small one adds only the large members. Everything is
bulk-inserted in batches.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.codes.models import Icd10Code
from portico.members.models import Coverage, Member
from portico.organizations.models import Organization, OrganizationProvider, Provider
from portico.patientinfo.models import Encounter, EncounterDiagnosis, PcpAssignment, PharmacyClaim

BATCH = 5000
RATES = {"HM": Decimal("42.50"), "PR": Decimal("38.00"), "MC": Decimal("55.75")}

#: Common primary-care diagnoses (ICD-10-CM, FY2026 descriptions).
DIAGNOSES = [
    ("E119", "Type 2 diabetes mellitus without complications"),
    ("I10", "Essential (primary) hypertension"),
    ("E785", "Hyperlipidemia, unspecified"),
    ("M5450", "Low back pain, unspecified"),
    ("J069", "Acute upper respiratory infection, unspecified"),
    ("F419", "Anxiety disorder, unspecified"),
    ("Z0000", "Encounter for general adult medical examination without abnormal findings"),
    ("M25561", "Pain in right knee"),
    ("E039", "Hypothyroidism, unspecified"),
    ("J45909", "Unspecified asthma, uncomplicated"),
    ("M5126", "Other intervertebral disc displacement, lumbar region"),
    ("K219", "Gastro-esophageal reflux disease without esophagitis"),
]

#: Fictitious fills of common generics (NDCs are format-valid demo numbers).
DRUGS = [
    ("Metformin hydrochloride", "00093104801", "500 mg", "tablet", 60, 30),
    ("Lisinopril", "00093111101", "10 mg", "tablet", 30, 30),
    ("Atorvastatin calcium", "00093505698", "20 mg", "tablet", 30, 30),
    ("Levothyroxine sodium", "00378180001", "50 mcg", "tablet", 90, 90),
    ("Albuterol sulfate HFA", "00093317431", "90 mcg/actuation", "inhaler", 1, 25),
    ("Sertraline hydrochloride", "00093717401", "50 mg", "tablet", 30, 30),
    ("Omeprazole", "00093521101", "20 mg", "capsule", 30, 30),
    ("Amlodipine besylate", "00093716701", "5 mg", "tablet", 90, 90),
    ("Ibuprofen", "00904585060", "800 mg", "tablet", 30, 10),
    ("Amoxicillin", "00093310701", "500 mg", "capsule", 21, 7),
]
PHARMACIES = [
    "Lakeport Community Pharmacy",
    "Harbor Drug #114",
    "Fairhaven Apothecary",
    "MailRx Home Delivery (demo)",
]


def ensure_codes() -> None:
    """The demo's diagnosis codes, when the code sets were not loaded yet."""
    if Icd10Code.objects.filter(code__in=[c for c, _ in DIAGNOSES]).count() == len(DIAGNOSES):
        return
    year = max(
        Icd10Code.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True)[:1]
        or [2026]
    )
    for code, text in DIAGNOSES:
        Icd10Code.objects.get_or_create(
            code=code, defaults={"description": text, "billable": True, "fiscal_year": year}
        )


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _batches(rows: Iterator[Any], size: int = BATCH) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _practice_of(providers: list[int]) -> dict[int, int]:
    return dict(
        OrganizationProvider.objects.filter(
            provider_id__in=providers, status=OrganizationProvider.Status.ACTIVE
        ).values_list("provider_id", "organization_id")
    )


def generate(
    *,
    scale: str = "small",
    rng: random.Random | None = None,
    today: dt.date | None = None,
    member_prefix: str | None = None,
) -> dict[str, int]:
    """Add PIP records for every demo member that has none yet; returns counts added.

    ``member_prefix`` limits the run to member IDs starting with it (default: the small demo's
    members for small scale, the ``HL…`` bulk members for large).
    """
    rng = rng or random.Random(7)  # noqa: S311 (demo data)
    today = today or timezone.localdate()
    ensure_codes()
    prefix = member_prefix if member_prefix is not None else ("HL" if scale == "large" else "")
    dense = scale != "large"
    pcps = list(
        Provider.objects.filter(pcp_members__isnull=False).distinct().values_list("id", flat=True)
    )
    practice = _practice_of(pcps)
    specialists = list(
        Provider.objects.exclude(id__in=pcps)
        .filter(practice_links__status=OrganizationProvider.Status.ACTIVE)
        .values_list("id", "practice_links__organization_id")
    )
    prescribers = dict(Provider.objects.filter(id__in=pcps).values_list("id", "npi"))
    names = {p.id: p.display_name for p in Provider.objects.filter(id__in=pcps)}
    members = Member.objects.filter(member_id__startswith=prefix, pcp__isnull=False)
    if scale != "large" and member_prefix is None:
        members = members.exclude(member_id__startswith="HL")  # the large scale's members
    rows = (
        members.exclude(pcp_assignments__isnull=False)
        .values_list("id", "plan_id", "pcp_id", "region")
        .order_by("id")
    )
    counts = {"assignments": 0, "encounters": 0, "diagnoses": 0, "fills": 0}
    rx_seq = PharmacyClaim.objects.count()
    for chunk in _batches(rows.iterator(chunk_size=BATCH)):
        ids = [m[0] for m in chunk]
        spans = {
            mid: (start, end)
            for mid, start, end in Coverage.objects.filter(member_id__in=ids)
            .order_by("member_id", "-start_date")
            .values_list("member_id", "start_date", "end_date")
        }
        assignments, encounters, dx_rows, fills = [], [], [], []
        for member_id, plan_id, pcp_id, region in chunk:
            org_id = practice.get(pcp_id)
            start, end = spans.get(member_id, (today - dt.timedelta(days=700), None))
            product = rng.choice(list(RATES))
            if org_id:
                assignments.append(
                    PcpAssignment(
                        member_id=member_id,
                        plan_id=plan_id,
                        provider_id=pcp_id,
                        organization_id=org_id,
                        region=region,
                        start_month=_month(max(start, today - dt.timedelta(days=730))),
                        end_month=_month(end) if end and end < today else None,
                        monthly_capitation=RATES[product],
                    )
                )
            visit_count = rng.randint(1, 4) if dense else rng.randint(1, 2)
            for _ in range(visit_count):
                day = today - dt.timedelta(days=rng.randint(1, 720))
                provider_id, enc_org = pcp_id, org_id
                if specialists and rng.random() < 0.15:
                    provider_id, enc_org = rng.choice(specialists)
                encounter = Encounter(
                    member_id=member_id,
                    provider_id=provider_id,
                    organization_id=enc_org,
                    service_date=day,
                    place_of_service="11",
                )
                encounters.append(encounter)
                codes = rng.sample(DIAGNOSES, rng.randint(1, 3 if dense else 2))
                dx_rows.append((encounter, [(c, day) for c, _ in codes]))
            for _ in range(rng.randint(0, 6) if dense else rng.randint(0, 3)):
                drug, ndc, strength, form, qty, days = rng.choice(DRUGS)
                rx_seq += 1
                fills.append(
                    PharmacyClaim(
                        member_id=member_id,
                        claim_number=f"DRX{rx_seq:010d}",
                        fill_date=today - dt.timedelta(days=rng.randint(1, 540)),
                        drug_name=drug,
                        ndc=ndc,
                        strength=strength,
                        dosage_form=form,
                        quantity=Decimal(qty),
                        days_supply=days,
                        refill_number=rng.randint(0, 5),
                        prescriber_npi=prescribers.get(pcp_id, ""),
                        prescriber_name=names.get(pcp_id, ""),
                        pharmacy_name=rng.choice(PHARMACIES),
                        pharmacy_npi="",
                    )
                )
        with transaction.atomic():
            PcpAssignment.objects.bulk_create(assignments, batch_size=BATCH)
            Encounter.objects.bulk_create(encounters, batch_size=BATCH)
            diagnoses = [
                EncounterDiagnosis(
                    encounter=enc, member_id=enc.member_id, code=code, service_date=day, sequence=i
                )
                for enc, pairs in dx_rows
                for i, (code, day) in enumerate(pairs, start=1)
            ]
            EncounterDiagnosis.objects.bulk_create(diagnoses, batch_size=BATCH)
            PharmacyClaim.objects.bulk_create(fills, batch_size=BATCH)
        counts["assignments"] += len(assignments)
        counts["encounters"] += len(encounters)
        counts["diagnoses"] += len(diagnoses)
        counts["fills"] += len(fills)
    return counts


def demo_patient(*, organization: Organization, region: str = "R1") -> Member | None:
    """A member of ``organization``'s panel in ``region`` (for docs and browser tests)."""
    return (
        Member.objects.filter(
            pcp_assignments__organization=organization, region=region, pharmacy_claims__isnull=False
        )
        .order_by("member_id")
        .first()
    )
