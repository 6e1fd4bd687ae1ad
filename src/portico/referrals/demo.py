"""Referrals demo data: referrals in every status (small), plus bulk history (large).

``generate(scale=..., rng=..., office_user=..., reviewer=...)`` runs after the lead's member and
practice generators and after ``patientinfo.demo.ensure_codes`` (or ``portico load-codes``).
Small scale goes through the services (so history, audit and plan rules are real) for the
first practice whose providers are PCPs of demo members; large scale bulk-inserts past
referrals (numbers ``RF24…``) in batches. Idempotent: it returns at once when the practice
already has referrals (small) or the bulk numbers exist (large).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from portico.members.models import Member, PlanProvider
from portico.organizations.models import Organization, OrganizationProvider, Provider
from portico.referrals import services
from portico.referrals.models import (
    Actor,
    Referral,
    ReferralEvent,
    ReferralNumberSequence,
    ReferralStatus,
    Source,
    Urgency,
)

S = ReferralStatus
BATCH = 5000
REASONS = [
    ("Chronic low back pain not improving with therapy", ["M5450"]),
    ("Lumbar disc displacement with radiculopathy, surgical opinion", ["M5126", "M5450"]),
    ("Right knee pain, evaluate for arthroscopy", ["M25561"]),
    ("Poorly controlled type 2 diabetes, endocrinology consult", ["E119"]),
]


def _pcp_and_specialists() -> tuple[Organization, list[Provider], list[Provider]] | None:
    link = (
        OrganizationProvider.objects.filter(
            provider__pcp_members__isnull=False, status=OrganizationProvider.Status.ACTIVE
        )
        .select_related("organization")
        .first()
    )
    if link is None:
        return None
    org = link.organization
    pcps = list(
        Provider.objects.filter(
            practice_links__organization=org, pcp_members__isnull=False
        ).distinct()
    )
    specialists = list(
        Provider.objects.filter(plan_ids__network=PlanProvider.Network.IN)
        .exclude(practice_links__organization=org)
        .distinct()
    )
    return org, pcps, specialists


def _request(
    member: Member, pcp: Provider, to: Provider, rng: random.Random, today: dt.date, **kw: Any
) -> services.ReferralRequest:
    reason, codes = rng.choice(REASONS)
    values: dict[str, Any] = {
        "member_id": member.member_id,
        "date_of_birth": member.date_of_birth,
        "referring_npi": pcp.npi,
        "referred_to_npi": to.npi,
        "reason": reason,
        "diagnoses": codes,
        "visits_requested": rng.randint(2, 6),
        "start_date": today,
        "end_date": today + dt.timedelta(days=90),
    }
    values.update(kw)
    return services.ReferralRequest(**values)


def generate(
    *,
    scale: str = "small",
    rng: random.Random | None = None,
    office_user: Any = None,
    reviewer: Any = None,
    today: dt.date | None = None,
    bulk: int = 20_000,
) -> int:
    """Returns how many referrals were added."""
    rng = rng or random.Random(11)  # noqa: S311 (demo data)
    today = today or timezone.localdate()
    found = _pcp_and_specialists()
    if found is None:
        return 0
    org, pcps, specialists = found
    if not pcps or not specialists:
        return 0
    if scale == "large":
        return _generate_bulk(org, pcps, specialists, rng, today, bulk)
    if Referral.objects.filter(organization=org).exists():
        return 0
    eligible = Member.objects.filter(
        pcp__in=pcps, coverages__end_date__isnull=True, coverages__start_date__lte=today
    ).select_related("plan")
    # The demo PIP users see regions R1 and R2: their referral history shows in the summary.
    members = list(eligible.filter(region__in=["R1", "R2"]).order_by("member_id")[:40])
    if len(members) < 10:
        members = list(eligible.order_by("member_id")[:40])
    made = 0
    with transaction.atomic():

        def submit(i: int, **kw: Any) -> Referral:
            nonlocal made
            member = members[i % len(members)]
            referral = services.referral_submit(
                organization=org,
                request=_request(
                    member, pcps[i % len(pcps)], specialists[i % len(specialists)], rng, today, **kw
                ),
                actor=office_user,
            )
            made += 1
            return referral

        submit(0)  # Approved automatically
        submit(1, visits_requested=3, urgency=Urgency.URGENT)  # Approved
        submit(2, visits_requested=10)  # Pending review
        submit(3, visits_requested=12, urgency=Urgency.EMERGENT)  # Pending review (emergent)
        approved = submit(4, visits_requested=8)
        services.referral_decide(
            referral=approved,
            reviewer=reviewer,
            approve=True,
            visits_approved=6,
            note="Approved for 6 visits; request more after re-evaluation.",
        )
        denied = submit(5, visits_requested=15)
        services.referral_decide(
            referral=denied,
            reviewer=reviewer,
            approve=False,
            note="Conservative treatment first: 6 weeks of physical therapy.",
        )
        cancelled = submit(6)
        services.referral_cancel(
            referral=cancelled, actor=office_user, note="Patient chose another specialist."
        )
        used = submit(7, visits_requested=2)
        for n in range(2):
            services.referral_record_use(
                referral_number=used.number,
                claim_reference=f"DEMO-CLM-{used.number}-{n + 1}",
                service_date=today,
            )
        expiring = submit(8, visits_requested=2)
        Referral.objects.filter(pk=expiring.pk).update(
            start_date=today - dt.timedelta(days=120), end_date=today - dt.timedelta(days=30)
        )
        services.referrals_expire(today=today)
        # One received but not yet triaged (e.g. from a 278 batch still being processed).
        member = members[9 % len(members)]
        submitted = Referral.objects.create(
            number=services._next_number(today),
            organization=org,
            member=member,
            plan=member.plan,
            referring_provider=pcps[0],
            referred_to_npi=specialists[0].npi,
            referred_to_provider=specialists[0],
            referred_to_name=specialists[0].display_name,
            reason="Shoulder pain, orthopaedic evaluation",
            diagnosis_codes=["M5450"],
            visits_requested=2,
            start_date=today,
            end_date=today + dt.timedelta(days=60),
            status=S.SUBMITTED,
            status_changed_at=timezone.now(),
            source=Source.X12,
        )
        ReferralEvent.objects.create(
            referral=submitted, at=timezone.now(), actor_kind=Actor.PROVIDER, to_status=S.SUBMITTED
        )
        made += 1
    return made


def _generate_bulk(
    org: Organization,
    pcps: list[Provider],
    specialists: list[Provider],
    rng: random.Random,
    today: dt.date,
    count: int,
) -> int:
    year = 2024
    if Referral.objects.filter(number__startswith=f"RF{year % 100:02d}").exists():
        return 0
    members = list(
        Member.objects.filter(member_id__startswith="HL", pcp__in=pcps)
        .values_list("id", "plan_id")
        .order_by("id")[: count * 2]
    )
    if not members:
        return 0
    statuses = [S.APPROVED, S.EXPIRED, S.EXPIRED, S.USED, S.DENIED, S.CANCELLED, S.PENDING_REVIEW]
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for start in range(0, count, BATCH):
            rows = []
            for n in range(start, min(count, start + BATCH)):
                member_id, plan_id = rng.choice(members)
                to = rng.choice(specialists)
                status = rng.choice(statuses)
                begin = today - dt.timedelta(days=rng.randint(30, 700))
                visits = rng.randint(1, 8)
                approved = visits if status in (S.APPROVED, S.EXPIRED, S.USED) else 0
                reason, codes = rng.choice(REASONS)
                rows.append(
                    Referral(
                        number=f"RF{year % 100:02d}{n + 1:07d}",
                        organization=org,
                        member_id=member_id,
                        plan_id=plan_id,
                        referring_provider=rng.choice(pcps),
                        referred_to_npi=to.npi,
                        referred_to_provider=to,
                        referred_to_name=to.display_name,
                        reason=reason,
                        diagnosis_codes=codes,
                        visits_requested=visits,
                        visits_approved=approved,
                        visits_used=approved if status == S.USED else 0,
                        start_date=begin,
                        end_date=begin + dt.timedelta(days=90),
                        status=status,
                        status_changed_at=now,
                        auto_approved=status == S.APPROVED,
                        source=Source.DEMO,
                    )
                )
            Referral.objects.bulk_create(rows, batch_size=BATCH)
            ReferralEvent.objects.bulk_create(
                [
                    ReferralEvent(
                        referral=r,
                        at=now,
                        actor_kind=Actor.SYSTEM,
                        to_status=r.status,
                        note="Imported history (demo).",
                    )
                    for r in rows
                ],
                batch_size=BATCH,
            )
            made += len(rows)
        ReferralNumberSequence.objects.update_or_create(year=year, defaults={"last": count})
    return made
