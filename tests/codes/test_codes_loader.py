"""The loader: counts, idempotency, one transaction, clear errors, and the shipped files."""

from __future__ import annotations

import gzip
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from portico.codes import datafiles
from portico.codes.datafiles import CodeSetDataError
from portico.codes.models import AdjustmentReason, Icd10Code, PlaceOfService, RemarkCode, Taxonomy
from portico.codes.services import LoadCounts, code_sets_load
from portico.codes.validators import validate_icd10_code
from portico.core.models import AuditEvent

from .conftest import SMALL_RELEASE, write_data_dir

pytestmark = pytest.mark.django_db


def _table_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Icd10Code, PlaceOfService, AdjustmentReason, RemarkCode, Taxonomy)
    )


def test_load_counts_and_idempotency(data_dir: Path):
    first = code_sets_load(data_dir=data_dir)
    assert first == {
        "icd10": LoadCounts(total=len(SMALL_RELEASE), created=len(SMALL_RELEASE), updated=0),
        "pos": LoadCounts(total=2, created=2, updated=0),
        "carc": LoadCounts(total=3, created=3, updated=0),
        "rarc": LoadCounts(total=2, created=2, updated=0),
        "taxonomy": LoadCounts(total=2, created=2, updated=0),
    }
    counts = _table_counts()
    second = code_sets_load(data_dir=data_dir)
    assert all(c.created == 0 and c.updated == c.total for c in second.values())
    assert _table_counts() == counts == (len(SMALL_RELEASE), 2, 3, 2, 2)
    b7 = AdjustmentReason.objects.get(code="B7")
    assert b7.start_date is not None and b7.start_date.isoformat() == "1995-01-01"
    assert AuditEvent.objects.filter(action="portico.codes.loaded").count() == 2


def test_reload_updates_rows_and_keeps_retired_codes(tmp_path: Path):
    code_sets_load(data_dir=write_data_dir(tmp_path / "old", fiscal_year=2025))
    # The next release drops M54.59 and rewords M54.
    newer = [
        (code, "Dorsalgia (revised)" if code == "M54" else text, billable)
        for code, text, billable in SMALL_RELEASE
        if code != "M5459"
    ]
    code_sets_load(data_dir=write_data_dir(tmp_path / "new", icd10=newer, fiscal_year=2026))

    assert Icd10Code.objects.get(code="M54").description == "Dorsalgia (revised)"
    retired = Icd10Code.objects.get(code="M5459")
    assert retired.fiscal_year == 2025
    assert "M5459" not in set(Icd10Code.objects.current().values_list("code", flat=True))
    with pytest.raises(ValidationError) as excinfo:
        validate_icd10_code("M54.59")
    assert excinfo.value.code == "retired"


def test_only_loads_the_named_sets(data_dir: Path):
    counts = code_sets_load(data_dir=data_dir, only=["pos", "carc"])
    assert set(counts) == {"pos", "carc"}
    assert _table_counts() == (0, 2, 3, 0, 0)
    with pytest.raises(ValueError, match="unknown code set"):
        code_sets_load(data_dir=data_dir, only=["cpt"])


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        (datafiles.PLACE_OF_SERVICE_FILE, "code,name\n11,Office\n11,Office again\n",
         "place_of_service.csv, line 3: duplicate code 11"),
        (datafiles.PLACE_OF_SERVICE_FILE, "name,code\nOffice,11\n",
         "place_of_service.csv, line 1: expected columns code,name, found name,code"),
        (datafiles.PLACE_OF_SERVICE_FILE, "code,name\n7,Office\n",
         "place_of_service.csv, line 2: '7' is not a two-digit place of service code"),
        (datafiles.CARC_FILE, "code,description,start_date,stop_date\nCO-45,Charge,,\n",
         "carc.csv, line 2: 'CO-45' is not a claim adjustment reason code"),
        (datafiles.CARC_FILE, "code,description,start_date,stop_date\n45,Charge,01/01/1995,\n",
         "carc.csv, line 2: start_date '01/01/1995' is not a date (YYYY-MM-DD)"),
        (datafiles.RARC_FILE, "code,description,start_date,stop_date\nN130,,,\n",
         "rarc.csv, line 2: remark code N130 has no description"),
        (datafiles.RARC_FILE, "code,description,start_date,stop_date\nN1,x,2020-01-01,2019-01-01\n",
         "rarc.csv, line 2: remark code N1 stops before it starts"),
        (datafiles.TAXONOMY_FILE, "code,grouping,classification,specialization\n207Q00000,G,C,\n",
         "taxonomy.csv, line 2: '207Q00000' is not a provider taxonomy code"),
        (datafiles.TAXONOMY_FILE, "code,grouping,classification,specialization\n207Q00000X,G\n",
         "taxonomy.csv, line 2: expected 4 fields, found 2"),
    ],
)  # fmt: skip
def test_bad_data_stops_the_load_and_writes_nothing(
    data_dir: Path, file_name: str, content: str, expected: str
):
    (data_dir / file_name).write_text(content)
    with pytest.raises(CodeSetDataError) as excinfo:
        code_sets_load(data_dir=data_dir)
    assert expected in excinfo.value.errors
    assert _table_counts() == (0, 0, 0, 0, 0)
    assert not AuditEvent.objects.filter(action="portico.codes.loaded").exists()


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("# fiscal_year: 2026\ncode,billable,description\nM54,0,Dorsalgia\nM5450,yes,Low\n",
         "icd10cm.csv.gz, line 4: billable must be 0 or 1, found 'yes'"),
        ("# fiscal_year: 2026\ncode,billable,description\nM54.50,1,Low back pain\n",
         "icd10cm.csv.gz, line 3: 'M54.50' is not an ICD-10-CM code without its dot"),
        ("# fiscal_year: 2026\ncode,billable,description\nM5450,1,Low back pain\n",
         "icd10cm.csv.gz, line 3: M5450 has no category row M54"),
        ("code,billable,description\nM54,0,Dorsalgia\n",
         "icd10cm.csv.gz: missing or invalid '# fiscal_year:' header"),
    ],
)  # fmt: skip
def test_bad_icd10_file(data_dir: Path, lines: str, expected: str):
    (data_dir / datafiles.ICD10_FILE).write_bytes(gzip.compress(lines.encode()))
    with pytest.raises(CodeSetDataError) as excinfo:
        code_sets_load(data_dir=data_dir)
    assert expected in excinfo.value.errors
    assert _table_counts() == (0, 0, 0, 0, 0)


def test_missing_and_corrupt_files_are_reported(data_dir: Path):
    (data_dir / datafiles.RARC_FILE).unlink()
    (data_dir / datafiles.ICD10_FILE).write_bytes(b"not gzip")
    with pytest.raises(CodeSetDataError) as excinfo:
        code_sets_load(data_dir=data_dir)
    assert len(excinfo.value.errors) == 2
    assert excinfo.value.errors[0].startswith(f"{data_dir / datafiles.ICD10_FILE}: cannot be read")
    assert excinfo.value.errors[1] == f"{data_dir / datafiles.RARC_FILE}: file not found"


def test_too_many_problems_are_cut_short(data_dir: Path):
    rows = "".join(f"{n:03d},x\n" for n in range(100, 200))
    (data_dir / datafiles.PLACE_OF_SERVICE_FILE).write_text("code,name\n" + rows)
    with pytest.raises(CodeSetDataError) as excinfo:
        code_sets_load(data_dir=data_dir, only=["pos"])
    assert len(excinfo.value.errors) == datafiles.MAX_REPORTED_ERRORS + 1


def test_command_prints_counts_and_fails_clearly(data_dir: Path):
    out = StringIO()
    call_command("load_codes", "--data-dir", str(data_dir), stdout=out)
    text = out.getvalue()
    assert (
        f"ICD-10-CM codes: {len(SMALL_RELEASE)} ({len(SMALL_RELEASE)} new, 0 already present)"
        in text
    )
    assert "places of service: 2 (2 new, 0 already present)" in text
    assert "Code sets loaded in" in text

    out = StringIO()
    call_command("load_codes", "--data-dir", str(data_dir), "--only", "taxonomy", stdout=out)
    assert out.getvalue().splitlines()[0] == "provider taxonomies: 2 (0 new, 2 already present)"

    (data_dir / datafiles.CARC_FILE).write_text("wrong\n")
    with pytest.raises(CommandError, match="No codes were loaded; fix the data files"):
        call_command("load_codes", "--data-dir", str(data_dir), stdout=StringIO())


def test_shipped_files_load_with_known_codes():
    """The real files: full ICD-10-CM FY2026 plus the curated lists, within a time budget."""
    started = time.monotonic()
    counts = code_sets_load()
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"loading took {elapsed:.1f} s"

    assert counts["icd10"].total == Icd10Code.objects.count() > 90_000
    assert Icd10Code.objects.filter(billable=True).count() > 70_000
    for code, description in [
        ("M5450", "Low back pain, unspecified"),
        ("E119", "Type 2 diabetes mellitus without complications"),
        ("Z0000", "Encounter for general adult medical examination without abnormal findings"),
        ("S39012A", "Strain of muscle, fascia and tendon of lower back, initial encounter"),
    ]:
        row = Icd10Code.objects.get(code=code)
        assert (row.description, row.billable, row.fiscal_year) == (description, True, 2026)
    assert Icd10Code.objects.get(code="M54").billable is False
    assert Icd10Code.objects.get(code="M545").billable is False
    with pytest.raises(ValidationError, match="M54 is a category"):
        validate_icd10_code("M54")

    carcs = set(AdjustmentReason.objects.values_list("code", flat=True))
    assert {"1", "2", "3", "16", "45", "50", "97", "197", "204", "253", "A1", "B7"} <= carcs
    assert len(carcs) >= 60
    rarcs = set(RemarkCode.objects.values_list("code", flat=True))
    assert {"M15", "M20", "MA01", "MA130", "N130", "N290", "N362", "N386", "N432"} <= rarcs
    assert len(rarcs) >= 40
    assert PlaceOfService.objects.get(code="11").name == "Office"
    assert PlaceOfService.objects.get(code="24").name == "Ambulatory Surgical Center"
    assert Taxonomy.objects.get(code="207XS0117X").specialization == (
        "Orthopaedic Surgery of the Spine"
    )
    assert Taxonomy.objects.count() >= 40

    again = code_sets_load(only=["icd10"])
    assert again["icd10"].created == 0
