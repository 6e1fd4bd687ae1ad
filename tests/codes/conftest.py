"""Fixtures for the code-set tests: a small ICD-10-CM release and small data files."""

from __future__ import annotations

from pathlib import Path

import pytest

from portico.codes import datafiles
from portico.codes.datafiles import Icd10Release, Icd10Row
from portico.codes.models import Icd10Code

from .factories import Icd10CodeFactory, PlaceOfServiceFactory

#: A slice of the real FY2026 release: headers and leaves in three chapters.
SMALL_RELEASE = [
    ("E11", "Type 2 diabetes mellitus", False),
    ("E119", "Type 2 diabetes mellitus without complications", True),
    ("M54", "Dorsalgia", False),
    ("M545", "Low back pain", False),
    ("M5450", "Low back pain, unspecified", True),
    ("M5451", "Vertebrogenic low back pain", True),
    ("M5459", "Other low back pain", True),
    (
        "S39",
        "Other and unspecified injuries of abdomen, lower back, pelvis and external genitals",
        False,
    ),
    ("S3901", "Strain of muscle, fascia and tendon of abdomen, lower back and pelvis", False),
    ("S39012", "Strain of muscle, fascia and tendon of lower back", False),
    ("S39012A", "Strain of muscle, fascia and tendon of lower back, initial encounter", True),
    (
        "Z00",
        "Encounter for general examination without complaint, suspected or reported diagnosis",
        False,
    ),
    ("Z000", "Encounter for general adult medical examination", False),
    ("Z0000", "Encounter for general adult medical examination without abnormal findings", True),
]


@pytest.fixture
def icd10_codes(db: None) -> list[Icd10Code]:
    """The small release, plus one synthetic code last valid in FY2021 (``U99.9``)."""
    rows = [
        Icd10CodeFactory(code=code, description=text, billable=billable, fiscal_year=2026)
        for code, text, billable in SMALL_RELEASE
    ]
    rows.append(Icd10CodeFactory(code="U999", description="Retired test code", fiscal_year=2021))
    return rows


@pytest.fixture
def places_of_service(db: None) -> None:
    PlaceOfServiceFactory(code="11", name="Office")
    PlaceOfServiceFactory(code="22", name="On Campus-Outpatient Hospital")
    PlaceOfServiceFactory(code="99", name="Other Place of Service")


def write_data_dir(
    path: Path,
    *,
    icd10: list[tuple[str, str, bool]] | None = None,
    fiscal_year: int = 2026,
    pos: str = "code,name\n11,Office\n21,Inpatient Hospital\n",
    carc: str = (
        "code,description,start_date,stop_date\n"
        "1,Deductible Amount,,\n"
        "45,Charge exceeds fee schedule/maximum allowable or contracted/legislated fee "
        "arrangement.,,\n"
        "B7,This provider was not certified/eligible to be paid for this procedure/service on "
        "this date of service.,1995-01-01,\n"
    ),
    rarc: str = (
        "code,description,start_date,stop_date\n"
        "N130,Consult plan benefit documents/guidelines for information about restrictions for "
        "this service.,,\n"
        "MA130,Your claim contains incomplete and/or invalid information.,,\n"
    ),
    taxonomy: str = (
        "code,grouping,classification,specialization\n"
        "207Q00000X,Allopathic & Osteopathic Physicians,Family Medicine,\n"
        "207XS0117X,Allopathic & Osteopathic Physicians,Orthopaedic Surgery,"
        "Orthopaedic Surgery of the Spine\n"
    ),
) -> Path:
    """Write a complete, small set of data files in the shipped formats under ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    release = Icd10Release(
        fiscal_year=fiscal_year,
        rows=[Icd10Row(c, d, b) for c, d, b in (SMALL_RELEASE if icd10 is None else icd10)],
    )
    datafiles.write_icd10(path / datafiles.ICD10_FILE, release, source="test fixture")
    (path / datafiles.PLACE_OF_SERVICE_FILE).write_text(pos)
    (path / datafiles.CARC_FILE).write_text(carc)
    (path / datafiles.RARC_FILE).write_text(rarc)
    (path / datafiles.TAXONOMY_FILE).write_text(taxonomy)
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_data_dir(tmp_path / "data")
