"""The Cap Report (HTML, CSV, PDF) and its Add/Terms section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portico.core.models import AuditEvent
from portico.organizations.models import Application
from portico.organizations.services import grant_set
from tests.factories.members import MemberFactory
from tests.factories.patientinfo import assign

pytestmark = pytest.mark.django_db
Q = {"month_from": "2026-01", "month_to": "2026-02"}


def test_report_counts_members_per_pcp_per_month(pw, world, persona_client):
    late = MemberFactory(plan=pw.attributed.plan, region="R1")
    assign(late, pw.pcp_a, world.practice_a, start=dt.date(2026, 2, 1), rate="40.00")
    response = persona_client("physician").get(reverse("patientinfo:cap_report"), Q)
    assert response.status_code == 200
    text = response.text
    # January: Dana only (Evan is in R2, outside the R1 grant); February: Dana and the new one.
    assert "$42.50" in text and "$82.50" in text and "$125.00" in text
    assert "Adds and terms" not in text  # no add_terms flag
    assert AuditEvent.objects.filter(action="portico.patientinfo.cap_report_viewed").exists()


def test_csv_and_pdf_downloads(pw, persona_client):
    client = persona_client("physician")
    csv = client.get(reverse("patientinfo:cap_report_csv"), Q)
    body = b"".join(csv.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("month,practice,pcp_npi")
    assert len(lines) == 3 and pw.attributed.member_id in body and "42.50" in body
    assert pw.other_region.member_id not in body
    pdf = client.get(reverse("patientinfo:cap_report_pdf"), Q)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_bad_months_are_refused_with_a_message(pw, persona_client):
    client = persona_client("physician")
    response = client.get(
        reverse("patientinfo:cap_report"), {"month_from": "2026-13", "month_to": "2026-01"}
    )
    assert response.status_code == 200 and "YYYY-MM" in response.text
    long = client.get(
        reverse("patientinfo:cap_report"), {"month_from": "2024-01", "month_to": "2026-01"}
    )
    assert "at most 12 months" in long.text
    assert client.get(reverse("patientinfo:cap_report_csv"), {"month_from": "x"}).status_code == 400


@pytest.mark.parametrize(
    ("month_from", "month_to"), [("9999-12", "9999-12"), ("0001-01", "0001-02")]
)
def test_months_at_the_ends_of_the_calendar_are_refused_not_a_500(
    pw, world, persona_client, month_from, month_to
):
    grant_set(
        user=world.users["physician"],
        application=Application.PATIENT_INFO,
        organization=world.practice_a,
        scope={"regions": ["R1"], "role": "pcp", "cap_report": True, "add_terms": True},
    )
    client = persona_client("physician")
    query = {"month_from": month_from, "month_to": month_to}
    response = client.get(reverse("patientinfo:cap_report"), query)
    assert response.status_code == 200
    assert "Enter a month from 1900-01 through 2099-12." in response.text
    assert client.get(reverse("patientinfo:cap_report_csv"), query).status_code == 400
    assert client.get(reverse("patientinfo:cap_report_pdf"), query).status_code == 400


def test_add_terms_flag_shows_panel_changes(pw, world, persona_client):
    termed = MemberFactory(plan=pw.attributed.plan, region="R1", last_name="Termed")
    assign(termed, pw.pcp_a, world.practice_a, end=dt.date(2026, 1, 1))
    grant_set(
        user=world.users["physician"],
        application=Application.PATIENT_INFO,
        organization=world.practice_a,
        scope={"regions": ["R1"], "role": "pcp", "cap_report": True, "add_terms": True},
    )
    text = persona_client("physician").get(reverse("patientinfo:cap_report"), Q).text
    assert "Adds and terms" in text and "Termed" in text


def test_users_without_the_flag_get_403(pw, world, persona_client):
    grant_set(
        user=world.users["physician"],
        application=Application.PATIENT_INFO,
        organization=world.practice_a,
        scope={"regions": ["R1"], "role": "pcp", "cap_report": False},
    )
    assert persona_client("physician").get(reverse("patientinfo:cap_report")).status_code == 403
