"""The PIP and referrals demo generators on the small demo data (idempotent)."""

from __future__ import annotations

import random

import pytest

from portico.demo.generators import generate_small
from portico.identity.models import User
from portico.organizations.models import Organization
from portico.patientinfo import demo as pip_demo
from portico.patientinfo.models import PcpAssignment, PharmacyClaim
from portico.patientinfo.selectors import patient_lookup_by_member_id
from portico.referrals import demo as referrals_demo
from portico.referrals.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db


def test_demo_generators_fill_every_status_and_are_idempotent():
    generate_small(seed=42)
    counts = pip_demo.generate(scale="small", rng=random.Random(1))
    assert counts["assignments"] > 100 and counts["fills"] > 100
    office = User.objects.get(username="dr.physician")
    reviewer = User.objects.get(username="um.reviewer")
    made = referrals_demo.generate(
        scale="small", rng=random.Random(2), office_user=office, reviewer=reviewer
    )
    assert made == 10
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert pip_demo.generate(scale="small", rng=random.Random(1))["assignments"] == 0
    assert referrals_demo.generate(scale="small", office_user=office, reviewer=reviewer) == 0
    lakeside = Organization.objects.get(name="Lakeside Family Medicine")
    patient = pip_demo.demo_patient(organization=lakeside)
    assert patient is not None and PharmacyClaim.objects.filter(member=patient).exists()
    assert patient_lookup_by_member_id(user=office, member_id=patient.member_id) == [patient]
    assert PcpAssignment.objects.filter(organization=lakeside).exists()
