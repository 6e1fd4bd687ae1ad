"""Look-up, visibility ("not found" outside it), the summary, print/PDF, audit and log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from portico.core.models import AuditEvent
from portico.organizations.models import Application
from portico.organizations.services import grant_set
from tests.factories.referrals import referral_world, submit

pytestmark = pytest.mark.django_db
HOME = "/pip/"


def by_id(client, member_id):
    return client.post(HOME, {"by": "member_id", "id-member_id": member_id})


def by_name(client, last, dob, first=""):
    return client.post(
        HOME,
        {"by": "name", "name-last_name": last, "name-first_name": first, "name-date_of_birth": dob},
    )


def test_member_id_lookup_finds_attributed_and_treated_patients(pw, persona_client):
    client = persona_client("physician")
    for member in (pw.attributed, pw.treated):
        response = by_id(client, member.member_id.lower())
        assert response.status_code == 200
        assert reverse("patientinfo:patient", kwargs={"pk": member.pk}) in response.text


@pytest.mark.parametrize("who", ["other_region", "practice_b_member", "stranger"])
def test_outside_visibility_is_not_found_like_a_missing_member(pw, persona_client, who):
    client = persona_client("physician")
    member = getattr(pw, who)
    hidden = by_id(client, member.member_id)
    missing = by_id(client, "ZZ999999999")
    assert "No patient found" in hidden.text and "No patient found" in missing.text
    assert member.last_name not in hidden.text
    page = client.get(reverse("patientinfo:patient", kwargs={"pk": member.pk}))
    assert page.status_code == 404


def test_name_and_dob_search_needs_both_and_refuses_wildcards(pw, persona_client):
    client = persona_client("physician")
    found = by_name(client, "whitfield", "1961-03-04")
    assert "Dana" in found.text and "Evan" not in found.text  # Evan is in region R2
    assert "Enter the patient&#x27;s date of birth" in by_name(client, "Whitfield", "").text
    assert "Enter the patient&#x27;s last name" in by_name(client, "", "1961-03-04").text
    assert "no wildcards" in by_name(client, "Whit%", "1961-03-04").text
    assert "no wildcards" in by_name(client, "W", "1961-03-04").text


def test_names_with_accented_letters_can_be_searched(pw, world, persona_client):
    """Before: "Peña" was refused as if it held a wildcard ("letters ... only")."""
    from tests.factories.members import MemberFactory
    from tests.factories.patientinfo import assign

    member = MemberFactory(
        plan=pw.attributed.plan,
        last_name="Peña",
        first_name="Zoë",
        region="R1",
        date_of_birth=dt.date(1980, 2, 3),
    )
    assign(member, pw.pcp_a, world.practice_a)
    client = persona_client("physician")
    found = by_name(client, "Peña", "1980-02-03", first="Zoë")
    assert reverse("patientinfo:patient", kwargs={"pk": member.pk}) in found.text
    for typed in ("Pe²a", "Pe_a", "Pe*a", "4ever"):
        assert "no wildcards" in by_name(client, typed, "1980-02-03").text, typed


def _eleven_smiths(pw, world) -> None:
    """Eleven attributed patients named Smith, all born 1970-01-01 (Pat0 … Pat10)."""
    from tests.factories.members import MemberFactory
    from tests.factories.patientinfo import assign

    for i in range(11):
        m = MemberFactory(
            plan=pw.attributed.plan,
            last_name="Smith",
            first_name=f"Pat{i}",
            region="R1",
            date_of_birth=dt.date(1970, 1, 1),
        )
        assign(m, pw.pcp_a, world.practice_a)


def test_too_broad_name_search_is_refused(pw, world, persona_client):
    _eleven_smiths(pw, world)  # one more than a name search lists
    client = persona_client("physician")
    assert "Too many patients match" in by_name(client, "Smith", "1970-01-01").text
    assert "Pat10" in by_name(client, "Smith", "1970-01-01", first="Pat10").text


def test_summary_shows_everything_and_is_audited(pw, world, persona_client):
    client = persona_client("physician")
    url = reverse("patientinfo:patient", kwargs={"pk": pw.attributed.pk})
    response = client.get(url)
    assert response.status_code == 200
    text = response.text
    for expected in (
        pw.attributed.member_id,
        "Eligibility history",
        "E11.9",
        "Type 2 diabetes mellitus without complications",
        "03/01/2025",  # first seen
        "09/01/2025",  # last seen
        "I10",
        "Metformin hydrochloride",
        "00093-1048-01",
        "500 mg",
        "Lakeport Community Pharmacy",
        "Robin Hartwell",
    ):
        assert expected in text, expected
    event = AuditEvent.objects.get(action="portico.patientinfo.patient_summary_viewed")
    assert event.member_ref == pw.attributed.member_id
    assert event.organization_id == world.practice_a.pk
    assert event.actor == world.users["physician"]


def test_prescriptions_filter_by_fill_date(pw, persona_client):
    client = persona_client("physician")
    url = reverse("patientinfo:patient", kwargs={"pk": pw.attributed.pk})
    response = client.get(url, {"rx_from": "2026-01-01", "rx_to": "2026-01-31"})
    assert "Metformin" in response.text and "Atorvastatin" not in response.text
    bad = client.get(url, {"rx_from": "2026-02-01", "rx_to": "2026-01-01"})
    assert bad.status_code == 200 and "on or after the first" in bad.text


def test_more_fills_than_the_page_shows_are_announced(pw, persona_client):
    """Before: the summary silently showed only the newest 200 fills."""
    from tests.factories.patientinfo import PharmacyClaimFactory

    start = dt.date(2020, 1, 1)
    for day in range(201):
        PharmacyClaimFactory(member=pw.attributed, fill_date=start + dt.timedelta(days=day))
    client = persona_client("physician")
    url = reverse("patientinfo:patient", kwargs={"pk": pw.attributed.pk})
    response = client.get(url)
    assert len(response.context["s"].prescriptions) == 200
    assert "Showing the newest 200 fills." in response.text
    recent = client.get(url, {"rx_from": "2025-01-01"})
    assert "Showing the newest" not in recent.text


def test_referral_history_appears_in_the_summary(world, persona_client):
    rw = referral_world(world.practice_a, plan_payer="PIPR2")
    referral = submit(rw)
    from tests.factories.patientinfo import assign

    rw.member.region = "R1"
    rw.member.save()
    assign(rw.member, rw.pcp, world.practice_a)
    client = persona_client("physician")
    response = client.get(reverse("patientinfo:patient", kwargs={"pk": rw.member.pk}))
    assert referral.number in response.text and "Approved" in response.text


def test_specialist_sees_members_referred_to_its_providers(world, persona_client):
    rw = referral_world(world.practice_a, plan_payer="PIPR3")
    from portico.organizations.models import OrganizationProvider

    OrganizationProvider.objects.create(organization=world.practice_b, provider=rw.specialist)
    submit(rw)
    user = world.users["billing_clerk_b"]
    grant_set(
        user=user,
        application=Application.PATIENT_INFO,
        organization=world.practice_b,
        scope={"regions": ["R1"], "role": "specialist", "cap_report": False},
    )
    client = persona_client("billing_clerk_b")
    assert rw.member.last_name in by_id(client, rw.member.member_id).text


@pytest.mark.parametrize(
    ("scope", "sees_the_pcp_panel"),
    [
        ({"roles": ["specialist"]}, False),
        ({"roles": ["staff", "specialist"]}, True),
        ({"roles": ["staff", "pcp"]}, True),
        ({"role": "specialist"}, False),  # a grant written before "select all that apply"
        ({"role": "pcp"}, True),
    ],
)
def test_the_pcp_panel_is_hidden_only_from_specialists_alone(pw, world, scope, sees_the_pcp_panel):
    """``other_region`` is attributed to the practice (R2) and was never treated there."""
    from portico.patientinfo.selectors import visible_members

    user = world.users["physician"]
    grant_set(
        user=user,
        application=Application.PATIENT_INFO,
        organization=world.practice_a,
        scope={"regions": ["R1", "R2"], **scope},
    )
    visible = set(visible_members(user=user))
    assert (pw.other_region in visible) is sees_the_pcp_panel
    assert pw.treated in visible


def test_print_and_pdf(pw, persona_client):
    client = persona_client("physician")
    printed = client.get(reverse("patientinfo:patient_print", kwargs={"pk": pw.attributed.pk}))
    assert printed.status_code == 200 and "Atorvastatin" in printed.text
    pdf = client.get(reverse("patientinfo:patient_pdf", kwargs={"pk": pw.attributed.pk}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "portico.patientinfo.patient_print_viewed",
        "portico.patientinfo.patient_pdf_viewed",
    } <= actions


def test_access_log_shows_each_lookup_to_the_practice_admin(pw, world, persona_client):
    doctor = persona_client("physician")
    by_id(doctor, pw.attributed.member_id)
    by_id(doctor, "ZZ999999999")
    doctor.get(reverse("patientinfo:patient", kwargs={"pk": pw.attributed.pk}))
    log = persona_client("practice_admin").get(reverse("patientinfo:access_log"))
    assert log.status_code == 200
    assert log.text.count("doctor-a01") == 3
    assert "looked up a patient (by member ID)" in log.text
    assert ": not found" in log.text
    assert "viewed a patient summary" in log.text
    assert pw.attributed.member_id in log.text
    assert persona_client("physician").get(reverse("patientinfo:access_log")).status_code == 403


def test_a_lookup_is_logged_for_the_practice_whose_grant_shows_the_patient(
    pw, world, persona_client
):
    """A physician with grants in two practices: each found patient's look-up goes to the
    practice that shows the patient (its administrator's access log), not the first one."""
    from portico.organizations.models import Membership

    doctor = world.users["physician"]
    Membership.objects.get_or_create(user=doctor, organization=world.practice_b)
    grant_set(
        user=doctor,
        application=Application.PATIENT_INFO,
        organization=world.practice_b,
        scope={"regions": ["R1"], "role": "pcp"},
    )
    client = persona_client("physician")
    assert "Brandt" in by_id(client, pw.practice_b_member.member_id).text
    assert "Whitfield" in by_id(client, pw.attributed.member_id).text
    events = AuditEvent.objects.filter(action="portico.patientinfo.patient_searched")
    assert (
        events.get(member_ref=pw.practice_b_member.member_id).organization_id == world.practice_b.pk
    )
    assert events.get(member_ref=pw.attributed.member_id).organization_id == world.practice_a.pk


def test_claim_diagnoses_merge_with_encounters(pw, persona_client, monkeypatch):
    from portico.claims.selectors import MemberDiagnosis
    from portico.patientinfo import selectors

    rows = [
        MemberDiagnosis("E119", dt.date(2024, 12, 1), dt.date(2026, 2, 1), 2),
        MemberDiagnosis("M5450", dt.date(2025, 5, 5), dt.date(2025, 5, 5), 1),
    ]
    monkeypatch.setattr(selectors, "claims_for_member_diagnoses", lambda *, member: rows)
    found = {d.code: d for d in selectors.diagnoses_for_member(member=pw.attributed)}
    assert found["E119"].first_seen == dt.date(2024, 12, 1)  # from the claims
    assert found["E119"].last_seen == dt.date(2026, 2, 1)
    assert found["E119"].times == 4  # two encounters + two claims
    assert found["M5450"].description == "Low back pain, unspecified"
    assert set(found) == {"E119", "I10", "M5450"}


def test_home_lists_the_grant_regions_in_order(world, persona_client):
    grant_set(
        user=world.users["physician"],
        application=Application.PATIENT_INFO,
        organization=world.practice_a,
        scope={"regions": ["R7", "R1", "R3", "R2"], "role": "pcp", "cap_report": True},
    )
    page = persona_client("physician").get(HOME)
    assert f"{world.practice_a.name} in regions R1, R2, R3, R7." in page.text


def test_a_member_id_that_cannot_be_one_says_so(pw, persona_client):
    """Before: a search for "😀" answered with nothing at all."""
    response = by_id(persona_client("physician"), "😀")
    assert response.status_code == 200
    assert "A member ID has 2 to 24 letters, digits or hyphens" in response.text


@pytest.mark.parametrize("member_id", ["A" * 25, "AB\x00CD", "AB\x00" + "C" * 30])
def test_a_too_long_or_nul_member_id_gets_one_message(pw, persona_client, member_id):
    """Before: 25 characters, or a NUL character, showed two messages for one problem
    ("A member ID has 2 to 24 …" and "Ensure this value has at most 24 characters")."""
    response = by_id(persona_client("physician"), member_id)
    assert response.status_code == 200
    assert response.context["id_form"].errors == {
        "member_id": [
            "A member ID has 2 to 24 letters, digits or hyphens, as printed on the member's card."
        ]
    }
    # One line in the error summary and one message next to the field.
    assert response.text.count('<a href="#id_id-member_id">') == 1
    assert response.text.count('class="usa-error-message"') == 1
    assert "at most 24 characters" not in response.text
    assert "Null characters" not in response.text


def test_every_lookup_is_audited_with_what_was_searched_and_the_outcome(pw, world, persona_client):
    """Before: a refused look-up (too many matches, a wildcard) left no audit event, and a
    member ID that found nobody was audited without the member ID searched."""
    _eleven_smiths(pw, world)  # one more than a name search lists
    doctor = persona_client("physician")
    by_id(doctor, "zz999999999")
    assert "Too many patients match" in by_name(doctor, "Smith", "1970-01-01").text
    assert "no wildcards" in by_name(doctor, "Sm%", "1970-01-01", first="P").text
    events = AuditEvent.objects.filter(action="portico.patientinfo.patient_searched")
    not_found, too_many, wildcard = events.order_by("id")
    assert not_found.member_ref == "ZZ999999999"
    assert not_found.changes == {"by": "member_id", "results": 0}
    assert not_found.organization_id == world.practice_a.pk
    assert too_many.changes == {
        "by": "name",
        "searched": {"last_name": "Smith", "first_name": "", "date_of_birth": "1970-01-01"},
        "outcome": "refused",
        "reason": "too_many",
    }
    assert wildcard.changes["searched"]["last_name"] == "Sm%"
    assert (wildcard.changes["outcome"], wildcard.changes["reason"]) == ("refused", "not_a_name")
    assert {e.actor for e in events} == {world.users["physician"]}
    log = persona_client("practice_admin").get(reverse("patientinfo:access_log")).text
    assert "searched member ID ZZ999999999" in log
    assert ": refused (too many matches)" in log
    assert "searched Smith, born 1970-01-01" in log
    assert ": refused (not a whole name)" in log
