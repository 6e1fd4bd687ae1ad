"""Connect journey in the browser: Sign Me Up → sign in → choose a portal → access form →
PDF → sign in the browser (and the others through their emailed links) → staff approval →
routed after sign-in (axe on every page)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from portico.core.models import OutboxMessage
from portico.identity.roles import StaffRole
from portico.organizations.models import AccessRequest, ApplicationGrant
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Person:
    """A verified Portico ID with an authenticator app, signing in through the real forms."""

    def __init__(self, username: str, **fields: Any) -> None:
        self.user = UserFactory(username=username, **fields)
        self.secret = generate_totp_secret()
        TOTP.activate(self.user, self.secret)
        self.last_code = ""

    def code(self) -> str:
        while True:  # a code is accepted once: wait for the next 30-second window if needed
            value = format_hotp_value(hotp_value(self.secret, int(time.time()) // 30))
            if value != self.last_code:
                self.last_code = value
                return value
            time.sleep(1)

    def sign_in(self, page: Any, axe_check: Any) -> None:
        """On the sign-in page: password, then the authenticator code if asked."""
        page.wait_for_selector("input[name=login]")
        axe_check(page)
        page.fill("input[name=login]", self.user.username)
        page.fill("input[name=password]", PASSWORD)
        # Enter submits the form a moment after the key event: wait for that navigation, or
        # the check below would still see the sign-in page.
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
        page.wait_for_load_state()
        if page.locator("input[name=code]").count():
            axe_check(page)
            page.fill("input[name=code]", self.code())
            with page.expect_navigation():
                page.locator("input[name=code]").press("Enter")
            page.wait_for_load_state()


def check(page: Any, field_id: str) -> None:
    page.locator(f"label[for={field_id}]").click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


def approve_as_staff(
    browser: Any, base_url: str, staff: Person, reference: str, axe_check: Any
) -> None:
    context = browser.new_context(base_url=base_url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/connect/staff/requests/")
    staff.sign_in(page, axe_check)
    assert page.url.endswith("/connect/staff/requests/"), page.url
    axe_check(page)
    page.get_by_role("link", name=reference).click()
    heading = page.get_by_role("heading", name=f"Access request {reference}")
    heading.wait_for()  # the click navigates: wait for the request's page, then check it
    expect(heading).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Approved. The access is stored")).to_be_visible()
    axe_check(page)
    # The requester's portal access, one click away: what they now hold.
    page.get_by_role("link", name="Portal access", exact=False).first.click()
    expect(page.get_by_role("heading", name="Portals")).to_be_visible()
    expect(page.get_by_role("button", name="Remove access")).to_have_count(0)  # closed
    axe_check(page)
    context.close()


def pdf_text(path: str) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", path, "-"], capture_output=True, check=True, text=True
    )
    return " ".join(out.stdout.split())


def upload_signed_form(page: Any, path: str, axe_check: Any) -> None:
    """A form that others sign too: not offered for signing in the browser; the printed form,
    signed by everyone, is uploaded."""
    expect(page.get_by_role("button", name="Sign the access form")).to_have_count(0)
    expect(page.get_by_text("it must be signed by the people named on it")).to_be_visible()
    with open(path, "rb") as scan:  # the download's file has no extension: name it
        pdf = {"name": "signed-form.pdf", "mimeType": "application/pdf", "buffer": scan.read()}
    page.locator("#id_file").set_input_files(pdf)
    page.get_by_role("button", name="Upload signed form").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Your signed form was received")).to_be_visible()
    axe_check(page)


def outbox_link(to: str, fragment: str) -> str:
    """The path of the link containing ``fragment`` in the newest email to ``to``."""
    for _ in range(50):
        message = OutboxMessage.objects.filter(channel="email", to=to).order_by("-id").first()
        links = [link for link in (message.links if message else []) if fragment in link]
        if links:
            return "/" + links[0].split("://", 1)[-1].split("/", 1)[1]
        time.sleep(0.1)
    raise AssertionError(f"no {fragment} link emailed to {to}")


def esign_and_ask_the_others(
    page: Any, browser: Any, base_url: str, person: Person, axe_check: Any
) -> None:
    """The requester signs their line and the Authorizing Officer is emailed a link; the
    officer (no sign-in) signs through it in their own browser."""
    page.get_by_label("Type your full name").fill(person.user.get_full_name())
    check(page, "id_attest")
    page.get_by_role("button", name="Sign in the browser and ask the others by email").click()
    page.wait_for_load_state()
    expect(page.get_by_text("We emailed the others named on it")).to_be_visible()
    expect(page.get_by_role("button", name="Send the link again")).to_have_count(1)
    axe_check(page)

    context = browser.new_context(base_url=base_url, locale="en-US")
    officer = context.new_page()
    officer.set_default_timeout(10_000)
    officer.goto("/dev/outbox/?channel=email")
    axe_check(officer)
    officer.goto(outbox_link("dana.whitfield@bayside.example", "/connect/sign/"))
    expect(officer.get_by_role("heading", name="Sign access form")).to_be_visible()
    axe_check(officer)
    officer.get_by_label("Type your full name").fill("Someone Else")
    check(officer, "id_attest")
    officer.get_by_role("button", name="Sign the access form").click()
    officer.wait_for_load_state()
    expect(officer.get_by_text("Type your name as it is on the form").first).to_be_visible()
    axe_check(officer)
    officer.get_by_label("Type your full name").fill("Dana Whitfield")
    officer.get_by_role("button", name="Sign the access form").click()
    officer.wait_for_load_state()
    expect(officer.get_by_role("heading", name="your signature is recorded")).to_be_visible()
    axe_check(officer)
    context.close()

    page.reload()
    expect(page.get_by_text("Signed in the browser by all 2 signers").first).to_be_visible()
    axe_check(page)


def sign_in_browser(page: Any, person: Person, axe_check: Any) -> None:
    page.get_by_label("Type your full name").fill(person.user.get_full_name())
    check(page, "id_attest")
    page.get_by_role("button", name="Sign the access form").click()
    page.wait_for_load_state()
    expect(page.get_by_text("You signed the access form")).to_be_visible()
    axe_check(page)


def test_sign_me_up_to_approval_and_routing(page, browser, live_server, axe_check):
    person = Person("bayside.clerk", first_name="Casey", last_name="Morgan")
    staff = Person("access.staff", is_staff=True)
    staff.user.groups.add(Group.objects.get_or_create(name=StaffRole.ACCESS_ADMIN)[0])

    # Landing → Sign Me Up → "Validate with Portico ID" dialog.
    page.goto("/")
    axe_check(page)
    page.get_by_role("link", name="Sign Me Up").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Validate with Portico ID")).to_be_visible()
    axe_check(page)
    dialog.get_by_role("link", name="Portico ID", exact=True).click()

    # The real sign-in, then back on the landing page: "Which portal?".
    person.sign_in(page, axe_check)
    assert page.url.endswith("/connect/signup/choose/"), page.url
    chooser = page.get_by_role("dialog")
    chooser.get_by_role("heading", name="Which portal do you want to register for?").wait_for()
    axe_check(page)
    chooser.get_by_role("link", name="Claims Online Portal").click()

    # The Claims Online Portal access form, Portico ID filled in and read-only.
    expect(page.get_by_role("heading", name="Claims Online Portal access form")).to_be_visible()
    assert page.get_by_label("Portico ID").input_value() == "bayside.clerk"
    assert page.get_by_label("Portico ID").is_disabled()
    axe_check(page)
    values = {
        "id_contact_name": "Casey Morgan",
        "id_contact_phone": "(212) 555-0142",
        "id_practice_name": "Bayside Pediatrics",
        "id_tins": "12-3456789, 987-65-4321",
        "id_address": "400 Harbor Road",
        "id_suite": "Suite 210",
        "id_city": "Lakeport",
        "id_zip": "10990",
        "id_telephone": "(212) 555-0150",
        "id_front_office_email": "frontdesk@bayside.example",
        "id_fax": "(212) 555-0151",
        "id_officer_first_name": "Dana",
        "id_officer_last_name": "Whitfield",
        "id_officer_email": "dana.whitfield@bayside.example",
        "id_officer_title": "Office Manager",
        "id_user_title": "Billing Specialist",
    }  # the User section's email and login user ID are pre-filled: the person is the user
    check(page, "id_request_type_0")
    for field_id, value in values.items():
        page.fill(f"#{field_id}", value)
    page.select_option("#id_state", "NY")
    check(page, "id_submit_claims_0")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()

    request = AccessRequest.objects.get(requester=person.user)
    expect(page.get_by_role("heading", name=f"Access request {request.reference}")).to_be_visible()
    expect(page.get_by_text("(310) 555-0117").first).to_be_visible()
    axe_check(page)

    # "Print Portal Access Form": a real PDF with every value.
    with page.expect_download() as download:
        page.get_by_role("link", name="Print Portal Access Form").click()
    text = pdf_text(download.value.path())
    for value in [
        request.reference,
        "bayside.clerk",
        "New Request",
        "NY",
        "Casey Morgan",
        "Yes",
        "Signature",
        "Date",
        *values.values(),
    ]:
        assert value in text, value

    # The Authorizing Officer signs too: the requester signs in the browser and the officer
    # through the link emailed to them, then the access administrator approves.
    esign_and_ask_the_others(page, browser, live_server.url, person, axe_check)
    approve_as_staff(browser, live_server.url, staff, request.reference, axe_check)
    assert ApplicationGrant.objects.filter(
        user=person.user, application="claims", is_active=True
    ).exists()

    # Signing in again lands straight in the Claims Online Portal.
    sign_out(page)
    axe_check(page)
    page.get_by_role("link", name="Log in with Portico ID").click()
    person.sign_in(page, axe_check)
    assert page.url.endswith("/claims/"), page.url
    expect(page.get_by_role("heading", name="Claims Home", level=1)).to_be_visible()
    axe_check(page)

    # A Physician Info Portal request for the same user.
    page.goto("/")
    page.get_by_role("link", name="Sign Me Up").click()
    page.get_by_role("dialog").get_by_role("link", name="Physician Info Portal").click()
    expect(
        page.get_by_role("heading", name="Physician Information Portal access form")
    ).to_be_visible()
    axe_check(page)
    page.fill("#id_physician_name", "Dr. Robin Hartwell")
    page.fill("#id_address", "400 Harbor Road")
    page.fill("#id_city", "Lakeport")
    page.fill("#id_zip", "10990")
    page.fill("#id_telephone", "(212) 555-0160")
    page.fill("#id_practice_name", "Bayside Pediatrics")
    check(page, "id_regions_0")
    check(page, "id_roles_0")  # Staff and PCP: select all that apply
    check(page, "id_roles_1")
    check(page, "id_actions_0")
    page.fill("#id_rows-0-name", "Casey Morgan")
    page.fill("#id_rows-0-npi", "1234567893")
    check(page, "id_rows-0-cap_report_0")
    check(page, "id_hipaa_acknowledged")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    pip = AccessRequest.objects.get(requester=person.user, application="patientinfo")
    assert pip.data["roles"] == ["staff", "pcp"]
    expect(page.get_by_role("heading", name=f"Access request {pip.reference}")).to_be_visible()
    axe_check(page)
    with page.expect_download() as pip_download:
        page.get_by_role("link", name="Print Portal Access Form").click()
    upload_signed_form(page, pip_download.value.path(), axe_check)
    page.goto("/")
    expect(page.get_by_text(pip.reference)).to_be_visible()  # status on the landing page
    axe_check(page)
    approve_as_staff(browser, live_server.url, staff, pip.reference, axe_check)

    # Now sign-in shows the chooser with both applications.
    sign_out(page)
    page.get_by_role("link", name="Log in with Portico ID").click()
    person.sign_in(page, axe_check)
    assert page.url.endswith("/connect/home/"), page.url
    expect(page.get_by_role("heading", name="Choose an application")).to_be_visible()
    expect(page.get_by_role("link", name="Open Claims Online Portal")).to_be_visible()
    expect(page.get_by_role("link", name="Open Physician Info Portal")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Open Physician Info Portal").click()
    assert page.url.endswith("/pip/"), page.url
    scope = page.get_by_text("You can see patients of").inner_text()  # the granted scope
    assert "region R1" in scope, scope
    axe_check(page)


def test_sign_me_up_for_support_to_the_customer_log_in(page, browser, live_server, axe_check):
    """A direct customer's new user: Support Cases refuses them and points to the Support access
    form; Sign Me Up → Support → form → sign → approval → the customer log in lets them in."""
    from portico.organizations.models import Organization, OrganizationTIN
    from portico.support.models import CustomerUser

    org = Organization.objects.create(
        name="Empire Test Billing", kind=Organization.Kind.DIRECT_CUSTOMER
    )
    OrganizationTIN.objects.create(organization=org, tin="000123456")
    CustomerUser.objects.create(
        organization=org, first_name="Sam", last_name="Okafor", user_id="ZCS00001"
    )
    person = Person("empire.sam", first_name="Sam", last_name="Okafor")
    staff = Person("access.staff2", is_staff=True)
    staff.user.groups.add(Group.objects.get_or_create(name=StaffRole.ACCESS_ADMIN)[0])

    page.goto("/support/customer/login/")
    person.sign_in(page, axe_check)
    expect(page.get_by_role("heading", name="Support access needed")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Support access form").click()
    expect(
        page.get_by_role("heading", name="Support access form (direct customers)")
    ).to_be_visible()
    axe_check(page)
    page.fill("#id_company_name", "Empire Test Billing")
    page.fill("#id_pfi", "123456")
    page.fill("#id_user_id", "zcs00001")
    page.fill("#id_title", "Billing lead")
    page.fill("#id_phone", "(212) 555-0188")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Confirm that you work for this company").first).to_be_visible()
    axe_check(page)
    check(page, "id_attest")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_load_state()
    request = AccessRequest.objects.get(requester=person.user, application="support")
    expect(page.get_by_role("heading", name=f"Access request {request.reference}")).to_be_visible()
    expect(page.get_by_text("000123456").first).to_be_visible()  # the padded PFI
    axe_check(page)
    sign_in_browser(page, person, axe_check)
    approve_as_staff(browser, live_server.url, staff, request.reference, axe_check)

    page.goto("/support/customer/login/")
    page.fill("#id_first_name", "Sam")
    page.fill("#id_last_name", "Okafor")
    page.fill("#id_user_id", "ZCS00001")
    page.fill("#id_pfi", "123456")
    page.get_by_role("button", name="Log In").click()
    page.wait_for_load_state()
    assert "/support/customer/login/" not in page.url, page.url
    assert CustomerUser.objects.get(user_id="ZCS00001").portico_user == person.user
    axe_check(page)
