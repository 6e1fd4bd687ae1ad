import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from portico.core.models import AuditEvent
from portico.support.models import Actor, Case, CaseAttachment, CaseComment, CaseStatus
from portico.support.services import case_comment_add, case_status_change
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory
from tests.support.conftest import LOGIN, PDF_BYTES, customer_client, open_case

LOGIN_URL = "/support/customer/login/"


def _claim_post(**overrides):
    data = {
        "case_type": "claim",
        "payer_id": "NYSPARCS",
        "patient_name": "Pat Doe",
        "member_id": "AB12345",
        "service_date": "2026-01-05",
        "statement_from": "",
        "statement_to": "",
        "billed_amount": "1,250.00",
        "date_submitted": "2026-01-10",
        "patient_account_number": "PAT-0001",
        "subject": "Claim rejected",
        "description": "The claim was rejected with A7.",
    }
    data.update(overrides)
    return data


# --- public pages -----------------------------------------------------------------------


def test_home_offers_direct_customers_and_contact(client, db):
    html = client.get("/support/").content.decode()
    assert "Direct Customers" in html and LOGIN_URL in html and "/support/contact/" in html


def test_home_offers_each_signed_in_user_the_door_that_opens_for_them(sw):
    """The customer log-in answers 403 without a Support grant: a user without one is offered
    the access form instead, an agent the console; a user with a grant gets the log-in."""
    granted = mfa_login(Client(), sw.user).get("/support/").content.decode()
    assert LOGIN_URL in granted and "Request Support access" not in granted

    newcomer = mfa_login(Client(), UserFactory(username="no-grant-ned"))
    html = newcomer.get("/support/").content.decode()
    assert LOGIN_URL not in html
    assert "Request Support access" in html and "/connect/signup/support/" in html

    html = mfa_login(Client(), sw.agent).get("/support/").content.decode()
    assert LOGIN_URL not in html and "Request Support access" not in html
    assert "/support/staff/" in html  # the agents' console


def test_contact_page_shows_the_configured_contact(client, db, settings):
    html = client.get("/support/contact/").content.decode()
    assert "Contacting Customer Support" in html
    assert "8am – 7pm Eastern" in html and "1-800-555-0148" in html
    for item in ("Your Name", "PFI", "Company Name", "phone number or email address"):
        assert item in html
    assert "http://testserver/support/" in html  # the online ticketing portal
    settings.SUPPORT_CONTACT = {"phone": "1-800-555-0199", "portal_url": "https://help.example/"}
    html = client.get("/support/contact/").content.decode()
    assert "1-800-555-0199" in html and "https://help.example/" in html


# --- customer log-in --------------------------------------------------------------------


def test_login_requires_a_portico_id(client, db):
    response = client.get(LOGIN_URL)
    assert response.status_code == 302 and response["Location"].startswith("/id/login/")


def test_login_pads_the_pfi_links_and_goes_to_create_case(sw):
    client = mfa_login(Client(), sw.user)
    response = client.post(LOGIN_URL, LOGIN)
    assert response.status_code == 302 and response["Location"] == "/support/cases/new/?type=claim"
    sw.customer.refresh_from_db()
    assert sw.customer.portico_user == sw.user
    page = client.get(response["Location"]).content.decode()
    assert "Sam Okafor" in page and "ZCS00001" in page and "000123456" in page
    assert "Show Details" not in page or "hidden" in page  # the toggle is JS-only


def test_login_with_no_new_case_goes_to_search(sw):
    client = mfa_login(Client(), sw.user)
    response = client.post(LOGIN_URL, {**LOGIN, "case_type": "none"})
    assert response["Location"] == "/support/cases/"


def test_wrong_login_shows_the_error_with_okay_and_is_audited(sw):
    client = mfa_login(Client(), sw.user)
    response = client.post(LOGIN_URL, {**LOGIN, "pfi": "999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The customer log in information is incorrect. Click Okay and re-enter" in html
    assert ">Okay</a>" in html
    event = AuditEvent.objects.get(action="portico.support.customer_login_failed")
    assert event.ip_address == "127.0.0.1" and event.changes == {"reason": "pfi_mismatch"}
    assert "portico_support_customer" not in client.session


def test_wrong_login_keeps_what_was_typed_and_okay_does_not_reload_the_page(sw):
    """The guide: click Okay and re-enter the correct information. "Okay" must not reload
    the log-in page (which emptied all four fields): the form comes back with what was typed,
    and "Okay" goes to its first field, with or without JavaScript (support.js)."""
    client = mfa_login(Client(), sw.user)
    typed = {**LOGIN, "pfi": "654321", "case_type": "none"}
    html = client.post(LOGIN_URL, typed).content.decode()
    for name in ("first_name", "last_name", "user_id", "pfi"):
        field = re.search(rf'<input [^>]*name="{name}"[^>]*>', html)
        assert field is not None and f'value="{typed[name]}"' in field.group(0), name
    assert '<option value="none" selected>' in html
    okay = re.search(r"<a [^>]*>Okay</a>", html)
    assert okay is not None
    assert 'href="#id_first_name"' in okay.group(0) and LOGIN_URL not in okay.group(0)
    assert 'id="id_first_name"' in html
    # The modal's opener is for support.js only: hidden, and support.css (on the page's
    # body class) keeps a hidden .usa-button hidden.
    opener = re.search(r"<button [^>]*data-support-autoopen[^>]*>", html)
    assert opener is not None and " hidden " in opener.group(0)
    assert "/static/support/support.css" in html and '<body class="portico-support">' in html


def test_login_format_errors_are_field_errors(sw):
    client = mfa_login(Client(), sw.user)
    html = client.post(LOGIN_URL, {**LOGIN, "pfi": "12-34", "user_id": "ZC1"}).content.decode()
    assert "The PFI can contain digits only" in html
    assert "ZCS followed by 5 digits" in html
    assert not AuditEvent.objects.filter(action="portico.support.customer_login_failed").exists()


def test_login_is_throttled(sw, settings):
    settings.SUPPORT_LOGIN_MAX_FAILURES_PER_USER = 2
    client = mfa_login(Client(), sw.user)
    for _ in range(2):
        client.post(LOGIN_URL, {**LOGIN, "pfi": "1"})
    html = client.post(LOGIN_URL, LOGIN).content.decode()
    assert "Too many incorrect customer log in attempts" in html


def test_login_honours_a_safe_next_only(sw):
    client = mfa_login(Client(), sw.user)
    response = client.post(LOGIN_URL, {**LOGIN, "next": "https://evil.example/"})
    assert response["Location"] == "/support/cases/new/?type=claim"
    response = client.post(LOGIN_URL, {**LOGIN, "next": "/support/cases/"})
    assert response["Location"] == "/support/cases/"


def test_user_without_support_grant_gets_403(world, persona_client):
    assert persona_client("billing_clerk").get(LOGIN_URL).status_code == 403


def test_portal_pages_send_an_unverified_user_to_the_customer_login(sw):
    client = mfa_login(Client(), sw.user)
    response = client.get("/support/cases/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=%2Fsupport%2Fcases%2F"


def test_customer_logout_forgets_the_customer(sam):
    response = sam.post("/support/customer/logout/")
    assert response.status_code == 302
    assert sam.get("/support/cases/").status_code == 302


# --- Create Case -----------------------------------------------------------------------


def test_create_claim_case(sam, sw):
    page = sam.get("/support/cases/new/").content.decode()
    for text in [
        "Payer ID",
        "NYSPARCS",
        "Subscriber or Patient Name",
        "Plan’s member identifier",
        "Statement Dates or Date of Service",
        "Total Claim Charge Amount",
        "Date the transaction was submitted",
        "DO NOT USE",
        "Provider/Facility generated unique number",
        "High level description of the issue",
        "Brief description of the issue",
    ]:
        assert text in page, text
    assert 'name="ect_number"' in page and "disabled" in page
    response = sam.post("/support/cases/new/", _claim_post())
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/support/cases/{case.number}/"
    assert case.customer == sw.customer and str(case.billed_amount) == "1250.00"
    detail = sam.get(response["Location"]).content.decode()
    assert f"Your case {case.number} was created" in detail


def test_ect_number_is_refused(sam):
    html = sam.post("/support/cases/new/", _claim_post(ect_number="ECT123")).content.decode()
    assert "ECT Number is not used" in html
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"member_id": "AB 12"}, "member ID"),
        ({"billed_amount": "-3"}, "more than zero"),
        ({"billed_amount": "12.345"}, "two decimal places"),
        ({"billed_amount": "lots"}, "as a number"),
        ({"service_date": "2999-01-01"}, "can&#x27;t be in the future"),
        ({"service_date": ""}, "Enter the date of service, or both statement dates"),
        ({"service_date": "", "statement_from": "2026-01-02"}, "Enter both statement dates"),
        (
            {"service_date": "", "statement_from": "2026-01-09", "statement_to": "2026-01-02"},
            "before the",
        ),
        ({"date_submitted": "not a date"}, "Enter a valid date"),
        ({"subject": ""}, "Enter a subject."),
        ({"patient_name": ""}, "Enter the patient’s name."),
    ],
)
def test_create_case_bad_input_gets_a_clear_message_and_saves_nothing(sam, override, message):
    response = sam.post("/support/cases/new/", _claim_post(**override))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Case.objects.exists()


def test_create_case_says_which_claim_detail_is_missing(sam):
    """Before: every empty required field of a claim case said "This field is required."."""
    required = ("payer_id", "patient_name", "member_id", "billed_amount", "date_submitted")
    empty = dict.fromkeys((*required, "subject", "description"), "")
    response = sam.post("/support/cases/new/", _claim_post(**empty))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "payer_id": ["Enter the payer ID."],
        "patient_name": ["Enter the patient’s name."],
        "member_id": ["Enter the member ID."],
        "billed_amount": ["Enter the billed amount."],
        "date_submitted": ["Enter the date the claim was submitted."],
        "subject": ["Enter a subject."],
        "description": ["Enter a description of the issue."],
    }
    html = response.content.decode()
    assert "This field is required" not in html
    assert "Enter the member ID." in html
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "field", ["service_date", "statement_from", "statement_to", "date_submitted"]
)
def test_a_date_before_1900_is_refused_next_to_its_field(sam, field):
    """Before: the form let 0001-01-01 through and the service's "Enter dates in 1900 or
    later." showed only at the top of the page, naming no field."""
    values = {field: "0001-01-01"}
    if field.startswith("statement"):
        values = {"service_date": "", "statement_from": "2026-01-02", "statement_to": "2026-01-03"}
        values[field] = "0001-01-01"
    response = sam.post("/support/cases/new/", _claim_post(**values))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["Enter a date in 1900 or later."]
    assert not Case.objects.exists()


def test_create_case_form_sent_twice_opens_one_case(sam, sw, django_capture_on_commit_callbacks):
    """Before: a resent Create Case (Back and Save again, a retry) opened two cases and sent
    two confirmation emails."""
    page = sam.get("/support/cases/new/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = sam.post("/support/cases/new/", _claim_post(idempotency_key=key))
        second = sam.post("/support/cases/new/", _claim_post(idempotency_key=key))
    case = Case.objects.get()
    assert first["Location"] == second["Location"] == f"/support/cases/{case.number}/"
    assert len(callbacks) == 1  # one confirmation email
    assert sam.post("/support/cases/new/", _claim_post()).status_code == 302
    assert Case.objects.count() == 2  # a new form is a new case


def test_comment_form_sent_twice_saves_one_comment(sam, sw):
    case = open_case(sw.customer, sw.user)
    page = sam.get(f"/support/cases/{case.number}/comment/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    for _ in range(2):
        response = sam.post(
            f"/support/cases/{case.number}/comment/", {"body": "Same words", "idempotency_key": key}
        )
        assert response.status_code == 302
    assert CaseComment.objects.filter(case=case).count() == 1


def test_attach_form_sent_twice_attaches_the_files_once(sam, sw):
    """Before: a double click or a resent Attach form saved every file twice, and the case
    page listed each file twice."""
    case = open_case(sw.customer, sw.user)
    page = sam.get(f"/support/cases/{case.number}/attach/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    for _ in range(2):
        files = [SimpleUploadedFile(name, PDF_BYTES) for name in ("remit.pdf", "letter.pdf")]
        response = sam.post(
            f"/support/cases/{case.number}/attach/", {"file": files, "idempotency_key": key}
        )
        assert response.status_code == 302
    assert sorted(case.attachments.values_list("file_name", flat=True)) == [
        "letter.pdf",
        "remit.pdf",
    ]
    detail = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert detail.count("remit.pdf") == page.count("remit.pdf") + 1
    added = AuditEvent.objects.filter(action="portico.support.attachment_added")
    assert added.count() == 2


def test_a_comment_on_a_case_closed_meanwhile_keeps_the_text(sam, sw):
    """Before: the POST was redirected to the case page and the typed comment was lost."""
    case = open_case(sw.customer, sw.user)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    response = sam.post(f"/support/cases/{case.number}/comment/", {"body": "Long careful text"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This case was closed before your comment was saved." in html
    assert "Long careful text" in html
    assert not CaseComment.objects.filter(case=case).exists()
    assert sam.get(f"/support/cases/{case.number}/comment/").status_code == 302


def test_other_case_types_have_no_claim_fields(sam):
    page = sam.get("/support/cases/new/?type=general").content.decode()
    assert "General question" in page and "Member ID" not in page
    response = sam.post(
        "/support/cases/new/",
        {"case_type": "general", "subject": "Access", "description": "Question", "member_id": "X"},
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.case_type == "general" and case.member_id == ""


# --- Search and Comment ---------------------------------------------------------------


def test_search_all_mine_and_number(sam, sw):
    mine = open_case(sw.customer, sw.user, subject="Mine")
    theirs = open_case(sw.colleague, sw.colleague_user, subject="Colleague's")
    other = open_case(sw.other_customer, sw.other_user, subject="Other org")
    html = sam.get("/support/cases/").content.decode()
    assert mine.number in html and theirs.number in html and other.number not in html
    html = sam.get("/support/cases/?scope=mine").content.decode()
    assert mine.number in html and theirs.number not in html
    html = sam.get(f"/support/cases/?scope=number&number={theirs.number.lower()}").content.decode()
    assert theirs.number in html and mine.number not in html
    html = sam.get(f"/support/cases/?scope=number&number={other.number}").content.decode()
    assert "No cases found" in html
    html = sam.get("/support/cases/?scope=number&number=").content.decode()
    assert "Enter a case number" in html
    assert "New" in sam.get("/support/cases/").content.decode()  # status column


def test_search_is_paginated(sam, sw, settings):
    settings.SUPPORT_PAGE_SIZE = 2
    for i in range(3):
        open_case(sw.customer, sw.user, subject=f"Case {i}")
    first = sam.get("/support/cases/").content.decode()
    assert "Showing 1–2 of 3" in first and "page=2" in first
    assert "Case 0" in sam.get("/support/cases/?page=2").content.decode()


def test_another_customers_case_is_not_found(sam, sw):
    other = open_case(sw.other_customer, sw.other_user)
    for suffix in ("", "comment/", "attach/"):
        assert sam.get(f"/support/cases/{other.number}/{suffix}").status_code == 404
    assert sam.post(f"/support/cases/{other.number}/comment/", {"body": "x"}).status_code == 404
    assert sam.post(f"/support/cases/{other.number}/reopen/").status_code == 404
    assert not CaseComment.objects.exists()


def test_comment_and_attach(sam, sw):
    case = open_case(sw.customer, sw.user)
    detail = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert ">Comment</a>" in detail and ">Attach</a>" in detail
    response = sam.post(f"/support/cases/{case.number}/comment/", {"body": "More details here"})
    assert response.status_code == 302
    assert "Upload Files" in sam.get(f"/support/cases/{case.number}/attach/").content.decode()
    response = sam.post(
        f"/support/cases/{case.number}/attach/",
        {"file": SimpleUploadedFile("remit.pdf", PDF_BYTES, content_type="application/pdf")},
    )
    assert response.status_code == 302
    detail = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert "More details here" in detail and "remit.pdf" in detail
    row = CaseAttachment.objects.get()
    download = sam.get(f"/support/files/{row.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="remit.pdf"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert AuditEvent.objects.filter(action="portico.support.attachment_downloaded").exists()
    assert AuditEvent.objects.filter(action="portico.support.case_viewed").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", b"<html><body>x</body></html>", "can&#x27;t be attached"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "can&#x27;t be attached"),
        ("notes.txt", b"<script>alert(1)</script>", "not an allowed type"),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "its content is a PNG image"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_bad_attachments_are_refused_clearly(sam, sw, name, content, message):
    case = open_case(sw.customer, sw.user)
    response = sam.post(
        f"/support/cases/{case.number}/attach/", {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseAttachment.objects.exists()


def test_attachment_too_large(sam, sw, settings):
    settings.PORTICO_UPLOAD_MAX_BYTES = 100
    case = open_case(sw.customer, sw.user)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * 200)
    html = sam.post(f"/support/cases/{case.number}/attach/", {"file": big}).content.decode()
    assert "too large" in html


def test_internal_notes_never_reach_the_customer_html(sam, sw):
    case = open_case(sw.customer, sw.user)
    case_comment_add(
        case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="Customer-visible reply"
    )
    case_comment_add(
        case=case, actor=sw.agent, actor_kind=Actor.AGENT, body="SECRET-NOTE-42", is_internal=True
    )
    for url in (
        f"/support/cases/{case.number}/",
        "/support/cases/",
        f"/support/cases/{case.number}/comment/",
    ):
        html = sam.get(url).content.decode()
        assert "SECRET-NOTE-42" not in html and "Internal note" not in html
    assert "Customer-visible reply" in sam.get(f"/support/cases/{case.number}/").content.decode()


def test_waiting_case_comment_moves_back_to_working(sam, sw):
    case = open_case(sw.customer, sw.user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.WAITING)
    sam.post(f"/support/cases/{case.number}/comment/", {"body": "Here you go"})
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING


def test_closed_case_reopen_window(sam, sw):
    case = open_case(sw.customer, sw.user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.CLOSED)
    html = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert "Reopen case" in html and ">Comment</a>" not in html
    assert sam.get(f"/support/cases/{case.number}/comment/").status_code == 302
    sam.post(f"/support/cases/{case.number}/reopen/")
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.CLOSED)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=20))
    html = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert "Reopen case" not in html and "create a new case" in html
    response = sam.post(f"/support/cases/{case.number}/reopen/", follow=True)
    assert "can be reopened for 14 days" in response.content.decode()


def test_reopen_sent_twice_says_the_case_is_already_open(sam, sw):
    """Before: the second tab's Reopen said "A case that is Working can't be moved to
    Working."."""
    case = open_case(sw.customer, sw.user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.CLOSED)
    sam.post(f"/support/cases/{case.number}/reopen/")
    response = sam.post(f"/support/cases/{case.number}/reopen/", follow=True)
    html = response.content.decode()
    assert f"Case {case.number} is already open (Working)." in html
    assert "can&#x27;t be moved" not in html


def test_verified_session_is_dropped_when_the_grant_is_revoked(sam, sw):
    sw.user.grants.update(is_active=False)
    assert sam.get("/support/cases/").status_code == 403


def test_colleague_cannot_use_sams_session_values(sw):
    customer_client(sw.colleague_user, first_name="Kim", last_name="Adams", user_id="ZCS00003")
    client = mfa_login(Client(), sw.colleague_user)
    html = client.post(LOGIN_URL, LOGIN).content.decode()  # Sam's values, Kim's Portico ID
    assert "customer log in information is incorrect" in html


def test_contact_page_opens_before_mfa_but_cases_do_not(sw):
    """A user who signed in with a password but cannot finish MFA (lost phone) can still
    read how to reach Customer Support; every case page stays behind the MFA gate."""
    client = Client()
    client.force_login(sw.user)
    response = client.get("/support/contact/")
    assert response.status_code == 200
    assert "Contacting Customer Support" in response.content.decode()
    for url in ("/support/cases/", "/support/customer/login/", "/support/staff/"):
        gated = client.get(url)
        assert gated.status_code == 302 and "/id/mfa/" in gated["Location"], url
