"""FHIR ExplanationOfBenefit (CARIN Blue Button): the mapping validates with fhir.resources
R4B for professional and institutional claims; search and read are scoped to the caller."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from portico.fhir.eob import (
    PROFILE_INPATIENT,
    PROFILE_OUTPATIENT,
    PROFILE_PROFESSIONAL,
    EobAdjustment,
    EobClaim,
    EobLine,
    eob_resource,
)
from tests.factories.remittance import load_adjustment_codes, payment_for


@pytest.fixture
def codes(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    load_adjustment_codes()


NOW = dt.datetime(2025, 4, 1, 12, 0, tzinfo=dt.UTC)


def _claim(**extra) -> EobClaim:
    values = dict(
        id="C20250000001",
        claim_number="C20250000001",
        kind="professional",
        created=NOW,
        last_updated=NOW,
        patient_id="HM1",
        patient_member_id="HM1",
        patient_family="Doe",
        patient_given="Pat",
        patient_birth_date=dt.date(1980, 2, 3),
        insurer_name="Harbor",
        insurer_payer_id="PORTICO01",
        provider_npi="1234567893",
        provider_name="Practice A",
        rendering_npi="1987654328",
        rendering_name="Ben Kildare",
        billable_start=dt.date(2025, 3, 10),
        billable_end=dt.date(2025, 3, 10),
        received=dt.date(2025, 3, 11),
        place_of_service="11",
        diagnoses=["M5450", "E119"],
        lines=[
            EobLine(
                1,
                D("100"),
                procedure_code="99213",
                modifiers=["25"],
                allowed=D("92"),
                paid=D("57.60"),
                copay=D("20"),
                coinsurance=D("14.40"),
                patient_responsibility=D("34.40"),
                diagnosis_pointers=[1],
                adjustments=[EobAdjustment("CO", "45", D("8")), EobAdjustment("PR", "3", D("20"))],
                remark_codes=["N130"],
                service_date=dt.date(2025, 3, 10),
            ),
            EobLine(
                2,
                D("50"),
                procedure_code="97110",
                denied=True,
                adjustments=[EobAdjustment("CO", "50", D("50"))],
            ),
        ],
        total_charge=D("150"),
        total_allowed=D("92"),
        total_paid=D("57.60"),
        total_patient_responsibility=D("34.40"),
        payment_date=dt.date(2025, 4, 1),
        payment_trace="00100001",
        payment_amount=D("57.60"),
        plan_name="Harbor PPO",
    )
    values.update(extra)
    return EobClaim(**values)  # type: ignore[arg-type]


def test_professional_eob_validates_with_r4b():
    resource = eob_resource(_claim())
    eob = ExplanationOfBenefit.model_validate(resource)
    assert eob.meta.profile == [PROFILE_PROFESSIONAL]
    assert resource["identifier"][0]["value"] == "C20250000001"
    assert resource["type"]["coding"][0]["code"] == "professional"
    assert {t["category"]["coding"][0]["code"] for t in resource["total"]} >= {
        "submitted",
        "eligible",
        "paidtoprovider",
        "memberliability",
    }
    assert resource["payment"]["identifier"]["value"] == "00100001"


@pytest.mark.parametrize(
    ("tob", "profile", "subtype"),
    [("0111", PROFILE_INPATIENT, "inpatient"), ("0131", PROFILE_OUTPATIENT, "outpatient")],
)
def test_institutional_eobs_validate_with_r4b(tob, profile, subtype):
    claim = _claim(
        kind="institutional",
        type_of_bill=tob,
        admission_date=dt.date(2025, 3, 9),
        discharge_status="01",
        lines=[
            EobLine(
                1,
                D("500"),
                revenue_code="0450",
                allowed=D("410"),
                paid=D("410"),
                adjustments=[EobAdjustment("CO", "45", D("90"))],
            )
        ],
    )
    resource = eob_resource(claim)
    ExplanationOfBenefit.model_validate(resource)
    assert resource["meta"]["profile"] == [profile]
    assert resource["subType"]["coding"][0]["code"] == subtype


@pytest.mark.django_db
def test_fhir_search_and_read_are_scoped(world, persona_client, codes):
    payment = payment_for(organization=world.practice_a, tin="111111111", number="C2025001101")
    number = payment.claims.first().claim_number
    headers = {"HTTP_ACCEPT": "application/fhir+json"}
    client = persona_client("billing_clerk")
    found = client.get(
        "/fhir/r4/ExplanationOfBenefit", {"patient": "Patient/HM100000001"}, **headers
    )
    assert found.status_code == 200, found.content
    bundle = Bundle.model_validate(found.json())
    assert bundle.total == 1
    ExplanationOfBenefit.model_validate(found.json()["entry"][0]["resource"])
    assert (
        client.get(
            "/fhir/r4/ExplanationOfBenefit",
            {"identifier": number, "created": "ge2000-01-01", "status": "active"},
            **headers,
        ).json()["total"]
        == 1
    )
    read = client.get(f"/fhir/r4/ExplanationOfBenefit/{number}", **headers)
    assert (
        read.status_code == 200
        and read.json()["payment"]["identifier"]["value"] == payment.trace_number
    )
    bad = client.get("/fhir/r4/ExplanationOfBenefit", {"created": "yesterday"}, **headers)
    assert bad.status_code == 400 and bad.json()["resourceType"] == "OperationOutcome"
    other = persona_client("billing_clerk_b")
    assert other.get(f"/fhir/r4/ExplanationOfBenefit/{number}", **headers).status_code == 404
    assert other.get("/fhir/r4/ExplanationOfBenefit", **headers).json()["total"] == 0
