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
    # The total charge is not typed: it follows the line charges (claim_form.js).
    expect(page.get_by_label("Total charge ($)")).to_have_value("")
    page.fill("[name=lines-0-charge]", "60.00")
    expect(page.get_by_label("Total charge ($)")).to_have_value("60.00")
    page.fill("[name=lines-0-charge]", "100.00")
    expect(page.get_by_label("Total charge ($)")).to_have_value("100.00")
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
    expect(page.get_by_text("1 payment, 1 claim,")).to_be_visible()
    axe_check(page)

    # 3. The clerk sees Finalized paid, the payment, its EOB (page + PDF), the 835 and the
    #    reconciliation.
    _as(page, url, clerk)
    _visit(page, axe_check, f"{url}/claims/c/{claim.number}/")
    expect(page.get_by_text("Finalized – paid").first).to_be_visible()
    _visit(page, axe_check, f"{url}/claims/payments/")
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Explanation of Benefits")
    lines = page.get_by_role("table").first
    expect(lines).to_contain_text("03/10/2025")  # the portal's dates, not 2025-03-10
    expect(lines).to_contain_text("$100.00")
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


def test_837_upload_answers_with_the_999_and_the_277ca(
    page, live_server, axe_check, world, tmp_path, settings
):
    """A clerk uploads an 837P with a bad claim among good ones: the file page shows the 999
    and the 277CA, and the 277CA downloads whole, with each accepted claim's number."""
    from portico.claims.models import ClaimSubmissionFile, SubmissionStatus
    from portico.x12.models837 import Party
    from portico.x12.writer import Envelope
    from portico.x12.writer837 import build_837
    from tests.factories.claims import practice_a_x12_claims

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker's processing runs within the upload
    url = live_server.url
    Icd10CodeFactory(code="M5450", billable=True, fiscal_year=2026)
    Icd10CodeFactory(code="M54", billable=False, fiscal_year=2026)
    plan_member()
    envelope = Envelope(
        sender_id="SUBMITTER01",
        receiver_id="PORTICO",
        interchange_control_number=77,
        group_control_number=77,
        created=dt.datetime.now(),
    )
    upload = tmp_path / "batch.837"
    text = build_837(
        practice_a_x12_claims(3, bad=frozenset({1})),
        envelope,
        submitter=Party(
            "PRACTICE A BILLING", "SUBM01", contact_name="Pat", contact_phone="5555550100"
        ),
        receiver=Party("HARBOR", "PORTICO"),
    )
    upload.write_text(text)

    _as(page, url, world.users["billing_clerk"])
    _visit(page, axe_check, f"{url}/claims/files/")
    page.set_input_files("input[type=file]", str(upload))
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_role("heading", name="File batch.837")).to_be_visible()
    item = ClaimSubmissionFile.objects.get()
    assert item.status == SubmissionStatus.ACCEPTED_WITH_ERRORS
    expect(page.get_by_text("3 (2 accepted, 1 rejected)")).to_be_visible()
    expect(page.get_by_label("999 acknowledgment")).to_contain_text("AK9*A*1*1*1")
    expect(page.get_by_label("277CA acknowledgment")).to_contain_text("STC*A7:")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 277CA").click()
    ack = download.value.path().read_text()
    numbers = list(Claim.objects.values_list("number", flat=True))
    assert len(numbers) == 2 and all(f"REF*1K*{n}~" in ack for n in numbers)
    assert ack.startswith("ISA*") and ack.rstrip().endswith("~")
