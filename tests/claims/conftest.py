"""Fixtures for the claims tests: a plan with a covered member, code sets, and helpers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from portico.claims.services import ClaimData, DiagnosisData, LineData
from portico.organizations.models import Application, ApplicationGrant
from tests.codes.factories import Icd10CodeFactory, PlaceOfServiceFactory
from tests.factories.claims import BILLING_NPI, PAYER_ID, RENDERING_NPI, plan_member

FIXTURES = Path(__file__).resolve().parents[1] / "x12" / "fixtures"


@dataclass
class ClaimsWorld:
    world: Any
    plan: Any
    member: Any
    coverage: Any


@pytest.fixture
def cw(world: Any, settings: Any) -> ClaimsWorld:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    for code, billable in (("M5450", True), ("E119", True), ("Z0000", True), ("M54", False)):
        Icd10CodeFactory(code=code, billable=billable, fiscal_year=2026)
    PlaceOfServiceFactory(code="11", name="Office")
    PlaceOfServiceFactory(code="22", name="On Campus-Outpatient Hospital")
    plan, member, coverage = plan_member()
    return ClaimsWorld(world, plan, member, coverage)


def no_submit(user: Any) -> None:
    grant = ApplicationGrant.objects.get(user=user, application=Application.CLAIMS)
    grant.scope = {**grant.scope, "submit_claims": False}
    grant.save()


def claim_data(**overrides: Any) -> ClaimData:
    dos = dt.date(2025, 3, 10)
    data = ClaimData(
        billing_tin="111111111",
        billing_npi=BILLING_NPI,
        billing_name="Practice A",
        rendering_npi=RENDERING_NPI,
        rendering_name="Ben Kildare",
        payer_id=PAYER_ID,
        member_id="HM100000001",
        patient_account_number="PA-1001",
        place_of_service="11",
        service_date_from=dos,
        service_date_to=dos,
        total_charge=Decimal("150.00"),
        diagnoses=[DiagnosisData("M54.50")],
        lines=[
            LineData(
                procedure_code="99213",
                diagnosis_pointers=[1],
                charge=Decimal("100.00"),
                service_date=dos,
            ),
            LineData(
                procedure_code="97110",
                modifiers=["GP"],
                diagnosis_pointers=[1],
                charge=Decimal("50.00"),
                service_date=dos,
            ),
        ],
    )
    for k, v in overrides.items():
        setattr(data, k, v)
    return data


# A professional claim of practice A as the REST API takes it (POST /claims).
API_CLAIM: dict[str, Any] = {
    "billing_tin": "111111111",
    "billing_npi": BILLING_NPI,
    "billing_name": "Practice A",
    "payer_id": PAYER_ID,
    "member_id": "HM100000001",
    "patient_account_number": "API-1",
    "place_of_service": "11",
    "service_date_from": "2025-03-10",
    "total_charge": "100.00",
    "diagnoses": [{"code": "M54.50"}],
    "lines": [{"procedure_code": "99213", "diagnosis_pointers": [1], "charge": "100.00"}],
}
