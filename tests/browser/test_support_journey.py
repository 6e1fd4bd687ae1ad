"""The direct customer's journey through the support portal, in Chromium, axe on every page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from portico.core.models import OutboxMessage
from portico.identity.roles import StaffRole
from portico.organizations.models import Application, Organization, OrganizationTIN
from portico.organizations.services import grant_set
from portico.support.models import Case, CaseAttachment, CustomerUser
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def direct_customer(db: Any) -> Any:
    org = Organization.objects.create(
        name="Empire Claims Billing", kind=Organization.Kind.DIRECT_CUSTOMER
    )
    OrganizationTIN.objects.create(organization=org, tin="000123456")
    user = UserFactory(username="sam.okafor", email="sam.okafor@example.org")
    grant_set(user=user, application=Application.SUPPORT, organization=org, scope={})
    CustomerUser.objects.create(
        organization=org, first_name="Sam", last_name="Okafor", user_id="ZCS00001"
    )
    return user


@pytest.fixture
def agent(db: Any) -> Any:
    user = UserFactory(username="riley.agent", first_name="Riley", last_name="Park", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=StaffRole.SUPPORT_AGENT)[0])
    return user


def _park(*pages: Any) -> None:
    """Leave the site in every open page before the test thread touches the database.

    The live server shares the in-memory SQLite connection with the test thread, so a page
    polling the server (the session-timeout script) while the test runs ORM queries can
    break the shared connection's transaction state.
    """
    for p in pages:
        p.goto("about:blank")


def _use_mfa_session(context: Any, base_url: str, user: Any) -> None:
    """Give the browser an MFA-verified session (tests.conftest.mfa_login) for ``user``."""
    _park(*context.pages)
    client = mfa_login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.clear_cookies()
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def _wait_for_animations(page: Any) -> None:
    """Let the modal's fade-in finish before axe measures colour contrast."""
    for _ in range(100):
        if page.evaluate("() => document.getAnimations().every(a => a.playState !== 'running')"):
            return
        page.wait_for_timeout(50)


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    """Sign in through the real Portico ID form; if the MFA gate then stops the user (the
    test user has no authenticator), continue with an MFA-verified session instead."""
    page.fill("input[name='login']", user.username)
    page.fill("input[name='password']", PASSWORD)
    with page.expect_navigation():
        page.locator("form:has(input[name='password']) [type='submit']").first.click()
    page.wait_for_load_state()
    assert "/id/login/" not in page.url, "the Portico ID sign-in form did not accept the user"
    page.goto("/support/customer/login/")
    if not page.url.startswith(f"{live_server.url}/support/customer/login/"):
        _use_mfa_session(page.context, live_server.url, user)
        page.goto("/support/customer/login/")
    assert page.url.startswith(f"{live_server.url}/support/customer/login/")


def test_direct_customer_journey(page, browser, live_server, axe_check, direct_customer, agent):
    # Direct Customers → Portico ID sign-in.
    page.goto("/support/")
    axe_check(page)
    page.get_by_role("link", name="Direct Customers").click()
    page.wait_for_url("**/id/login/**")
    _sign_in(page, live_server, direct_customer)
    axe_check(page)

    # A wrong PFI gives the document's message with "Okay", which returns to the form with
    # what was typed (no reload) and the focus in its first field.
    page.get_by_label("First Name").fill("Sam")
    page.get_by_label("Last Name").fill("Okafor")
    page.get_by_label("User ID").fill("ZCS00001")
    page.get_by_label("PFI").fill("654321")
    page.get_by_role("button", name="Log In").click()
    # USWDS moves the modal into a role="dialog" wrapper (which itself has no box).
    dialog = page.locator("[role='dialog'][aria-modal='true'] .usa-modal")
    dialog.wait_for(state="visible")
    _wait_for_animations(page)
    assert "The customer log in information is incorrect" in dialog.inner_text()
    # The button that opens the modal is for the script only: not shown behind it.
    expect(page.locator("[data-support-autoopen]")).to_be_hidden()
    expect(page.get_by_role("button", name="Show the log in error")).to_have_count(0)
    okay = dialog.get_by_role("link", name="Okay")
    expect(okay).to_be_focused()
    axe_check(page)
    login_page = page.url
    page.evaluate("() => { window.__samePage = true; }")  # gone if the page reloads
    page.keyboard.press("Enter")
    expect(page.locator("[role='dialog'].is-visible")).to_have_count(0)
    expect(page.get_by_label("First Name")).to_be_focused()
    assert page.evaluate("() => window.__samePage === true") and page.url == login_page
    assert page.get_by_label("First Name").input_value() == "Sam"
    assert page.get_by_label("Last Name").input_value() == "Okafor"
    assert page.get_by_label("User ID").input_value() == "ZCS00001"
    assert page.get_by_label("PFI").input_value() == "654321"
    axe_check(page)

    # The right PFI (the rest is still there), 6 digits that are padded to 000123456.
    page.get_by_label("PFI").fill("123456")
    page.get_by_label("Type of case to create").select_option("claim")
    page.get_by_role("button", name="Log In").click()
    page.wait_for_url("**/support/cases/new/?type=claim")
    axe_check(page)

    # Show Details reveals the User ID next to the customer's name.
    details = page.locator("#customer-details")
    expect(details).not_to_be_visible()
    page.get_by_role("button", name="Show Details").click()
    expect(details).to_be_visible()
    expect(details).to_contain_text("ZCS00001")
    expect(details).to_contain_text("000123456")

    # Create Case → Claim.
    assert page.get_by_label("ECT Number").is_disabled()
    assert page.get_by_label("Payer ID").input_value() == "NYSPARCS"
    page.get_by_label("Patient Name").fill("Pat Doe")
    page.get_by_label("Member ID").fill("NYS0001234")
    page.get_by_label("Date of Service", exact=True).fill("2026-01-05")
    page.get_by_label("Billed Amount").fill("1250.00")
    page.get_by_label("Date Submitted").fill("2026-01-10")
    page.get_by_label("Patient Account Number").fill("EMP-0042")
    page.get_by_label("Subject").fill("Claim rejected as a duplicate")
    page.get_by_label("Description").fill("The corrected claim was rejected.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/support/cases/CS-*/")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_text(f"Your case {number} was created")).to_be_visible()
    expect(page.get_by_text("$1,250.00", exact=True)).to_be_visible()
    axe_check(page)

    # Search and Comment: My Cases, then by case number.
    page.get_by_role("link", name="Search and Comment").first.click()
    page.wait_for_url("**/support/cases/")
    axe_check(page)
    page.locator("label.usa-radio__label", has_text="My Cases").click()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/support/cases/?scope=mine*")
    expect(page.get_by_role("heading", name="My Cases")).to_be_visible()
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    page.locator("label.usa-radio__label", has_text="Case Number").click()
    page.locator("input[name='number']").fill(number)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/support/cases/?scope=number*")
    expect(page.get_by_role("heading", name=f"Case {number}")).to_be_visible()
    expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    # The guide's colours: the yellow Comment action and the brown Attach action.
    actions = page.get_by_role("row").filter(has_text=number)
    comment = actions.get_by_role("link", name=f"Comment on case {number}")
    attach = actions.get_by_role("link", name=f"Attach files to case {number}")
    expect(comment).to_have_css("background-color", "rgb(255, 190, 46)")
    expect(attach).to_have_css("background-color", "rgb(119, 85, 64)")
    axe_check(page)
    page.get_by_role("link", name=number, exact=True).click()
    page.wait_for_url(f"**/support/cases/{number}/")

    # Comment.
    page.get_by_role("link", name="Comment", exact=True).click()
    page.wait_for_url("**/comment/")
    axe_check(page)
    page.get_by_label("Comment").fill("The original claim was CS ref 42.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The original claim was CS ref 42.")).to_be_visible()

    # Attach a PDF.
    page.get_by_role("link", name="Attach", exact=True).click()
    page.wait_for_url("**/attach/")
    axe_check(page)
    expect(page.get_by_text("Upload Files").first).to_be_visible()
    page.locator("input[type='file'][name='file']").set_input_files(
        files=[{"name": "277ca.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="277ca.pdf")).to_be_visible()
    axe_check(page)

    # An agent replies from the console (and writes an internal note).
    case_url = page.url
    _park(page)
    agent_context = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        agent_page = agent_context.new_page()
        agent_page.set_default_timeout(10_000)
        _use_mfa_session(agent_context, live_server.url, agent)
        agent_page.goto("/support/staff/")
        axe_check(agent_page)
        agent_page.get_by_role("link", name=number).click()
        agent_page.wait_for_url(f"**/support/staff/cases/{number}/")
        axe_check(agent_page)
        agent_page.get_by_role("textbox", name="Message").fill(
            "Please resubmit with frequency code 7."
        )
        agent_page.locator("label.usa-radio__label", has_text="Reply to the customer").click()
        agent_page.get_by_role("button", name="Save").click()
        expect(agent_page.get_by_text("Your reply was saved")).to_be_visible()
        agent_page.get_by_role("textbox", name="Message").fill("SECRET internal remark")
        agent_page.locator("label.usa-radio__label", has_text="Internal note").click()
        agent_page.get_by_role("button", name="Save").click()
        expect(agent_page.get_by_text("The internal note was saved")).to_be_visible()
        # The status change's note says that the customer reads it.
        note = agent_page.get_by_label("Note to the customer (optional)")
        expect(note).to_be_visible()
        expect(note).to_have_accessible_description(
            re.compile(r"^Shown to the customer on their case")
        )
        agent_page.get_by_label("New status").select_option("waiting")
        note.fill("Waiting for your corrected 837.")
        agent_page.get_by_role("button", name="Change status").click()
        expect(agent_page.get_by_text("Waiting for your corrected 837.")).to_be_visible()
        axe_check(agent_page)
    finally:
        agent_context.close()

    # The customer sees the reply (not the note), and the email is in the outbox.
    page.goto(case_url)
    expect(page.get_by_text("Please resubmit with frequency code 7.")).to_be_visible()
    expect(page.get_by_text("Waiting for your corrected 837.")).to_be_visible()
    assert "SECRET internal remark" not in page.content()
    axe_check(page)
    _park(page)
    case = Case.objects.get(number=number)
    assert case.customer.portico_user == direct_customer
    assert CaseAttachment.objects.filter(case=case, file_name="277ca.pdf").exists()
    subjects = set(
        OutboxMessage.objects.filter(to=direct_customer.email).values_list("subject", flat=True)
    )
    assert f"Case {number} was created" in subjects
    assert f"Case {number}: Customer Support replied" in subjects


def test_contact_page(page, axe_check, db):
    page.goto("/support/contact/")
    expect(page.get_by_role("heading", name="Contacting Customer Support")).to_be_visible()
    expect(page.get_by_text("8am – 7pm Eastern")).to_be_visible()
    expect(page.get_by_role("link", name="1-800-555-0148")).to_be_visible()
    axe_check(page)


def test_login_error_and_details_work_without_javascript(browser, live_server, direct_customer):
    # axe-core needs JavaScript; these pages are checked with it in the journey above.
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        _use_mfa_session(context, live_server.url, direct_customer)
        page.goto("/support/customer/login/")
        page.get_by_label("First Name").fill("Sam")
        page.get_by_label("Last Name").fill("Okafor")
        page.get_by_label("User ID").fill("ZCS00001")
        page.get_by_label("PFI").fill("1")
        page.get_by_role("button", name="Log In").click()
        expect(page.get_by_text("The customer log in information is incorrect")).to_be_visible()
        # The script's opener stays hidden; "Okay" goes to the first field, on the same page,
        # which still holds what was typed.
        expect(page.locator("[data-support-autoopen]")).to_be_hidden()
        page.get_by_role("link", name="Okay").click()
        page.wait_for_url("**/support/customer/login/#id_first_name")
        assert page.get_by_label("First Name").input_value() == "Sam"
        assert page.get_by_label("Last Name").input_value() == "Okafor"
        assert page.get_by_label("User ID").input_value() == "ZCS00001"
        page.get_by_label("PFI").fill("123456")
        page.get_by_role("button", name="Log In").click()
        page.wait_for_url("**/support/cases/new/?type=claim")
        # Without JavaScript the details are simply shown and the toggle is not offered.
        expect(page.locator("#customer-details")).to_be_visible()
        assert "ZCS00001" in page.locator("#customer-details").inner_text()
        expect(page.locator("[data-customer-details-toggle]")).to_be_hidden()
    finally:
        context.close()
