"""Selectors: ICD-10-CM type-ahead and look-ups, CARC/RARC, place-of-service choices."""

from __future__ import annotations

import pytest

from portico.codes.models import AdjustmentReason, Icd10Code, RemarkCode
from portico.codes.selectors import (
    MAX_SEARCH_LIMIT,
    carc_get,
    icd10_get,
    icd10_search,
    place_of_service_choices,
    rarc_get,
    taxonomy_get,
)

from .factories import AdjustmentReasonFactory, RemarkCodeFactory, TaxonomyFactory


def _codes(rows: list[Icd10Code]) -> list[str]:
    return [row.display_code for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("M54", ["M54", "M54.5", "M54.50", "M54.51", "M54.59"]),
        ("m54.5", ["M54.5", "M54.50", "M54.51", "M54.59"]),
        ("m5450", ["M54.50"]),
        ("low back pain", ["M54.5", "M54.50", "M54.51", "M54.59"]),
        ("Pain BACK unspecified", ["M54.50"]),
        ("strain lower back", ["S39.01", "S39.012", "S39.012A"]),
        ("Z", ["Z00", "Z00.0", "Z00.00"]),
        ("M99", []),
        ("tuberculosis", []),
        ("   ", []),
    ],
)
def test_icd10_search(icd10_codes: None, query: str, expected: list[str]):
    assert _codes(icd10_search(query=query)) == expected


def test_icd10_search_options(icd10_codes: None):
    assert _codes(icd10_search(query="M54", billable_only=True)) == ["M54.50", "M54.51", "M54.59"]
    assert _codes(icd10_search(query="M54", limit=2)) == ["M54", "M54.5"]
    assert icd10_search(query="M54", limit=0) == []
    # Retired codes are not offered for new data entry.
    assert icd10_search(query="U99") == []
    assert icd10_search(query="retired test") == []


def test_icd10_search_caps_the_limit(db: None):
    Icd10Code.objects.bulk_create(
        Icd10Code(code=f"A0{n:02d}", description="Cholera", billable=True, fiscal_year=2026)
        for n in range(MAX_SEARCH_LIMIT + 10)
    )
    assert len(icd10_search(query="cholera", limit=1000)) == MAX_SEARCH_LIMIT


def test_icd10_get(icd10_codes: None):
    assert icd10_get(code="m54.50").description == "Low back pain, unspecified"
    assert icd10_get(code="U99.9").fiscal_year == 2021  # history still resolves
    with pytest.raises(Icd10Code.DoesNotExist):
        icd10_get(code="M54.99")


def test_carc_rarc_taxonomy_get(db: None):
    AdjustmentReasonFactory(code="B7", description="This provider was not certified.")
    RemarkCodeFactory(code="MA130", description="Your claim contains incomplete information.")
    TaxonomyFactory(code="207XS0117X", classification="Orthopaedic Surgery",
                    specialization="Orthopaedic Surgery of the Spine")  # fmt: skip
    assert carc_get(code=" b7 ").description == "This provider was not certified."
    assert rarc_get(code="ma130").code == "MA130"
    assert taxonomy_get(code="207xs0117x").display_name == (
        "Orthopaedic Surgery, Orthopaedic Surgery of the Spine"
    )
    with pytest.raises(AdjustmentReason.DoesNotExist):
        carc_get(code="999")
    with pytest.raises(RemarkCode.DoesNotExist):
        rarc_get(code="N9999")


def test_place_of_service_choices(places_of_service: None):
    assert place_of_service_choices() == [
        ("11", "11 - Office"),
        ("22", "22 - On Campus-Outpatient Hospital"),
        ("99", "99 - Other Place of Service"),
    ]
