"""Issue #7's acceptance journey in Chromium, axe-core on every page: PIP look-up by member ID
and by name + DOB, another region's "not found", the Cap Report download, referrals approved
automatically and sent to review and found by search, and the practice's access log."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from portico.members.models import PlanProvider
from portico.organizations.models import Application, Membership
from portico.organizations.services import grant_set
from portico.referrals.models import Referral, ReferralStatus
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory
from tests.factories.patientinfo import pip_world
from tests.factories.referrals import referral_world, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _as(page: Any, base_url: str, user: Any) -> None:
    """Give the browser an MFA-verified session for ``user`` (tests.conftest.mfa_login)."""
    page.goto("about:blank")
    cookie = mfa_login(Client(), user).cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def test_pip_and_referrals_journey(page, live_server, axe_check, world):
    url = live_server.url
    pw = pip_world(world.practice_a, world.practice_b)
    rw = referral_world(world.practice_a)
    PlanProvider.objects.create(
        plan=pw.attributed.plan, provider=rw.specialist, plan_provider_id="JRNY1", network="in"
    )
    history = submit(
        rw,
        member_id=pw.attributed.member_id,
        date_of_birth=pw.attributed.date_of_birth,
        referring_npi=rw.pcp.npi,
    )
    doctor, admin = world.users["physician"], world.users["practice_admin"]
    other_region = UserFactory(username="doctor-r2")
    Membership.objects.create(user=other_region, organization=world.practice_a, role="clinician")
    grant_set(
        user=other_region,
        application=Application.PATIENT_INFO,
        organization=world.practice_a,
        scope={"regions": ["R2"], "roles": ["pcp"], "cap_report": False, "add_terms": False},
    )

    # --- A PCP finds the patient by member ID and sees the summary.
    _as(page, url, doctor)
    page.goto("/pip/")
    axe_check(page)
    page.get_by_role("textbox", name="Member ID").fill(pw.attributed.member_id)
    page.get_by_role("button", name="Find by member ID").click()
    expect(page.get_by_role("heading", name="1 patient found")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Whitfield, Dana").click()
    page.wait_for_url(f"**/pip/patients/{pw.attributed.pk}/")
    expect(page.get_by_role("heading", name="Referral history")).to_be_visible()
    expect(page.get_by_text(history.number)).to_be_visible()
    expect(page.get_by_text("Type 2 diabetes mellitus without complications")).to_be_visible()
    expect(page.get_by_text("Metformin hydrochloride")).to_be_visible()
    axe_check(page)
    page.get_by_label("Filled from").fill("2026-01-01")
    page.get_by_role("button", name="Filter by fill date").click()
    expect(page.get_by_text("Metformin hydrochloride")).to_be_visible()
    expect(page.get_by_text("Atorvastatin calcium")).to_have_count(0)
    page.get_by_role("link", name="Print-friendly view").click()
    axe_check(page)

    # --- … and by name and date of birth.
    page.goto("/pip/")
    page.get_by_label("Last name").fill("whitfield")
    page.get_by_role("textbox", name="Date of birth").fill("1961-03-04")
    page.get_by_role("button", name="Find by name and date of birth").click()
    expect(page.get_by_role("link", name="Whitfield, Dana")).to_be_visible()
    axe_check(page)

    # --- The Cap Report downloads as CSV.
    page.get_by_role("link", name="Cap Report").first.click()
    page.wait_for_url("**/pip/cap-report/")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV (member detail)").click()
    assert download.value.suggested_filename.startswith("cap-report-")
    assert pw.attributed.member_id in Path(download.value.path()).read_text()

    # --- A user of another region gets "not found" for the same member.
    _as(page, url, other_region)
    page.goto("/pip/")
    page.get_by_role("textbox", name="Member ID").fill(pw.attributed.member_id)
    page.get_by_role("button", name="Find by member ID").click()
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert "Whitfield" not in page.content()
    axe_check(page)

    # --- Referrals: one approved automatically, one to staff review, both found by search.
    _as(page, url, doctor)
    today = timezone.localdate()
    numbers = []
    for visits in ("3", "10"):
        page.goto("/referrals/new/")
        axe_check(page)
        page.get_by_label("Member ID").fill(rw.member.member_id)
        page.get_by_label("Member's date of birth").fill(rw.member.date_of_birth.isoformat())
        page.get_by_label("Referring PCP").select_option(rw.pcp.npi)
        page.get_by_label("Specialist or facility NPI").fill(rw.specialist.npi)
        page.get_by_label("Reason for the referral").fill("Low back pain for 8 weeks")
        page.get_by_label("Diagnosis codes (ICD-10-CM)").fill("M54.50")
        page.get_by_label("Visits requested").fill(visits)
        page.locator("#id_start_date").fill(today.isoformat())
        page.locator("#id_end_date").fill((today + dt.timedelta(days=60)).isoformat())
        page.get_by_role("button", name="Submit referral").click()
        page.wait_for_url("**/referrals/RF*/")
        numbers.append(page.url.rstrip("/").rsplit("/", 1)[-1])
        axe_check(page)
    expect(page.get_by_text("pending review by the plan")).to_be_visible()
    page.goto("/referrals/")
    page.get_by_label("Member ID").fill(rw.member.member_id)
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url(f"{url}/referrals/")
    for number in numbers:
        expect(page.get_by_role("link", name=number)).to_be_visible()
    assert rw.member.member_id not in page.url
    axe_check(page)

    # --- The reviewer's queue; the practice administrator's access log.
    _as(page, url, world.users["um_reviewer"])
    page.goto("/referrals/staff/")
    expect(page.get_by_role("link", name=numbers[1])).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=numbers[1]).click()
    axe_check(page)
    _as(page, url, admin)
    page.goto("/pip/access-log/")
    expect(page.get_by_role("heading", name="Patient access log")).to_be_visible()
    assert page.get_by_text("looked up a patient (by member ID)").count() >= 1
    assert page.get_by_text("looked up a patient (by name and date of birth)").count() >= 1
    assert page.get_by_text("viewed a patient summary").count() >= 1
    axe_check(page)
    page.goto("about:blank")
    statuses = dict(Referral.objects.filter(number__in=numbers).values_list("number", "status"))
    assert statuses == {
        numbers[0]: ReferralStatus.APPROVED,
        numbers[1]: ReferralStatus.PENDING_REVIEW,
    }
