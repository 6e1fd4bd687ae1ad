"""PIP test data: members attributed to, treated by, or outside a practice, with encounters,
diagnoses, prescription fills and capitation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import factory

from portico.members.models import Member
from portico.organizations.models import Organization, OrganizationProvider, Provider
from portico.patientinfo.models import Encounter, EncounterDiagnosis, PcpAssignment, PharmacyClaim
from tests.factories.members import CoverageFactory, HealthPlanFactory, MemberFactory
from tests.factories.organizations import ProviderFactory
from tests.factories.referrals import icd10_codes


class PharmacyClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PharmacyClaim

    claim_number = factory.Sequence(lambda n: f"RX{n:08d}")
    fill_date = dt.date(2026, 1, 15)
    drug_name = "Atorvastatin calcium"
    ndc = "00093505698"
    strength = "20 mg"
    dosage_form = "tablet"
    quantity = Decimal("30")
    days_supply = 30
    prescriber_npi = "1234567893"
    prescriber_name = "Robin Hartwell, MD"
    pharmacy_name = "Lakeport Community Pharmacy"


def assign(
    member: Member,
    provider: Provider,
    organization: Organization,
    *,
    start: dt.date = dt.date(2025, 1, 1),
    end: dt.date | None = None,
    rate: str = "42.50",
) -> PcpAssignment:
    return PcpAssignment.objects.create(
        member=member,
        plan=member.plan,
        provider=provider,
        organization=organization,
        region=member.region,
        start_month=start,
        end_month=end,
        monthly_capitation=Decimal(rate),
    )


def encounter(
    member: Member,
    provider: Provider,
    day: dt.date,
    codes: list[str],
    org: Organization | None = None,
) -> Encounter:
    row = Encounter.objects.create(
        member=member, provider=provider, organization=org, service_date=day
    )
    for seq, code in enumerate(codes, start=1):
        EncounterDiagnosis.objects.create(
            encounter=row, member=member, code=code, service_date=day, sequence=seq
        )
    return row


@dataclass
class PipWorld:
    pcp_a: Provider
    pcp_b: Provider
    attributed: Member  # R1, PCP of practice A: visible to practice A's PIP users
    other_region: Member  # R2, PCP of practice A: outside the R1 grant
    treated: Member  # R1, no PCP in A, but an encounter with A's provider
    practice_b_member: Member  # R1, PCP of practice B only
    stranger: Member  # R1, no link to any practice


def pip_world(practice_a: Organization, practice_b: Organization) -> PipWorld:
    icd10_codes()
    plan = HealthPlanFactory(payer_id="PIP01", name="PIP Test Plan")
    pcp_a = ProviderFactory(first_name="Robin", last_name="Hartwell")
    pcp_b = ProviderFactory(first_name="Lee", last_name="Summit")
    OrganizationProvider.objects.create(organization=practice_a, provider=pcp_a)
    OrganizationProvider.objects.create(organization=practice_b, provider=pcp_b)

    def member(first: str, last: str, region: str, born: dt.date) -> Member:
        m = MemberFactory(
            plan=plan, first_name=first, last_name=last, region=region, date_of_birth=born
        )
        CoverageFactory(member=m, start_date=dt.date(2023, 1, 1))
        return m

    attributed = member("Dana", "Whitfield", "R1", dt.date(1961, 3, 4))
    other_region = member("Evan", "Whitfield", "R2", dt.date(1961, 3, 4))
    treated = member("Frances", "Okoro", "R1", dt.date(1975, 8, 19))
    b_member = member("Gale", "Brandt", "R1", dt.date(1980, 2, 2))
    stranger = member("Hugo", "Lind", "R1", dt.date(1990, 12, 30))
    assign(attributed, pcp_a, practice_a)
    assign(other_region, pcp_a, practice_a)
    assign(b_member, pcp_b, practice_b, rate="50.00")
    encounter(attributed, pcp_a, dt.date(2025, 3, 1), ["E119", "I10"], practice_a)
    encounter(attributed, pcp_a, dt.date(2025, 9, 1), ["E119"], practice_a)
    encounter(treated, pcp_a, dt.date(2025, 6, 1), ["M5450"], practice_a)
    PharmacyClaimFactory(member=attributed, fill_date=dt.date(2025, 11, 1))
    PharmacyClaimFactory(
        member=attributed,
        fill_date=dt.date(2026, 1, 15),
        drug_name="Metformin hydrochloride",
        ndc="00093104801",
        strength="500 mg",
        quantity=Decimal("60"),
    )
    return PipWorld(pcp_a, pcp_b, attributed, other_region, treated, b_member, stranger)
