"""The PIP look-ups and the patient summary run a fixed number of SQL queries, whatever the
size of the member's history (guards against N+1 regressions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portico.members.models import Member
from portico.referrals.models import Referral, ReferralStatus
from tests.factories.members import CoverageFactory, MemberFactory
from tests.factories.patientinfo import PharmacyClaimFactory, PipWorld, assign, encounter
from tests.factories.referrals import CODES

pytestmark = pytest.mark.django_db
HOME = "/pip/"


def _member_with_history(pw: PipWorld, world: Any, n: int) -> Member:
    """A member of practice A's panel (R1) with ``n`` encounters, fills and referrals."""
    member = MemberFactory(
        plan=pw.attributed.plan,
        first_name="Casey",
        last_name="Historia" + "x" * n,  # letters only (no digits)
        region="R1",
        date_of_birth=dt.date(1968, 5, 17),
    )
    CoverageFactory(member=member, start_date=dt.date(2023, 1, 1))
    assign(member, pw.pcp_a, world.practice_a)
    codes = [code for code, _, _ in CODES]
    start = dt.date(2024, 1, 1)
    for i in range(n):
        day = start + dt.timedelta(days=7 * i)
        encounter(member, pw.pcp_a, day, [codes[i % len(codes)], "I10"], world.practice_a)
        PharmacyClaimFactory(member=member, fill_date=day, claim_number=f"QC{n:03d}{i:05d}")
        Referral.objects.create(
            number=f"QCR{n:03d}{i:05d}",
            organization=world.practice_a,
            member=member,
            plan=member.plan,
            referring_provider=pw.pcp_a,
            referred_to_npi=pw.pcp_b.npi,
            referred_to_provider=pw.pcp_b,
            referred_to_name="Lee Summit",
            reason=f"Consultation {i}",
            visits_requested=2,
            start_date=day,
            end_date=day + dt.timedelta(days=90),
            status=ReferralStatus.APPROVED,
        )
    return member


def _count(request: Any) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = request()
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _counts(client: Any, member: Member) -> dict[str, int]:
    url = reverse("patientinfo:patient", kwargs={"pk": member.pk})
    by_id, found = _count(
        lambda: client.post(HOME, {"by": "member_id", "id-member_id": member.member_id})
    )
    assert url in found.text
    by_name, found = _count(
        lambda: client.post(
            HOME,
            {
                "by": "name",
                "name-last_name": member.last_name,
                "name-first_name": "",
                "name-date_of_birth": member.date_of_birth.isoformat(),
            },
        )
    )
    assert url in found.text
    summary, page = _count(lambda: client.get(url))
    assert member.member_id in page.text
    return {"member_id": by_id, "name": by_name, "summary": summary}


def test_query_counts_do_not_grow_with_the_members_history(pw, world, persona_client):
    small = _member_with_history(pw, world, 2)
    large = _member_with_history(pw, world, 30)
    client = persona_client("physician")
    _counts(client, small)  # warm-up: first-request queries (session, content types)
    few = _counts(client, small)
    many = _counts(client, large)
    assert many == few, (few, many)
    page = client.get(reverse("patientinfo:patient", kwargs={"pk": large.pk})).text
    assert page.count("Consultation ") == 30  # every referral shown, none lost to the limit
    assert page.count("Lakeport Community Pharmacy") == 30


def test_print_view_query_count_does_not_grow_with_history(pw, world, persona_client):
    small = _member_with_history(pw, world, 2)
    large = _member_with_history(pw, world, 30)
    client = persona_client("physician")

    def count(member: Member) -> int:
        url = reverse("patientinfo:patient_print", kwargs={"pk": member.pk})
        return _count(lambda: client.get(url))[0]

    count(small)
    assert count(large) == count(small)
