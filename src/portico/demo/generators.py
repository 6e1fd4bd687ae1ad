"""Deterministic demo data: fictitious plans, practices, providers, members and personas.

Small scale is what ``make run`` loads; large scale adds bulk records for benchmarks. Each
domain module adds its records here as it is built, always through bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from portico.claims import demo as claims_demo
from portico.demo import names
from portico.identity.models import PasswordHistory, PhoneAuthenticator, User
from portico.identity.roles import StaffRole
from portico.members.models import Coverage, HealthPlan, Member, PlanProgram, PlanProvider
from portico.members.services import practice_provider_connect
from portico.organizations.models import (
    Application,
    Membership,
    Organization,
    OrganizationProvider,
    OrganizationTIN,
    Provider,
)
from portico.organizations.services import grant_set
from portico.organizations.services.access import access_request_submit
from portico.organizations.services.legacy import LegacyRow, legacy_accounts_import
from portico.organizations.validators import npi_check_digit
from portico.patientinfo import demo as pip_demo
from portico.priorauth import demo as priorauth_demo
from portico.referrals import demo as referrals_demo
from portico.remittance import demo as remittance_demo
from portico.support import services as support_services

DEMO_PASSWORD = "Portico-Demo-2026!"
PLAN_PAYER_ID = "PHX01"
REGIONS = ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "SJ", "MG", "CN"]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    persona: str
    can_do: str


def make_npi(rng: random.Random) -> str:
    first_nine = "1" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return first_nine + str(npi_check_digit(first_nine))


def fake_phone(rng: random.Random) -> str:
    # 555-0100..0199 numbers are reserved for fiction.
    return f"({rng.choice([212, 310, 516, 718, 914])}) 555-01{rng.randint(0, 99):02d}"


def fake_address(rng: random.Random) -> dict[str, str]:
    city, state = rng.choice(names.PLACES)
    street = f"{rng.randint(10, 9999)} {rng.choice(names.STREETS)} {rng.choice(names.STREET_KINDS)}"
    zip_code = f"{rng.randint(*names.ZIP_RANGES[state]):05d}"
    return {"address_line1": street, "city": city, "state": state, "zip_code": zip_code}


def _plans() -> tuple[HealthPlan, HealthPlan, HealthPlan]:
    harbor, _ = HealthPlan.objects.get_or_create(
        payer_id=PLAN_PAYER_ID,
        defaults=dict(
            name="Harborview Health Plan",
            short_name="Harborview",
            address_line1="1 Harborview Plaza",
            city="Lakeport",
            state="NY",
            zip_code="10990",
            correspondence_address=(
                "Portico Health Services\nP.O. Box 5600\nLakeport, NY 10990-5600"
            ),
            provider_services_phone="1-800-555-0160",
            provider_services_hours="Monday–Friday, 8:30 AM – 5:30 PM ET",
            portal_help_phone="1-800-555-0161",
            portal_help_hours="Monday–Friday, 9:00 AM – 6:00 PM ET",
            fax="1-800-555-0162",
            provider_file_email="provider.ids@harborview.example",
        ),
    )
    PlanProgram.objects.get_or_create(
        plan=harbor,
        code="spj",
        defaults=dict(
            name="Spine, Pain and Joint",
            cutover_date=dt.date(2026, 6, 1),
            legacy_portal_name="Legacy SPJ Provider Portal",
            fax="1-800-555-0163",
        ),
    )
    sunrise, _ = HealthPlan.objects.get_or_create(
        payer_id="SUN02",
        defaults=dict(
            name="Sunrise Community Health",
            short_name="Sunrise",
            address_line1="200 Sunrise Way",
            city="Fairhaven",
            state="CA",
            zip_code="90210",
            provider_services_phone="1-800-555-0170",
            fax="1-800-555-0172",
        ),
    )
    sparcs, _ = HealthPlan.objects.get_or_create(
        payer_id="NYSPARCS",
        defaults=dict(name="State Program Claims Reporting (demo)", short_name="SPARCS"),
    )
    return harbor, sunrise, sparcs


def _practice(name: str, tins: list[tuple[str, str]], rng: random.Random) -> Organization:
    org = Organization.objects.create(
        name=name, phone=fake_phone(rng), fax=fake_phone(rng), **fake_address(rng)
    )
    for digits, kind in tins:
        OrganizationTIN.objects.create(organization=org, tin=digits, kind=kind)
    return org


def _provider(
    rng: random.Random, *, specialty: str, taxonomy: str, credential: str = "MD"
) -> Provider:
    return Provider.objects.create(
        npi=make_npi(rng),
        first_name=rng.choice(names.FIRST_NAMES),
        last_name=rng.choice(names.LAST_NAMES),
        credential=credential,
        specialty=specialty,
        taxonomy_code=taxonomy,
        phone=fake_phone(rng),
        **fake_address(rng),
    )


def _user(
    username: str, first: str, last: str, *, staff_role: str | None = None, superuser: bool = False
) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username.lower()}@example.org",
        password=DEMO_PASSWORD,
        first_name=first,
        last_name=last,
        year_of_birth=1980,
        phone=f"+1212555{zlib.crc32(username.encode()) % 100 + 100:04d}",
        phone_verified=True,
        is_staff=bool(staff_role) or superuser,
        is_superuser=superuser,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    # Demo sign-in is password + a code texted to the (fictitious) phone, read at /dev/outbox/.
    PhoneAuthenticator.objects.create(user=user)
    PasswordHistory.objects.create(user=user, password=user.password)
    if staff_role:
        group, _ = Group.objects.get_or_create(name=staff_role)
        user.groups.add(group)
    return user


def _members(
    rng: random.Random, plan: HealthPlan, pcps: list[Provider], count: int, prefix: str
) -> Iterator[tuple[Member, Coverage]]:
    for i in range(count):
        dob = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 80 * 365))
        member = Member(
            plan=plan,
            member_id=f"{prefix}{i + 1:09d}",
            first_name=rng.choice(names.FIRST_NAMES),
            last_name=rng.choice(names.LAST_NAMES),
            date_of_birth=dob,
            sex=rng.choice(["F", "M"]),
            phone=fake_phone(rng),
            pcp=rng.choice(pcps) if pcps else None,
            region=rng.choice(REGIONS),
            **fake_address(rng),
        )
        start = dt.date(2025, 1, 1) - dt.timedelta(days=rng.randint(0, 900))
        coverage = Coverage(
            member=member,
            plan=plan,
            product=rng.choice(["HM", "PR", "MC"]),
            group_number=f"GRP{rng.randint(1000, 9999)}",
            start_date=start,
            end_date=None if rng.random() > 0.1 else dt.date(2025, 12, 31),
        )
        yield member, coverage


def _bulk_members(pairs: Iterator[tuple[Member, Coverage]], batch: int = 5000) -> int:
    total = 0
    chunk: list[tuple[Member, Coverage]] = []

    def flush() -> None:
        Member.objects.bulk_create([m for m, _ in chunk], batch_size=batch)
        for member, coverage in chunk:
            coverage.member = member
        Coverage.objects.bulk_create([c for _, c in chunk], batch_size=batch)

    for pair in pairs:
        chunk.append(pair)
        if len(chunk) >= batch:
            flush()
            total += len(chunk)
            chunk = []
    if chunk:
        flush()
        total += len(chunk)
    return total


ACCOUNTS = [
    DemoAccount(
        "billing.clerk",
        "Billing clerk (front office)",
        "Claims Online Portal for Lakeside Family Medicine: submit and track claims, appeals, EOBs",
    ),
    DemoAccount(
        "dr.physician",
        "Physician (PCP)",
        "Physician Info Portal, Referrals Portal and prior authorization for Lakeside",
    ),
    DemoAccount(
        "practice.admin",
        "Practice administrator",
        "Manages Lakeside's users, TINs and providers; all of Lakeside's portals",
    ),
    DemoAccount(
        "other.clerk",
        "Billing clerk of another practice",
        "Claims Online Portal for Summit Orthopedics (sees none of Lakeside's data)",
    ),
    DemoAccount(
        "direct.customer",
        "Direct customer (SPARCS submitter)",
        "Support cases for Empire Claims Billing (User ID ZCS00001, PFI 000123456)",
    ),
    DemoAccount("new.user", "New user with no access yet", "Signs up for portals through Connect"),
    DemoAccount("access.admin", "Access administrator (staff)", "Approves access requests, grants"),
    DemoAccount("claims.examiner", "Claims examiner (staff)", "Adjudicates claims and appeals"),
    DemoAccount(
        "um.reviewer",
        "Utilization-management reviewer (staff, clinical)",
        "Reviews prior authorizations and records determinations",
    ),
    DemoAccount("support.agent", "Support agent (staff)", "Works the support case queue"),
    DemoAccount("portico.admin", "Superuser", "Everything, including the Django admin"),
]


@transaction.atomic
def generate_small(*, seed: int = 42) -> list[DemoAccount]:
    """Idempotent: returns at once when the demo plan already exists."""
    if HealthPlan.objects.filter(payer_id=PLAN_PAYER_ID).exists():
        return ACCOUNTS
    rng = random.Random(seed)
    harbor, sunrise, _ = _plans()
    lakeside = _practice("Lakeside Family Medicine", [("001234567", "ein")], rng)
    summit = _practice("Summit Orthopedics & Spine", [("009876543", "ein")], rng)
    empire = _practice("Empire Claims Billing", [("000123456", "ein")], rng)
    empire.kind = Organization.Kind.DIRECT_CUSTOMER
    empire.save(update_fields=["kind"])

    pcps = [_provider(rng, specialty="Family Medicine", taxonomy="207Q00000X") for _ in range(3)]
    ortho = [
        _provider(rng, specialty="Orthopaedic Surgery — Spine", taxonomy="207XS0117X"),
        _provider(rng, specialty="Pain Medicine", taxonomy="208VP0014X"),
    ]
    for provider in pcps:
        OrganizationProvider.objects.create(organization=lakeside, provider=provider)
    for provider in ortho:
        OrganizationProvider.objects.create(organization=summit, provider=provider)
    for n, provider in enumerate(pcps + ortho, start=1):
        for plan in (harbor, sunrise):
            PlanProvider.objects.create(
                plan=plan, provider=provider, plan_provider_id=f"{plan.payer_id[:3]}{n:06d}"
            )

    _bulk_members(_members(rng, harbor, pcps, 150, "HV"))
    _bulk_members(_members(rng, sunrise, pcps, 50, "SR"))

    users = {}
    people = {
        "billing.clerk": ("Casey", "Morgan"),
        "dr.physician": ("Robin", "Hartwell"),
        "practice.admin": ("Pat", "Delgado"),
        "other.clerk": ("Jordan", "Reyes"),
        "direct.customer": ("Sam", "Okafor"),
        "new.user": ("Alex", "Rivera"),
    }
    for username, (first, last) in people.items():
        users[username] = _user(username, first, last)
    staff = {
        "access.admin": ("Morgan", "Lee", StaffRole.ACCESS_ADMIN),
        "claims.examiner": ("Taylor", "Nguyen", StaffRole.CLAIMS_EXAMINER),
        "um.reviewer": ("Dr. Jamie", "Chen", StaffRole.UM_REVIEWER),
        "support.agent": ("Riley", "Park", StaffRole.SUPPORT_AGENT),
    }
    for username, (first, last, role) in staff.items():
        users[username] = _user(username, first, last, staff_role=role)
    Group.objects.get_or_create(name=StaffRole.CLINICAL_REVIEWER)[0].user_set.add(
        users["um.reviewer"]
    )
    _user("portico.admin", "Portico", "Administrator", superuser=True)

    Membership.objects.create(user=users["billing.clerk"], organization=lakeside, title="Billing")
    Membership.objects.create(
        user=users["dr.physician"], organization=lakeside, role=Membership.Role.CLINICIAN
    )
    Membership.objects.create(
        user=users["practice.admin"],
        organization=lakeside,
        role=Membership.Role.ADMIN,
        title="Office Manager",
    )
    Membership.objects.create(user=users["other.clerk"], organization=summit, title="Billing")
    Membership.objects.create(user=users["direct.customer"], organization=empire)

    claims_scope = {"tins": ["001234567"], "submit_claims": True}
    grant_set(
        user=users["billing.clerk"],
        application=Application.CLAIMS,
        organization=lakeside,
        scope=claims_scope,
    )
    grant_set(
        user=users["practice.admin"],
        application=Application.CLAIMS,
        organization=lakeside,
        scope=claims_scope,
    )
    grant_set(
        user=users["other.clerk"],
        application=Application.CLAIMS,
        organization=summit,
        scope={"tins": ["009876543"], "submit_claims": True},
    )
    pip_scope = {"regions": ["R1", "R2"], "roles": ["pcp"], "cap_report": True, "add_terms": False}
    for username in ("dr.physician", "practice.admin"):
        grant_set(
            user=users[username],
            application=Application.PATIENT_INFO,
            organization=lakeside,
            scope=pip_scope,
        )
        grant_set(
            user=users[username], application=Application.REFERRALS, organization=lakeside, scope={}
        )
        grant_set(
            user=users[username],
            application=Application.PRIOR_AUTH,
            organization=lakeside,
            scope={},
        )
    grant_set(
        user=users["direct.customer"],
        application=Application.SUPPORT,
        organization=empire,
        scope={},
    )
    generate_support_demo(
        organization=empire, customer=users["direct.customer"], agent=users["support.agent"]
    )
    generate_connect_demo(rng, requester=users["new.user"], plan=harbor, practice=lakeside)
    generate_support_access_demo(rng, requester=users["new.user"], customer=empire)
    return ACCOUNTS


def generate_support_demo(*, organization: Organization, customer: User, agent: User) -> None:
    """The direct customer's User ID (ZCS00001) and two support cases with comments."""
    person = support_services.customer_user_create(
        organization=organization,
        first_name=customer.first_name,
        last_name=customer.last_name,
        user_id="ZCS00001",
        portico_user=customer,
    )
    today = timezone.localdate()
    first = support_services.case_create(
        customer=person,
        actor=customer,
        case_type="claim",
        subject="Claim rejected as a duplicate",
        description="Our corrected claim was rejected as a duplicate of the original.",
        claim=support_services.ClaimDetails(
            payer_id="NYSPARCS",
            patient_name="Jordan Sample",
            member_id="NYS0001234",
            billed_amount=Decimal("1840.00"),
            date_submitted=today - dt.timedelta(days=3),
            statement_from=today - dt.timedelta(days=20),
            statement_to=today - dt.timedelta(days=17),
            patient_account_number="EMP-2026-0042",
        ),
    )
    support_services.case_comment_add(
        case=first,
        actor=agent,
        actor_kind="agent",
        body="Thanks, we are checking the original submission. Please attach the 277CA.",
        new_status="waiting",
    )
    support_services.case_comment_add(
        case=first,
        actor=agent,
        actor_kind="agent",
        body="Frequency code 7 on the corrected claim; likely a payer-side edit.",
        is_internal=True,
    )
    second = support_services.case_create(
        customer=person,
        actor=customer,
        case_type="file_submission",
        subject="Batch file not acknowledged",
        description="We uploaded a batch yesterday and have not received a 999.",
    )
    support_services.case_comment_add(
        case=second,
        actor=customer,
        actor_kind="customer",
        body="The file name was EMPIRE_0107.x12.",
    )


def generate_support_access_demo(
    rng: random.Random, *, requester: User, customer: Organization
) -> None:
    """A pending Support access request: the demo "new.user" works for Empire Claims Billing
    as User ID ZCS00002 (in the customer file, not yet linked to a Portico ID). Built with the
    page's own form, so it holds exactly what "Sign Me Up → Support" would store."""
    from portico.connect.forms.access import SupportAccessForm

    support_services.customer_user_create(
        organization=customer,
        first_name=requester.first_name,
        last_name=requester.last_name,
        user_id="ZCS00002",
    )
    key = uuid.UUID(int=rng.getrandbits(128))
    form = SupportAccessForm(
        user=requester,
        idp_name=settings.PORTICO_BRAND["idp_name"],
        data={
            "idempotency_key": str(key),
            "company_name": customer.name,
            "pfi": "123456",  # padded to 000123456, as the form does for a typed PFI
            "user_id": "ZCS00002",
            "first_name": requester.first_name,
            "last_name": requester.last_name,
            "title": "Billing Specialist",
            "phone": "(212) 555-0133",
            "email": requester.email,
            "attest": "on",
        },
    )
    if not form.is_valid():
        raise ValueError(f"Support access demo form is invalid: {form.errors.as_json()}")
    access_request_submit(
        requester=requester,
        idempotency_key=key,
        **form.submission(),
    )


def generate_connect_demo(
    rng: random.Random, *, requester: User, plan: HealthPlan, practice: Organization
) -> None:
    """Connect: a pending access request, a legacy-user file, provider-file passwords, and a
    provider connection waiting for review.

    The Help Center's questions and answers come from a data migration, not from here.
    """
    access_request_submit(
        requester=requester,
        application=Application.CLAIMS,
        request_type="new",
        practice_name="Riverside Pediatrics",
        contact_email=requester.email,
        tins=["004567891"],
        idempotency_key=uuid.UUID(int=rng.getrandbits(128)),
        data={
            "portico_id": requester.username,
            "request_type": "new",
            "contact_name": requester.get_full_name(),
            "contact_phone": "(212) 555-0130",
            "practice_name": "Riverside Pediatrics",
            "tins": [{"digits": "004567891", "kind": "ein", "display": "00-4567891"}],
            "address": "77 River Road",
            "suite": "",
            "city": "Fairhaven",
            "state": "NY",
            "zip": "10991",
            "telephone": "(212) 555-0131",
            "front_office_email": "frontdesk@riverside.example",
            "fax": "(212) 555-0132",
            "officer_first_name": "Jordan",
            "officer_last_name": "Blake",
            "officer_email": "jordan.blake@riverside.example",
            "officer_title": "Practice Manager",
            "user_first_name": requester.first_name,
            "user_last_name": requester.last_name,
            "user_email": requester.email,
            "submit_claims": True,
            "user_title": "Billing Specialist",
            "login_user_id": requester.username,
        },
    )
    # The previous portal's hashes are Django-format PBKDF2 (see organizations.legacy_hashes).
    pbkdf2 = PBKDF2PasswordHasher()
    legacy_hash = pbkdf2.encode(DEMO_PASSWORD, pbkdf2.salt())
    legacy_accounts_import(
        rows=[
            # Same email as the demo "new.user": the link page offers it pre-filled.
            LegacyRow(
                username="arivera01",
                email=requester.email,
                first_name=requester.first_name,
                last_name=requester.last_name,
                practice_tin="001234567",
                practice_name=practice.name,
                applications=["claims"],
                scope={"claims": {"submit_claims": False, "tins": ["001234567"]}},
                password_hash=legacy_hash,
            ),
            LegacyRow(
                username="mkowalski",
                email="m.kowalski@example.org",
                first_name="Morgan",
                last_name="Kowalski",
                practice_tin="001234567",
                practice_name=practice.name,
                applications=["patientinfo", "referrals"],
                scope={
                    "patientinfo": {
                        "regions": ["R1"],
                        "roles": ["staff"],
                        "cap_report": False,
                        "add_terms": False,
                    }
                },
            ),
        ]
    )
    # The plan's provider passwords ("Provider ID and password" in the FAQ) are hashed.
    PlanProvider.objects.filter(plan=plan).update(access_secret=make_password("Provider-Demo-2026"))
    # A practice administrator asked to connect a provider without its password: the access
    # administrators' "Provider connections" has one waiting.
    admin = (
        Membership.objects.filter(organization=practice, role=Membership.Role.ADMIN)
        .select_related("user")
        .first()
    )
    listing = (
        PlanProvider.objects.filter(plan=plan)
        .exclude(provider__practice_links__organization=practice)
        .select_related("provider")
        .order_by("id")
        .first()
    )
    if admin is not None and listing is not None:
        practice_provider_connect(
            organization=practice, plan=plan, actor=admin.user, npi=listing.provider.npi
        )


def generate_large(*, seed: int = 42, members: int = 100_000) -> int:
    """Adds ``members`` members (and coverage) to the demo plan in bulk; returns how many."""
    generate_small(seed=seed)
    harbor = HealthPlan.objects.get(payer_id=PLAN_PAYER_ID)
    existing = Member.objects.filter(plan=harbor, member_id__startswith="HL").count()
    if existing >= members:
        return 0
    rng = random.Random(seed + 1)
    pcps = list(Provider.objects.filter(specialty="Family Medicine"))
    pairs = _members(rng, harbor, pcps, members, "HL")
    for _ in range(existing):  # deterministic resume: skip what an earlier run wrote
        next(pairs)
    with transaction.atomic():
        return _bulk_members(pairs)


def generate_portals(*, seed: int = 42, scale: str = "small") -> dict[str, Any]:
    """The portals' own demo records on top of the shared data: claims (and their fee
    schedules), payments and remittances, prior authorizations, Physician Info records and
    referrals. Each portal's generator is idempotent, so a second run adds nothing."""
    wanted = ["dr.physician", "um.reviewer"]
    users = {u.username: u for u in User.objects.filter(username__in=wanted)}
    counts: dict[str, Any] = {}
    counts["claims"] = claims_demo.generate(scale="small", seed=seed)
    counts["payments"] = remittance_demo.generate(scale="small")
    counts["prior authorizations"] = priorauth_demo.generate(
        scale="small", rng=random.Random(seed + 4)
    )
    counts["physician info"] = pip_demo.generate(scale="small", rng=random.Random(seed))
    counts["referrals"] = referrals_demo.generate(
        scale="small",
        rng=random.Random(seed + 1),
        office_user=users.get("dr.physician"),
        reviewer=users.get("um.reviewer"),
    )
    if scale == "large":
        counts["claims (large)"] = claims_demo.generate(scale="large", seed=seed + 5)
        counts["physician info (large)"] = pip_demo.generate(
            scale="large", rng=random.Random(seed + 2)
        )
        counts["referrals (large)"] = referrals_demo.generate(
            scale="large", rng=random.Random(seed + 3)
        )
    return counts
