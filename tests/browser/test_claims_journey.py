"""Issue #5's acceptance journey in Chromium, axe-core on every page: a claims user submits a
claim on the web form and sees it Received; the examiner adjudicates it (Finalized paid) and
runs payments; the user opens the EOB, the EOB PDF, downloads the 835 and sees the
reconciliation totals match; files an appeal with an attachment; the examiner overturns it and
the claim is re-adjudicated (Adjusted). A user without "allow submit claims online" can view
claims but not submit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from portico.claims.models import AppealStatus, Claim, ClaimStatus
from portico.organizations.models import Application, ApplicationGrant
from tests.codes.factories import Icd10CodeFactory, PlaceOfServiceFactory
from tests.conftest import mfa_login
from tests.factories.claims import BILLING_NPI, RENDERING_NPI, plan_member
from tests.factories.remittance import fee_schedule, load_adjustment_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _as(page: Any, base_url: str, user: Any) -> None:
    page.goto("about:blank")
    cookie = mfa_login(Client(), user).cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def _visit(page: Any, axe_check: Any, url: str) -> None:
    page.goto(url)
    axe_check(page)


def test_claims_journey(page, live_server, axe_check, world, tmp_path):
    url = live_server.url
    Icd10CodeFactory(code="M5450", billable=True, fiscal_year=2026)
    PlaceOfServiceFactory(code="11", name="Office")
    plan_member()
    fee_schedule()
    load_adjustment_codes()
    clerk, examiner = world.users["billing_clerk"], world.users["claims_examiner"]
    dos = dt.date(2025, 3, 10).isoformat()

    # 1. The clerk submits a professional claim on the web form → Received.
    _as(page, url, clerk)
    _visit(page, axe_check, f"{url}/claims/new/?kind=professional")
    page.fill("[name=member_id]", "HM100000001")
    page.fill("[name=patient_first_name]", "Pat")
    page.fill("[name=patient_last_name]", "Doe")
    page.fill("[name=patient_dob]", "1980-02-03")
    page.fill("[name=patient_account_number]", "PA-JOURNEY-1")
    page.fill("[name=billing_npi]", BILLING_NPI)
    page.fill("[name=billing_name]", "Practice A")
    page.fill("[name=rendering_npi]", RENDERING_NPI)
    page.fill("[name=rendering_name]", "Ben Kildare")
    page.fill("[name=service_date_from]", dos)
    page.fill("[name=service_date_to]", dos)
    page.fill("[name=place_of_service]", "11")
    page.fill("[name=dx_1]", "M54.50")
    page.fill("[name=lines-0-service_date]", dos)
    page.fill("[name=lines-0-procedure_code]", "99213")
    page.fill("[name=lines-0-diagnosis_pointers]", "1")
    page.fill("[name=lines-0-units]", "1")
    page.fill("[name=lines-0-charge]", "100.00")
    page.fill("[name=total_charge]", "100.00")
    page.click("button[name=action][value=submit]")
    expect(page.get_by_text("Its status is Received")).to_be_visible()
    axe_check(page)
    claim = Claim.objects.get(patient_account_number="PA-JOURNEY-1")
    assert claim.status == ClaimStatus.RECEIVED

    # 2. The examiner finalizes it (pre-filled from the fee schedule) and runs payments.
    _as(page, url, examiner)
    _visit(page, axe_check, f"{url}/claims/staff/")
    page.get_by_role("link", name=claim.number).click()
    axe_check(page)
    page.get_by_role("button", name="Finalize").click()
    expect(page.locator("#claim-status")).to_have_text("Finalized – paid")
    _visit(page, axe_check, f"{url}/claims/payments/staff/runs/")
    page.get_by_role("button", name="Run payments").click()
    expect(page.get_by_text("1 payment(s), 1 claim(s)")).to_be_visible()
    axe_check(page)

    # 3. The clerk sees Finalized paid, the payment, its EOB (page + PDF), the 835 and the
    #    reconciliation.
    _as(page, url, clerk)
    _visit(page, axe_check, f"{url}/claims/c/{claim.number}/")
    expect(page.get_by_text("Finalized – paid").first).to_be_visible()
    _visit(page, axe_check, f"{url}/claims/payments/")
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Explanation of Benefits")
    axe_check(page)
    pdf = page.request.get(page.get_by_role("link", name="EOB (PDF)").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"
    with page.expect_download() as download:
        page.get_by_role("link", name="Download 835").click()
    path = tmp_path / "remit.835"
    download.value.save_as(path)
    assert path.read_text().startswith("ISA*") and claim.number in path.read_text()
    page.get_by_role("link", name="Reconciliation").click()
    expect(page.locator("#recon-status")).to_contain_text("Totals match")
    axe_check(page)

    # 4. The clerk files an appeal with an attachment.
    _visit(page, axe_check, f"{url}/claims/c/{claim.number}/appeal/")
    page.select_option("[name=reason]", "underpayment")
    page.fill("[name=explanation]", "The contract rate for 99213 is $100.")
    letter = tmp_path / "contract.pdf"
    letter.write_bytes(PDF)
    page.set_input_files("[name=documents]", str(letter))
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Appeal")
    axe_check(page)
    appeal = claim.appeals.get()

    # 5. The examiner overturns it: the claim is re-adjudicated (Adjusted).
    _as(page, url, examiner)
    _visit(page, axe_check, f"{url}/claims/staff/appeals/")
    page.get_by_role("link", name=appeal.number).click()
    axe_check(page)
    page.get_by_role("button", name="Start review").click()
    page.get_by_text("Overturned (re-adjudicate the claim)", exact=True).click()
    page.fill("[name=notes]", "The contract rate applies.")
    page.fill("[name=lines-0-allowed]", "100.00")
    page.get_by_role("button", name="Record decision and mail the letter").click()
    expect(page.locator("#appeal-status")).to_have_text("Overturned")
    axe_check(page)
    appeal.refresh_from_db()
    claim.refresh_from_db()
    assert appeal.status == AppealStatus.OVERTURNED
    assert claim.status == ClaimStatus.ADJUSTED

    # 6. A user without "allow submit claims online" can view but not submit.
    grant = ApplicationGrant.objects.get(user=clerk, application=Application.CLAIMS)
    grant.scope = {**grant.scope, "submit_claims": False}
    grant.save()
    _as(page, url, clerk)
    _visit(page, axe_check, f"{url}/claims/c/{claim.number}/")
    expect(page.get_by_text("Adjusted").first).to_be_visible()
    _visit(page, axe_check, f"{url}/claims/new/")
    expect(page.get_by_role("link", name="Submit a claim")).to_have_count(0)
    assert not page.locator("button[name=action][value=submit]").count()
