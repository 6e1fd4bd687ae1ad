"""Prior authorization, as a new office user would: connect a provider by NPI, submit with an
attachment, watch the status change on the open page while a reviewer sends back and then
partially approves, read the letter, and see the two-year limit. axe on every page."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client

from portico.documents.models import Document
from portico.members.models import PlanProvider
from portico.organizations.models import OrganizationProvider
from portico.priorauth.models import LegacyCase, Status
from tests.conftest import mfa_login
from tests.factories.priorauth import make_pa_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _session(context: Any, base_url: str, user: Any) -> None:
    client = mfa_login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def test_priorauth_journey(page, browser, live_server, axe_check, world):
    pa = make_pa_world(world)
    OrganizationProvider.objects.filter(provider=pa.provider_a).delete()  # not yet connected
    PlanProvider.objects.create(
        plan=pa.plan,
        provider=pa.provider_a,
        plan_provider_id="HFX000001",
        access_secret=make_password("Provider-Pass-1"),
    )
    LegacyCase.objects.create(
        plan=pa.plan,
        organization=world.practice_a,
        legacy_reference="ON-2026-000101",
        member_id=pa.member.member_id,
        member_name="Dana Whitfield",
        status=Status.APPROVED,
        submitted_on=dt.date(2026, 4, 2),
    )
    admin = world.users["practice_admin"]
    _session(page.context, live_server.url, admin)

    # Manage Providers: connect the provider by NPI (with the plan's Provider password).
    page.goto(f"/connect/practice/{world.practice_a.pk}/providers/")
    axe_check(page)
    page.get_by_role("combobox", name="Health plan").select_option(str(pa.plan.pk))
    page.get_by_label("NPI", exact=True).fill(pa.provider_a.npi)
    page.get_by_label("Provider ID", exact=True).fill("HFX000001")
    page.get_by_label("Provider password (optional)").fill("Provider-Pass-1")
    page.get_by_role("button", name="Connect provider").click()
    page.wait_for_load_state()
    assert "is now connected" in page.content()

    # The portal home, the not-required look-up and the legacy cases.
    page.goto("/priorauth/")
    axe_check(page)
    page.goto("/priorauth/required/")
    page.get_by_role("combobox", name="Health plan").select_option(str(pa.plan.pk))
    page.get_by_label("Procedure code (CPT or HCPCS)").fill("97110")
    page.get_by_role("button", name="Check").click()
    page.get_by_text("Submission not required").first.wait_for()
    axe_check(page)
    page.goto("/priorauth/legacy/")
    assert "ON-2026-000101" in page.content() and "Legacy" in page.content()
    axe_check(page)

    # New request → step 1 → the guided form with an attachment.
    page.goto("/priorauth/requests/new/")
    axe_check(page)
    page.get_by_role("combobox", name="Health plan").select_option(str(pa.plan.pk))
    page.get_by_label("Service category").select_option("spine-surgery")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_label("Member ID").fill(pa.member.member_id)
    page.get_by_label("Member's date of birth").fill("1968-03-14")
    page.get_by_label("Date of service").fill(pa.service_date.isoformat())
    page.get_by_label("Requesting provider").select_option(pa.provider_a.npi)
    page.locator("#id_lines-0-code").fill("63047")
    page.locator("#id_lines-0-units").fill("1")
    page.locator("#id_lines-0-start_date").fill(pa.service_date.isoformat())
    page.locator("#id_lines-1-code").fill("22612")
    page.locator("#id_lines-1-units").fill("1")
    page.locator("#id_lines-1-start_date").fill(pa.service_date.isoformat())
    page.get_by_label("Diagnosis codes (ICD-10-CM)").fill("M54.50")
    page.locator("label[for='id_q_conservative_therapy_0']").click()
    page.get_by_label("For how many weeks?").fill("8")
    page.get_by_label("Imaging done (type and date) and findings").fill("MRI: L4-5 stenosis")
    page.locator("label[for='id_q_neuro_deficit_1']").click()
    with tempfile.TemporaryDirectory() as tmp:
        notes = Path(tmp) / "office-notes.pdf"
        notes.write_bytes(PDF)
        page.locator("input[name='attachments']").set_input_files(str(notes))
        page.get_by_role("button", name="Submit request").click()
        page.wait_for_url("**/priorauth/requests/PA*/")
    axe_check(page)
    status = page.locator("#pa-status .portico-status--big")
    assert status.inner_text() == "Received"
    reference = page.url.rstrip("/").split("/")[-1]

    # The reviewer, in a second browser, sends it back while the office page stays open.
    reviewer_context = browser.new_context(base_url=live_server.url, locale="en-US")
    review = reviewer_context.new_page()
    _session(reviewer_context, live_server.url, world.users["um_reviewer"])
    review.goto("/priorauth/staff/")
    axe_check(review)
    review.get_by_role("link", name=reference).click()
    review.wait_for_load_state()
    axe_check(review)
    review.get_by_role("button", name="Start review (In Review)").click()
    review.wait_for_load_state()
    review.get_by_label("What information is needed?").fill("Send the MRI report.")
    review.get_by_role("button", name="Send back").click()
    review.wait_for_load_state()
    review.get_by_role("heading", name="Deny for lack of information").wait_for()
    axe_check(review)
    status.filter(has_text="Send back").wait_for(timeout=5000)  # no reload: htmx polling
    # The same poll swaps the attach form for the answer form (before: only after a reload).
    answer = page.get_by_label("Your answer to the reviewer")
    answer.wait_for(timeout=5000)
    assert page.get_by_role("heading", name="Add clinical attachments").count() == 0
    axe_check(page)

    # The office answers and resubmits, in the form the poll brought.
    answer.fill("MRI report attached.")
    page.get_by_role("button", name="Resubmit").click()
    page.wait_for_load_state()
    axe_check(page)
    assert page.locator("#pa-status .portico-status--big").inner_text() == "In Review"
    page.locator("#pa-office-form input[type=file]").focus()  # the office is about to attach

    # The reviewer partially approves: line 1 approved, line 2 denied with criteria.
    review.reload()
    review.locator("label[for='id_decide-0-decision_0']").click()
    review.locator("label[for='id_decide-1-decision_1']").click()
    review.locator("#id_decide-1-deny_reason").fill("Fusion not medically necessary")
    review.locator("#id_decide-1-criteria").fill("Spine criteria 4.2")
    review.get_by_role("button", name="Record decision").click()
    review.wait_for_load_state()
    assert "Partially Approved" in review.content()
    page.locator("#pa-status .portico-status--big").filter(has_text="Partially Approved").wait_for(
        timeout=5000
    )
    # The services table shows each line's decision and the attach form is gone, without a
    # reload (before: "Not decided yet" and "Add clinical attachments" until the page was
    # reloaded).
    services = page.locator("#pa-services")
    services.filter(has_text="Denied: Fusion not medically necessary").wait_for(timeout=5000)
    assert "Not decided yet" not in services.inner_text()
    assert page.get_by_role("heading", name="Add clinical attachments").count() == 0
    assert page.locator("#pa-office-form form").count() == 0
    # The focus was in the attach form the poll removed: it goes to the page's main content,
    # not back to the start of the page.
    assert page.evaluate("document.activeElement.id") == "main-content"
    axe_check(page)
    reviewer_context.close()

    # The letter is a PDF naming the approved and the denied line.
    link = page.get_by_role("link", name=f"Initial Adverse Determination (Partial) - {reference}")
    with page.expect_download() as download_info:
        link.click()
    pdf_path = download_info.value.path()
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())  # table cells wrap
    assert "63047" in text and "Approved" in text
    assert "22612" in text and "Denied" in text and "Spine criteria 4.2" in text, text
    page.goto("/priorauth/letters/")
    axe_check(page)

    # Two years later the letter is no longer downloadable, and the portal says why.
    page.goto("about:blank")
    letter = Document.objects.get(kind="pa_adverse_partial")
    Document.objects.filter(pk=letter.pk).update(
        created_at=letter.created_at - dt.timedelta(days=731),
        available_until=letter.created_at - dt.timedelta(days=1),
    )
    page.goto(f"/documents/{letter.pk}/download/")
    assert "no longer available" in page.content()
    assert "two years" in page.content()
    axe_check(page)
