"""A small referral world: a plan, an eligible member, a practice PCP and an in-network
specialist, and the ICD-10-CM codes referrals use (no full code load)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from portico.codes.models import Icd10Code
from portico.members.models import HealthPlan, Member, PlanProvider
from portico.organizations.models import Organization, OrganizationProvider, Provider
from portico.referrals.services import ReferralRequest, referral_submit
from tests.factories.members import CoverageFactory, HealthPlanFactory, MemberFactory
from tests.factories.organizations import ProviderFactory

CODES = [
    ("M5450", "Low back pain, unspecified", True),
    ("M5126", "Other intervertebral disc displacement, lumbar region", True),
    ("E119", "Type 2 diabetes mellitus without complications", True),
    ("I10", "Essential (primary) hypertension", True),
    ("M54", "Dorsalgia", False),
]


def icd10_codes() -> None:
    for code, text, billable in CODES:
        Icd10Code.objects.get_or_create(
            code=code, defaults={"description": text, "billable": billable, "fiscal_year": 2026}
        )


@dataclass
class ReferralWorld:
    plan: HealthPlan
    member: Member
    pcp: Provider
    specialist: Provider
    out_of_network: Provider
    practice: Organization


def referral_world(practice: Organization, *, plan_payer: str = "RFP01") -> ReferralWorld:
    icd10_codes()
    plan = HealthPlanFactory(payer_id=plan_payer, name=f"Referral Test Plan {plan_payer}")
    member = MemberFactory(plan=plan, region="R1")
    CoverageFactory(member=member, start_date=dt.date(2020, 1, 1))
    pcp = ProviderFactory(specialty="Family Medicine")
    OrganizationProvider.objects.create(organization=practice, provider=pcp)
    specialist = ProviderFactory(specialty="Orthopaedic Surgery", taxonomy_code="207X00000X")
    PlanProvider.objects.create(
        plan=plan, provider=specialist, plan_provider_id=f"S{specialist.npi}", network="in"
    )
    other = ProviderFactory(specialty="Pain Medicine")
    PlanProvider.objects.create(
        plan=plan, provider=other, plan_provider_id=f"O{other.npi}", network="out"
    )
    return ReferralWorld(plan, member, pcp, specialist, other, practice)


def make_request(rw: ReferralWorld, **overrides: Any) -> ReferralRequest:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "member_id": rw.member.member_id,
        "date_of_birth": rw.member.date_of_birth,
        "referring_npi": rw.pcp.npi,
        "referred_to_npi": rw.specialist.npi,
        "reason": "Persistent low back pain after 6 weeks of therapy",
        "diagnoses": ["M54.50"],
        "visits_requested": 3,
        "start_date": today,
        "end_date": today + dt.timedelta(days=90),
    }
    values.update(overrides)
    return ReferralRequest(**values)


def submit(rw: ReferralWorld, actor: Any = None, **overrides: Any):
    return referral_submit(
        organization=rw.practice, request=make_request(rw, **overrides), actor=actor
    )
