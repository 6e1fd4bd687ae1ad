"""`portico import-provider-file`: validate every row, then load; passwords stored hashed."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError

from portico.members.models import HealthPlan, PlanProvider
from portico.organizations.models import Provider
from tests.factories.organizations import valid_npi

pytestmark = pytest.mark.django_db
HEADER = (
    "npi,first_name,last_name,organization_name,credential,taxonomy_code,provider_id,network,"
    "effective_date,termination_date,provider_password\n"
)


@pytest.fixture
def plan():
    return HealthPlan.objects.create(name="Harbor Test Plan", payer_id="HTP01")


def test_loads_providers_and_hashes_passwords(tmp_path, plan):
    npi1, npi2 = valid_npi(501), valid_npi(502)
    path = tmp_path / "file.csv"
    path.write_text(
        HEADER
        + f"{npi1},Robin,Hartwell,,MD,207Q00000X,HTP000123,in,2024-01-01,,Plan-Pass-1\n"
        + f"{npi2},,,Lakeside Imaging,,,HTP000124,out,,2030-12-31,\n"
    )
    out = io.StringIO()
    call_command("import_provider_file", "HTP01", str(path), stdout=out)
    assert "2 providers (2 new, 0 updated)" in out.getvalue()
    row = PlanProvider.objects.get(plan_provider_id="HTP000123")
    assert row.provider.npi == npi1 and row.provider.taxonomy_code == "207Q00000X"
    assert row.access_secret != "Plan-Pass-1" and check_password("Plan-Pass-1", row.access_secret)
    assert Provider.objects.get(npi=npi2).entity_type == "2"
    call_command("import_provider_file", "HTP01", str(path), stdout=out)
    assert PlanProvider.objects.count() == 2


def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path, plan):
    path = tmp_path / "file.csv"
    path.write_text(
        HEADER
        + f"{valid_npi(1)},A,B,,,,P1,in,,,\n"
        + "1234567890,A,B,,,207Q0000,P2,maybe,2024-13-01,,\n"
        + f"{valid_npi(3)},,,,,,P1,in,2024-02-01,2024-01-01,\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_provider_file", "HTP01", str(path), stderr=err)
    text = err.getvalue()
    for expected in [
        "line 3: npi '1234567890'",
        "line 3: taxonomy_code",
        "line 3: network must be in or out",
        "line 3: effective_date '2024-13-01' is not a date",
        "line 4: provider_id P1 repeats line 2",
        "line 4: a row needs last_name or organization_name",
        "line 4: termination_date is before effective_date",
    ]:
        assert expected in text, expected
    assert not PlanProvider.objects.exists()


def test_unknown_plan(tmp_path, db):
    path = tmp_path / "file.csv"
    path.write_text(HEADER)
    with pytest.raises(CommandError, match="No health plan"):
        call_command("import_provider_file", "NOPE", str(path))
