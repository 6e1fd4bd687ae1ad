"""A request's life: PDF, signing (upload, browser, fax), staff decisions and the grants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portico.connect.views._common import application_url
from portico.core.models import AuditEvent, OutboxMessage
from portico.organizations.models import (
    AccessRequest,
    Application,
    ApplicationGrant,
    Membership,
    Organization,
)
from tests.connect.helpers import pdf_text, pip_data, sign_by_upload, submit_cop

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_pdf_has_every_value_reference_and_signature_lines(world, persona_client):
    client = persona_client("new_user")
    request = submit_cop(
        client, user_email="casey.morgan@bayside.example", login_user_id="cmorgan.bayside"
    )
    response = client.get(reverse("connect:request-pdf", args=[request.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    for value in [
        request.reference,
        "newuser01",
        "New Request",
        "Casey Morgan",
        "(212) 555-0142",
        "Bayside Pediatrics",
        "12-3456789, 987-65-4321",
        "400 Harbor Road",
        "Suite 210",
        "Lakeport",
        "NY",
        "10990",
        "(212) 555-0150",
        "frontdesk@bayside.example",
        "(212) 555-0151",
        "Dana Whitfield",
        "dana.whitfield@bayside.example",
        "Office Manager",
        "casey.morgan@bayside.example",
        "Billing Specialist",
        "cmorgan.bayside",
        "Signature",
        "Date",
        "(310) 555-0117",
    ]:
        assert value in text, value


def test_pip_pdf_has_rows_regions_and_hipaa(world, persona_client):
    client = persona_client("new_user")
    client.post(reverse("connect:access-patientinfo"), pip_data())
    request = AccessRequest.objects.get()
    text = " ".join(
        pdf_text(client.get(reverse("connect:request-pdf", args=[request.pk])).content).split()
    )
    for value in [
        request.reference,
        "Dr. Robin Hartwell",
        "R1: Pasadena SGV/PA",
        "San Jose",
        "PCP",
        "New Access",
        "robin@bayside.example",
        "1234567893",
        "rhartwell",
        "HIPAA",
        "electronic referrals",
    ]:
        assert value in text, value


def test_other_users_cannot_see_a_request_or_its_pdf(world, persona_client):
    request = submit_cop(persona_client("new_user"))
    other = persona_client("billing_clerk")
    for name in ("connect:request-detail", "connect:request-pdf"):
        assert other.get(reverse(name, args=[request.pk])).status_code == 404
    assert other.post(reverse("connect:request-sign", args=[request.pk]), {}).status_code == 404


def test_upload_accepts_a_signed_pdf_and_serves_it_only_to_permitted_people(
    world, persona_client, settings
):
    client = persona_client("new_user")
    request = submit_cop(client)
    upload = SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(reverse("connect:request-upload", args=[request.pk]), {"file": upload})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.SUBMITTED
    assert request.signature_method == "upload"
    assert request.signed_form_content_type == "application/pdf"
    download = client.get(reverse("connect:request-signed-form", args=[request.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    staff = persona_client("access_admin")
    assert staff.get(reverse("connect:request-signed-form", args=[request.pk])).status_code == 200
    other = persona_client("billing_clerk")
    assert other.get(reverse("connect:request-signed-form", args=[request.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("signed.pdf", b"<html><script>alert(1)</script></html>", "not an allowed type"),
        ("signed.txt", b"just some text", "PDF, TIFF, PNG or JPEG"),
        ("signed.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "content is a PNG image"),
    ],
)
def test_upload_refuses_other_content(world, persona_client, name, content, message):
    client = persona_client("new_user")
    request = submit_cop(client)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = client.post(reverse("connect:request-upload", args=[request.pk]), {"file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.AWAITING_SIGNATURE


def test_upload_size_limit(world, persona_client, settings):
    settings.PORTICO_UPLOAD_MAX_BYTES = 100
    client = persona_client("new_user")
    request = submit_cop(client)
    upload = SimpleUploadedFile("signed.pdf", PDF_BYTES + b"0" * 200)
    response = client.post(reverse("connect:request-upload", args=[request.pk]), {"file": upload})
    assert response.status_code == 400 and "too large" in response.content.decode()


def test_browser_signature_records_name_time_and_ip(world, persona_client):
    """A doctor who is both the Authorizing Officer and the User signs alone, in the browser."""
    client = persona_client("new_user")
    user = world.users["new_user"]
    request = submit_cop(
        client,
        officer_first_name=user.first_name,
        officer_last_name=user.last_name,
        officer_email=user.email,
        officer_title="Doctor",
    )
    assert (
        "Sign the access form"
        in client.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    )
    bad = client.post(
        reverse("connect:request-sign", args=[request.pk]),
        {"typed_name": "Someone Else", "attest": "on"},
    )
    assert (
        bad.status_code == 400 and "Type your name as it is on your profile" in bad.content.decode()
    )
    no_attest = client.post(
        reverse("connect:request-sign", args=[request.pk]), {"typed_name": user.get_full_name()}
    )
    assert no_attest.status_code == 400
    ok = client.post(
        reverse("connect:request-sign", args=[request.pk]),
        {"typed_name": user.get_full_name().upper(), "attest": "on"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert ok.status_code == 302
    request.refresh_from_db()
    assert request.signature_method == "browser"
    assert request.signed_ip == "203.0.113.9" and request.signed_at is not None
    assert request.status == AccessRequest.Status.SUBMITTED
    # Signing twice is refused by the lifecycle table.
    again = client.post(
        reverse("connect:request-sign", args=[request.pk]),
        {"typed_name": user.get_full_name(), "attest": "on"},
    )
    assert again.status_code == 302
    assert AuditEvent.objects.filter(action="portico.access_request.sign").count() == 1


def test_a_form_others_must_sign_is_not_submitted_by_the_requesters_signature_alone(
    world, persona_client
):
    """The Authorizing Officer is someone else: the requester's typed name does not submit the
    form (the officer signs too: by emailed link, tests/connect/test_e_signatures.py, or on
    the printed form)."""
    client = persona_client("new_user")
    user = world.users["new_user"]
    request = submit_cop(client)
    page = client.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    assert "Sign the access form" not in page
    assert "Authorizing Officer: Dana Whitfield" in page
    assert "User: Casey Morgan" in page
    response = client.post(
        reverse("connect:request-sign", args=[request.pk]),
        {"typed_name": user.get_full_name(), "attest": "on"},
        follow=True,
    )
    assert "Others must sign this form too" in response.content.decode()
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.AWAITING_SIGNATURE
    assert not request.is_signed
    pdf = client.get(reverse("connect:request-pdf", args=[request.pk])).content
    text = pdf_text(pdf)
    assert "Authorizing Officer: Dana Whitfield" in text
    assert "where it can also be signed in the browser" in " ".join(text.split())


def _signed_request(world, persona_client, persona="new_user", **overrides):
    client = persona_client(persona)
    request = submit_cop(client, **overrides)
    user = world.users[persona]
    sign_by_upload(request, user)
    request.refresh_from_db()
    return request


def test_approval_of_a_new_claims_request_creates_the_practice_membership_and_grant(
    world, persona_client, django_capture_on_commit_callbacks
):
    request = _signed_request(world, persona_client)
    staff = persona_client("access_admin")
    queue = staff.get(reverse("connect:staff-queue"), {"status": "submitted"})
    assert request.reference in queue.content.decode()
    assert staff.get(reverse("connect:staff-request", args=[request.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("connect:staff-approve", args=[request.pk]))
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.APPROVED
    org = Organization.objects.get(name="Bayside Pediatrics")
    assert set(org.tins.values_list("tin", flat=True)) == {"123456789", "987654321"}
    user = world.users["new_user"]
    assert Membership.objects.filter(user=user, organization=org, is_active=True).exists()
    grant = ApplicationGrant.objects.get(user=user, application=Application.CLAIMS, is_active=True)
    assert grant.organization == org
    assert grant.scope == {"tins": ["123456789", "987654321"], "submit_claims": True}
    assert AuditEvent.objects.filter(
        action="portico.grant.created", object_id=str(grant.pk)
    ).exists()
    assert OutboxMessage.objects.filter(to=user.email, subject__contains="approved").exists()
    # The requester now lands in the Claims Online Portal.
    home = persona_client("new_user").get(reverse("connect:home"))
    assert home.status_code == 302
    assert home["Location"] == application_url("claims")


def test_approval_needs_a_signature(world, persona_client):
    request = submit_cop(persona_client("new_user"))
    staff = persona_client("access_admin")
    staff.post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.AWAITING_SIGNATURE
    assert not ApplicationGrant.objects.filter(user=world.users["new_user"]).exists()


def test_staff_attach_a_fax_then_review_and_approve(world, persona_client):
    request = submit_cop(persona_client("new_user"))
    staff = persona_client("access_admin")
    # A file of another type is named once, with the types a signed form may be (before: twice,
    # listing plain text and X12 as well).
    refused = staff.post(
        reverse("connect:staff-attach-fax", args=[request.pk]),
        {"file": SimpleUploadedFile("fax.html", b"<html><body>fax</body></html>")},
    ).content.decode()
    assert "Upload the signed form as a PDF, TIFF, PNG or JPEG file." in refused
    assert "JPEG file.<br>" not in refused and "plain text or X12 file" not in refused
    fax = SimpleUploadedFile("fax.tif", b"II*\x00" + b"\x00" * 64)
    assert (
        staff.post(
            reverse("connect:staff-attach-fax", args=[request.pk]), {"file": fax}
        ).status_code
        == 302
    )
    request.refresh_from_db()
    assert request.signature_method == "fax" and request.status == "submitted"
    # The time is the office's (settings.TIME_ZONE), like the history beside it.
    when = timezone.localtime(request.signed_at).strftime("%m/%d/%Y %I:%M %p")
    assert timezone.localtime(request.signed_at).utcoffset() != dt.timedelta(0)
    page = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    assert f"Faxed form attached by staff on {when}" in page
    staff.post(reverse("connect:staff-review", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "in_review"
    staff.post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"


def test_deny_needs_a_reason_and_emails_it(
    world, persona_client, django_capture_on_commit_callbacks
):
    request = _signed_request(world, persona_client)
    staff = persona_client("access_admin")
    assert (
        staff.post(reverse("connect:staff-deny", args=[request.pk]), {"reason": ""}).status_code
        == 400
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("connect:staff-deny", args=[request.pk]), {"reason": "TIN not on file."})
    request.refresh_from_db()
    assert request.status == "denied" and request.staff_message == "TIN not on file."
    mail = OutboxMessage.objects.filter(subject__contains="denied").get()
    assert "TIN not on file." in mail.body
    landing = persona_client("new_user").get("/").content.decode()
    assert request.reference in landing and "Denied" in landing


def test_more_information_round_trip(world, persona_client):
    request = _signed_request(world, persona_client)
    staff = persona_client("access_admin")
    staff.post(reverse("connect:staff-more-info", args=[request.pk]), {"message": "Which suite?"})
    request.refresh_from_db()
    assert request.status == "more_info"
    requester = persona_client("new_user")
    landing = requester.get("/").content.decode()
    assert "More information needed" in landing
    # The form is signed: the page asks for the answer, not for a signature again.
    page = requester.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    assert "Answer the Service Desk" in page and "Your signed form is on file" in page
    assert "Print, sign and return the access form" not in page
    assert "Sign in your browser" not in page
    requester.post(reverse("connect:request-reply", args=[request.pk]), {"reply": "Suite 210."})
    request.refresh_from_db()
    assert request.status == "submitted" and request.requester_reply == "Suite 210."


def test_add_tax_id_refuses_another_practices_tax_id(world, persona_client):
    # billing_clerk works for Practice A; 22-2222222 is Practice B's.
    request = _signed_request(
        world, persona_client, "billing_clerk", request_type="add_tin", tins="22-2222222"
    )
    staff = persona_client("access_admin")
    page = staff.post(
        reverse("connect:staff-approve", args=[request.pk]), follow=True
    ).content.decode()
    assert "Tax ID 22-2222222 belongs to Practice B" in page
    request.refresh_from_db()
    assert request.status != "approved"
    grant = ApplicationGrant.objects.get(
        user=world.users["billing_clerk"], application="claims", is_active=True
    )
    assert "222222222" not in grant.scope["tins"]
    assert not world.practice_a.tins.filter(tin="222222222").exists()


def test_add_tax_id_update_deactivate_and_reactivate(world, persona_client):
    # billing_clerk already has claims access for Practice A (TIN 111111111).
    clerk = world.users["billing_clerk"]
    staff = persona_client("access_admin")

    def run(**overrides):
        request = _signed_request(world, persona_client, "billing_clerk", **overrides)
        staff.post(reverse("connect:staff-approve", args=[request.pk]))
        request.refresh_from_db()
        return request

    add = run(request_type="add_tin", tins="11-1111111, 33-3333333", practice_name="Practice A")
    assert add.status == "approved", add.status
    grant = ApplicationGrant.objects.get(user=clerk, application="claims", is_active=True)
    assert grant.scope["tins"] == ["111111111", "333333333"]
    assert world.practice_a.tins.filter(tin="333333333").exists()

    update = run(request_type="update", tins="11-1111111", submit_claims="no")
    assert update.status == "approved"
    grant.refresh_from_db()
    assert grant.scope == {"tins": ["111111111"], "submit_claims": False}

    deactivate = run(request_type="deactivate", tins="11-1111111")
    assert deactivate.status == "approved"
    assert not ApplicationGrant.objects.filter(
        user=clerk, application="claims", is_active=True
    ).exists()

    reactivate = run(request_type="reactivate", tins="11-1111111")
    assert reactivate.status == "approved"
    assert (
        ApplicationGrant.objects.get(user=clerk, application="claims", is_active=True).organization
        == world.practice_a
    )


def test_update_without_an_account_cannot_be_approved(world, persona_client):
    request = _signed_request(world, persona_client, request_type="update")
    response = persona_client("access_admin").post(
        reverse("connect:staff-approve", args=[request.pk]), follow=True
    )
    assert "no active Claims Online Portal account" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "submitted"


def test_pip_approval_grants_regions_role_and_flags_and_referrals_separately(
    world, persona_client, django_capture_on_commit_callbacks
):
    client = persona_client("new_user")
    user = world.users["new_user"]
    rows = [
        {
            "name": "New User",
            "email": user.email,
            "npi": "",
            "existing_username": "",
            "cap_report": "yes",
            "add_terms": "yes",
        },
        {
            "name": "Doctor A",
            "email": world.users["physician"].email,
            "npi": "",
            "existing_username": "",
            "cap_report": "no",
            "add_terms": "no",
        },
    ]
    client.post(reverse("connect:access-patientinfo"), pip_data(rows=rows))
    request = AccessRequest.objects.get()
    sign_by_upload(request, user)
    staff = persona_client("access_admin")
    staff.post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    grant = ApplicationGrant.objects.get(user=user, application="patientinfo", is_active=True)
    assert grant.scope == {
        "regions": ["R1", "SJ"],
        "roles": ["pcp"],
        "cap_report": True,
        "add_terms": True,
    }
    assert not ApplicationGrant.objects.filter(user=user, application="referrals").exists()
    page = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    assert f"Give {user.get_username()} the Referrals Portal for" in page  # confirmed first
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("connect:staff-referrals", args=[request.pk]))
    assert ApplicationGrant.objects.filter(
        user=user, application="referrals", organization=request.organization, is_active=True
    ).exists()
    # A second click (or a stale page) says so, with no second email (before: one per click).
    mails = OutboxMessage.objects.filter(to=user.email, subject__contains="Referrals").count()
    assert mails == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = staff.post(reverse("connect:staff-referrals", args=[request.pk]), follow=True)
    assert "already has the Referrals Portal" in again.content.decode()
    assert (
        OutboxMessage.objects.filter(to=user.email, subject__contains="Referrals").count() == mails
    )


def _pip_for_new_user(world, persona_client, **overrides):
    """new_user's signed Physician Info Portal request, for themselves."""
    user = world.users["new_user"]
    row = {"name": "New User", "email": user.email, "npi": "", "existing_username": "",
           "cap_report": "no", "add_terms": "no"}  # fmt: skip
    client = persona_client("new_user")
    response = client.post(reverse("connect:access-patientinfo"), pip_data(rows=[row], **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    request = AccessRequest.objects.get()
    sign_by_upload(request, user)
    return client, request


def _shown_and_printed(client, request):
    page = client.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    printed = pdf_text(client.get(reverse("connect:request-pdf", args=[request.pk])).content)
    return page, " ".join(printed.split())


def test_pip_staff_and_pcp_together_are_stored_shown_printed_and_granted(world, persona_client):
    """Select all that apply: one form for a PCP and their staff."""
    client, request = _pip_for_new_user(world, persona_client, roles=["pcp", "staff"])
    assert request.data["roles"] == ["staff", "pcp"]  # the form's order
    page, printed = _shown_and_printed(client, request)
    assert "<dt>Staff / PCP / Specialist</dt><dd>Staff, PCP</dd>" in page
    assert "Staff, PCP" in printed
    persona_client("access_admin").post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    user = world.users["new_user"]
    grant = ApplicationGrant.objects.get(user=user, application="patientinfo", is_active=True)
    assert grant.scope["roles"] == ["staff", "pcp"] and "role" not in grant.scope
    membership = Membership.objects.get(user=user, organization=request.organization)
    assert membership.role == Membership.Role.CLINICIAN  # PCP is among them


def test_a_pip_request_stored_with_one_role_still_shows_prints_and_approves(world, persona_client):
    """Requests stored before "select all that apply" have ``role`` (a string)."""
    client, request = _pip_for_new_user(world, persona_client)
    data = {k: v for k, v in request.data.items() if k != "roles"}
    AccessRequest.objects.filter(pk=request.pk).update(data={**data, "role": "staff"})
    page, printed = _shown_and_printed(client, request)
    assert "<dt>Staff / PCP / Specialist</dt><dd>Staff</dd>" in page
    assert "Staff / PCP / Specialist Staff" in printed
    persona_client("access_admin").post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    user = world.users["new_user"]
    grant = ApplicationGrant.objects.get(user=user, application="patientinfo", is_active=True)
    assert grant.scope["roles"] == ["staff"]
    membership = Membership.objects.get(user=user, organization=request.organization)
    assert membership.role == Membership.Role.STAFF


def test_staff_pages_are_for_access_administrators(world, persona_client):
    request = submit_cop(persona_client("new_user"))
    for persona, expected in [
        ("billing_clerk", 403),
        ("claims_examiner", 403),
        ("access_admin", 200),
    ]:
        response = persona_client(persona).get(reverse("connect:staff-request", args=[request.pk]))
        assert response.status_code == expected, persona


def test_queue_search_and_filters(world, persona_client):
    request = submit_cop(persona_client("new_user"))
    staff = persona_client("access_admin")
    for query in [request.reference, "Bayside", "123456789", "newuser01"]:
        assert (
            request.reference
            in staff.get(reverse("connect:staff-queue"), {"q": query}).content.decode()
        ), query
    assert (
        request.reference
        not in staff.get(reverse("connect:staff-queue"), {"status": "approved"}).content.decode()
    )
    assert (
        request.reference
        not in staff.get(
            reverse("connect:staff-queue"), {"application": "patientinfo"}
        ).content.decode()
    )


def test_update_request_changes_the_practice_address_on_approval(world, persona_client):
    """ "Update Existing Account" states the account as it should now be: on approval the
    practice's address, numbers and front office email follow the form (audited)."""
    practice = world.practice_a
    request = _signed_request(
        world,
        persona_client,
        "billing_clerk",
        request_type="update",
        tins="11-1111111",
        practice_name="Practice A",
        address="77 Orchard Lane",
        suite="",
        city="Millbrook",
        state="CT",
        zip="06001",
        telephone="860-555-0123",
        fax="860-555-0124",
        front_office_email="desk@practice-a.example",
    )
    persona_client("access_admin").post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    practice.refresh_from_db()
    assert (practice.address_line1, practice.address_line2, practice.city) == (
        "77 Orchard Lane",
        "",
        "Millbrook",
    )
    assert (practice.state, practice.zip_code, practice.email) == (
        "CT",
        "06001",
        "desk@practice-a.example",
    )
    assert practice.phone and practice.fax and practice.phone != practice.fax
    event = AuditEvent.objects.get(action="portico.organization.updated")
    assert (
        event.changes["city"]["to"] == "Millbrook" and request.reference in event.changes["reason"]
    )


def test_pip_update_contact_changes_the_practice_phone_and_address(world, persona_client):
    client = persona_client("physician")
    user = world.users["physician"]
    rows = [
        {
            "name": user.get_full_name(),
            "email": user.email,
            "npi": "",
            "existing_username": "",
            "cap_report": "yes",
            "add_terms": "no",
        }
    ]
    response = client.post(
        reverse("connect:access-patientinfo"),
        pip_data(
            rows=rows,
            actions=["update_contact"],
            practice_name=world.practice_a.name,
            address="9 New Harbor Way",
            city="Seaview",
            zip="11111",
            telephone="(212) 555-0199",
            fax="",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request = AccessRequest.objects.get()
    sign_by_upload(request, user)
    fax_before = Organization.objects.get(pk=world.practice_a.pk).fax
    persona_client("access_admin").post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    practice = Organization.objects.get(pk=world.practice_a.pk)
    assert (practice.address_line1, practice.city, practice.zip_code) == (
        "9 New Harbor Way",
        "Seaview",
        "11111",
    )
    assert "2125550199" in "".join(ch for ch in practice.phone if ch.isdigit())
    assert practice.fax == fax_before  # an empty fax on the form leaves the fax on file


def test_pip_rows_without_a_portico_id_are_invited_with_their_grant(
    world, persona_client, django_capture_on_commit_callbacks
):
    """A row naming a colleague who has no Portico ID yet: approval emails them an invitation
    that carries the approved Physician Info Portal access; it becomes theirs when they accept
    with their own Portico ID (never the requester's)."""
    import re

    from django.test import Client

    from tests.conftest import mfa_login
    from tests.factories.identity import UserFactory

    client = persona_client("new_user")
    user = world.users["new_user"]
    rows = [
        {"name": "New User", "email": user.email, "npi": "", "existing_username": "",
         "cap_report": "no", "add_terms": "no"},
        {"name": "Jordan Reyes", "email": "jordan.reyes@bayside.example", "npi": "1234567893",
         "existing_username": "", "cap_report": "yes", "add_terms": "no"},
    ]  # fmt: skip
    client.post(reverse("connect:access-patientinfo"), pip_data(rows=rows))
    request = AccessRequest.objects.get()
    sign_by_upload(request, user)
    with django_capture_on_commit_callbacks(execute=True):
        persona_client("access_admin").post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    mail = OutboxMessage.objects.get(to="jordan.reyes@bayside.example")
    link = next(url for url in mail.links if "/connect/invitations/" in url)
    path = re.sub(r"^https?://[^/]+", "", link)

    jordan = UserFactory(username="jordan.reyes", email="jordan.reyes@bayside.example")
    assert not ApplicationGrant.objects.filter(user=jordan).exists()
    assert mfa_login(Client(), jordan).post(path).status_code == 302
    grant = ApplicationGrant.objects.get(user=jordan, application="patientinfo", is_active=True)
    assert grant.organization == request.organization
    assert grant.scope == {
        "regions": ["R1", "SJ"],
        "roles": ["pcp"],
        "cap_report": True,
        "add_terms": False,
        "npi": "1234567893",
    }
    assert Membership.objects.filter(user=jordan, organization=request.organization).exists()


def test_claims_access_goes_to_the_user_the_form_names(
    world, persona_client, django_capture_on_commit_callbacks
):
    """An office manager fills in the form for a colleague: the access is the colleague's.
    With a Portico ID (matched by its verified email) the grant is written for them; without
    one, approval emails them an invitation carrying the grant; never the requester's."""
    import re

    from django.test import Client

    from tests.conftest import mfa_login
    from tests.factories.identity import UserFactory

    colleague = UserFactory(username="casey.m", email="casey.morgan@bayside.example")
    request = _signed_request(
        world, persona_client, user_email="Casey.Morgan@bayside.example", login_user_id="casey.m"
    )
    staff = persona_client("access_admin")
    detail = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    assert "casey.m · casey.morgan@bayside.example" in detail
    staff.post(reverse("connect:staff-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "approved"
    assert ApplicationGrant.objects.filter(user=colleague, application="claims").exists()
    assert not ApplicationGrant.objects.filter(user=world.users["new_user"]).exists()

    # Someone without a Portico ID yet: invited, with the grant waiting for them.
    other = _signed_request(
        world,
        persona_client,
        user_email="jordan.reyes@bayside.example",
        login_user_id="jreyes",
        tins="98-7654321",
        practice_name="Bayside North",
    )
    staff = persona_client("access_admin")
    detail = staff.get(reverse("connect:staff-request", args=[other.pk])).content.decode()
    assert "jordan.reyes@bayside.example has no Portico ID yet" in detail
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(reverse("connect:staff-approve", args=[other.pk]))
    other.refresh_from_db()
    assert other.status == "approved"
    mail = OutboxMessage.objects.get(to="jordan.reyes@bayside.example")
    path = re.sub(r"^https?://[^/]+", "", next(u for u in mail.links if "/invitations/" in u))
    jordan = UserFactory(username="jordan.reyes", email="jordan.reyes@bayside.example")
    assert mfa_login(Client(), jordan).post(path).status_code == 302
    grant = ApplicationGrant.objects.get(user=jordan, application="claims", is_active=True)
    assert grant.scope == {"tins": ["987654321"], "submit_claims": True}
    assert not ApplicationGrant.objects.filter(user=world.users["new_user"]).exists()


def test_changing_an_account_of_someone_without_a_portico_id_is_refused(world, persona_client):
    request = _signed_request(
        world,
        persona_client,
        request_type="update",
        user_email="nobody.yet@bayside.example",
        login_user_id="nobody.yet",
    )
    page = persona_client("access_admin").post(
        reverse("connect:staff-approve", args=[request.pk]), follow=True
    )
    assert "has no Portico ID, so there is no account to change" in page.content.decode()
    request.refresh_from_db()
    assert request.status != "approved"


def test_staff_page_views_are_audited_but_not_listed_as_history(world, persona_client):
    request = submit_cop(persona_client("new_user"))
    staff = persona_client("access_admin")
    url = reverse("connect:staff-request", args=[request.pk])
    for _ in range(3):
        page = staff.get(url).content.decode()
    views = AuditEvent.objects.filter(action="portico.access_request.viewed", object_id=request.pk)
    assert views.count() == 3
    assert "viewed an access request" not in page
    assert "submitted an access form" in page  # the real history is still there


def test_staff_find_a_user_see_their_portals_and_remove_one_with_a_reason(
    world, persona_client, django_capture_on_commit_callbacks
):
    doctor = world.users["physician"]
    staff = persona_client("access_admin")
    found = staff.get(reverse("connect:staff-access"), {"q": doctor.username}).content.decode()
    page_url = reverse("connect:staff-access-user", args=[doctor.pk])
    assert page_url in found
    page = staff.get(page_url).content.decode()
    for portal in ("Physician Info Portal", "Referrals Portal", "Prior Authorization Portal"):
        assert portal in page
    assert "regions R1; roles PCP; capitation report" in page
    referrals = ApplicationGrant.objects.get(user=doctor, application="referrals")
    remove_url = reverse("connect:staff-access-remove", args=[referrals.pk])
    prefix = f"grant-{referrals.pk}"

    # No reason: refused, the form says why, nothing changes.
    refused = staff.post(remove_url, {f"{prefix}-reason": "  "})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    referrals.refresh_from_db()
    assert referrals.is_active

    with django_capture_on_commit_callbacks(execute=True):
        done = staff.post(remove_url, {f"{prefix}-reason": "Left the practice"}, follow=True)
    assert "no longer has the Referrals Portal for Practice A" in done.content.decode()
    referrals.refresh_from_db()
    assert not referrals.is_active and referrals.revoked_at
    event = AuditEvent.objects.get(action="portico.grant.revoked", object_id=referrals.pk)
    assert event.changes["reason"] == "Left the practice"
    mail = OutboxMessage.objects.get(to=doctor.email, subject__contains="access was removed")
    assert "Left the practice" in mail.body
    # The doctor can no longer open it; the page lists it as removed.
    assert persona_client("physician").get("/referrals/").status_code in (403, 404)
    assert "Removed " in staff.get(page_url).content.decode()
    again = staff.post(remove_url, {f"{prefix}-reason": "again"}, follow=True)
    assert "already removed" in again.content.decode()
    # Other staff roles cannot.
    assert persona_client("support_agent").get(page_url).status_code == 403
