"""Electronic signatures of every signer: the requester signs their line in the browser and
each other signer signs through a one-time link emailed to them."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from portico.core.models import AuditEvent, OutboxMessage
from portico.organizations.models import AccessRequest, AccessRequestSignature
from portico.organizations.selectors import signature_token_hash
from tests.connect.helpers import pdf_text, pip_data, sign_by_upload, submit_cop

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """``with sent():`` runs the emails a service queues for after commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


OFFICER = "dana.whitfield@bayside.example"


def _link_for(email: str) -> str:
    message = OutboxMessage.objects.filter(to=email).order_by("-id").first()
    assert message is not None, f"no email to {email}"
    match = re.search(r"https?://[^\s]+/connect/sign/[^\s/]+/", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def _start(world, persona_client, sent, persona="new_user"):
    """A claims form whose Authorizing Officer is someone else; the requester signs their
    User line and the officer is emailed a link."""
    client = persona_client(persona)
    user = world.users[persona]
    request = submit_cop(client)
    page = client.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    assert "Sign in the browser and ask the others by email" in page
    with sent():
        response = client.post(
            reverse("connect:request-esign", args=[request.pk]),
            {"typed_name": user.get_full_name(), "attest": "on"},
            REMOTE_ADDR="203.0.113.7",
        )
    assert response.status_code == 302
    return client, user, request


def test_officer_signs_through_the_emailed_link_and_the_request_is_submitted(
    world, persona_client, client, sent
):
    requester_client, user, request = _start(world, persona_client, sent)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.AWAITING_SIGNATURE
    lines = list(request.signatures.order_by("position"))
    assert [(s.role, s.is_signed) for s in lines] == [
        ("Authorizing Officer", False),
        ("User", True),
    ]
    own = lines[1]
    assert own.signed_name == user.get_full_name() and own.signed_ip == "203.0.113.7"
    officer = lines[0]
    assert officer.email == OFFICER and officer.token_hash and len(officer.token_hash) == 64
    assert officer.expires_at - officer.sent_at == dt.timedelta(days=14)
    page = requester_client.get(reverse("connect:request-detail", args=[request.pk]))
    text = page.content.decode()
    assert "Signatures" in text and "Not signed yet: link sent to " + OFFICER in text
    assert "Send the link again" in text

    link = _link_for(OFFICER)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert officer.token_hash == signature_token_hash(token)  # only the hash is stored
    form_page = client.get(link)
    assert form_page.status_code == 200
    body = form_page.content.decode()
    assert request.reference in body and "Bayside Pediatrics" in body
    assert "Authorizing Officer: Dana Whitfield" in body
    assert "typing my name here is my electronic signature" in body

    OutboxMessage.objects.all().delete()
    with sent():
        done = client.post(
            link, {"typed_name": "  dana   WHITFIELD ", "attest": "on"}, REMOTE_ADDR="198.51.100.4"
        )
    assert done.status_code == 200 and "your signature is recorded" in done.content.decode()
    request.refresh_from_db()
    officer.refresh_from_db()
    assert officer.signed_name == "dana WHITFIELD" and officer.signed_ip == "198.51.100.4"
    assert request.status == AccessRequest.Status.SUBMITTED
    assert request.signature_method == AccessRequest.SignatureMethod.BROWSER
    assert OutboxMessage.objects.filter(to=user.email, subject__contains="signed").exists()
    signed = AuditEvent.objects.filter(action="portico.access_request.e_signature_signed")
    assert signed.count() == 2
    assert AuditEvent.objects.filter(action="portico.access_request.sign").count() == 1
    assert AuditEvent.objects.filter(
        action="portico.access_request.e_signatures_requested"
    ).exists()
    # The staff page shows each signer's signature.
    staff = persona_client("access_admin")
    staff_page = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    assert "signed by dana WHITFIELD" in staff_page and "198.51.100.4" in staff_page
    assert f"signed by {user.get_full_name()}" in staff_page and "203.0.113.7" in staff_page
    # The link is used up.
    used = client.get(link)
    assert used.status_code == 410 and "already used" in used.content.decode()
    again = client.post(link, {"typed_name": "Dana Whitfield", "attest": "on"})
    assert again.status_code == 410
    assert AuditEvent.objects.filter(action="portico.access_request.sign").count() == 1


def test_wrong_name_is_refused_and_nothing_is_recorded(world, persona_client, client, sent):
    _, _, request = _start(world, persona_client, sent)
    link = _link_for(OFFICER)
    before = AuditEvent.objects.count()
    response = client.post(link, {"typed_name": "Someone Else", "attest": "on"})
    assert response.status_code == 400
    assert "Type your name as it is on the form: Dana Whitfield." in response.content.decode()
    no_attest = client.post(link, {"typed_name": "Dana Whitfield"})
    assert no_attest.status_code == 400 and "Confirm the statement" in no_attest.content.decode()
    officer = request.signatures.get(role="Authorizing Officer")
    assert not officer.is_signed and officer.signed_name == ""
    assert AuditEvent.objects.count() == before
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.AWAITING_SIGNATURE


def test_expired_link(world, persona_client, client, sent):
    _, _, request = _start(world, persona_client, sent)
    link = _link_for(OFFICER)
    request.signatures.filter(role="Authorizing Officer").update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client.get(link)
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    posted = client.post(link, {"typed_name": "Dana Whitfield", "attest": "on"})
    assert posted.status_code == 410
    assert not request.signatures.get(role="Authorizing Officer").is_signed


def test_unknown_token_is_404(client, db):
    response = client.get(reverse("connect:sign", args=["not-a-real-token"]))
    assert response.status_code == 404 and "This link is not valid" in response.content.decode()
    posted = client.post(
        reverse("connect:sign", args=["not-a-real-token"]),
        {"typed_name": "Dana Whitfield", "attest": "on"},
    )
    assert posted.status_code == 404


def test_upload_after_the_links_were_sent_supersedes_them(world, persona_client, client, sent):
    _, user, request = _start(world, persona_client, sent)
    link = _link_for(OFFICER)
    sign_by_upload(request, user)
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.SUBMITTED
    assert request.signature_method == AccessRequest.SignatureMethod.UPLOAD
    response = client.get(link)
    assert response.status_code == 410 and "already signed" in response.content.decode()
    event = AuditEvent.objects.filter(action="portico.access_request.sign").get()
    assert event.changes["superseded_e_signatures"] == 1


def test_a_physician_info_form_whose_physician_has_no_email_keeps_print_and_upload(
    world, persona_client
):
    client = persona_client("new_user")
    user = world.users["new_user"]
    rows = [
        {
            "name": user.get_full_name(),
            "email": user.email,
            "npi": "",
            "existing_username": "",
            "cap_report": "no",
            "add_terms": "no",
        },
        {
            "name": "Robin Hartwell",
            "email": "robin@bayside.example",
            "npi": "1234567893",
            "existing_username": "",
            "cap_report": "no",
            "add_terms": "no",
        },
    ]
    response = client.post(reverse("connect:access-patientinfo"), pip_data(rows=rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    request = AccessRequest.objects.order_by("-id").first()
    page = client.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    assert "Sign in the browser and ask the others by email" not in page
    assert "has no email address for Physician Dr. Robin Hartwell" in page
    refused = client.post(
        reverse("connect:request-esign", args=[request.pk]),
        {"typed_name": user.get_full_name(), "attest": "on"},
        follow=True,
    )
    assert "cannot be signed in the browser" in refused.content.decode()
    assert not AccessRequestSignature.objects.filter(access_request=request).exists()
    assert not OutboxMessage.objects.filter(to="robin@bayside.example").exists()
    # The printed form says how to return it, without offering the browser.
    pdf = client.get(reverse("connect:request-pdf", args=[request.pk])).content
    text = " ".join(pdf_text(pdf).split())
    assert "or upload it from the request's page." in text
    assert "signed in the browser" not in text


def test_send_the_link_again_is_rate_limited(world, persona_client, client, sent):
    requester_client, _, request = _start(world, persona_client, sent)
    first_link = _link_for(OFFICER)
    officer = request.signatures.get(role="Authorizing Officer")
    url = reverse("connect:request-esign-resend", args=[request.pk, officer.pk])
    too_soon = requester_client.post(url, follow=True)
    assert "You can send it again in" in too_soon.content.decode()
    assert OutboxMessage.objects.filter(to=OFFICER).count() == 1
    AccessRequestSignature.objects.filter(pk=officer.pk).update(
        sent_at=timezone.now() - dt.timedelta(minutes=11)
    )
    with sent():
        ok = requester_client.post(url, follow=True)
    assert f"We sent the link again to {OFFICER}" in ok.content.decode()
    assert OutboxMessage.objects.filter(to=OFFICER).count() == 2
    new_link = _link_for(OFFICER)
    assert new_link != first_link
    assert client.get(first_link).status_code == 404  # the old link no longer works
    assert client.get(new_link).status_code == 200
    assert AuditEvent.objects.filter(
        action="portico.access_request.e_signature_link_resent"
    ).exists()
    # Someone else's request: 404.
    other = persona_client("billing_clerk")
    assert other.post(url).status_code == 404


def test_a_requester_who_is_not_a_signer_only_sends_the_links(world, persona_client, sent):
    client = persona_client("new_user")
    request = submit_cop(
        client, user_email="casey.morgan@bayside.example", login_user_id="cmorgan.bayside"
    )
    page = client.get(reverse("connect:request-detail", args=[request.pk])).content.decode()
    assert "You are not a signer of this form" in page
    with sent():
        response = client.post(reverse("connect:request-esign", args=[request.pk]), {})
    assert response.status_code == 302
    assert not request.signatures.filter(signed_at__isnull=False).exists()
    assert OutboxMessage.objects.filter(to=OFFICER, subject__contains="please sign").exists()
    assert OutboxMessage.objects.filter(
        to="casey.morgan@bayside.example", subject__contains="please sign"
    ).exists()
    # Asking twice is refused.
    again = client.post(reverse("connect:request-esign", args=[request.pk]), {}, follow=True)
    assert "already asked by email" in again.content.decode()


def test_admin_shows_the_signature_lines_read_only_without_the_token(world, persona_client, sent):
    _, _, request = _start(world, persona_client, sent)
    officer = request.signatures.get(role="Authorizing Officer")
    admin = persona_client("superuser")
    page = admin.get(reverse("admin:organizations_accessrequest_change", args=[request.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Access request signatures" in text and OFFICER in text and "203.0.113.7" in text
    assert officer.token_hash not in text
    assert 'name="signatures-0-signed_name"' not in text  # read-only: no inputs


def _history(page: str) -> str:
    return page.split('<h2 class="margin-top-4">History</h2>', 1)[1].split("</ol>", 1)[0]


def test_the_staff_history_tells_the_e_signatures_in_words(world, persona_client, client, sent):
    """Before: the history read "new.user access request e signatures requested" and
    "system access request e signature signed" (the signer who followed the emailed link has
    no Portico ID), then "system signed an access form"."""
    requester_client, user, request = _start(world, persona_client, sent)
    officer = request.signatures.get(role="Authorizing Officer")
    AccessRequestSignature.objects.filter(pk=officer.pk).update(
        sent_at=timezone.now() - dt.timedelta(minutes=11)
    )
    with sent():
        requester_client.post(
            reverse("connect:request-esign-resend", args=[request.pk, officer.pk])
        )
    with sent():
        client.post(_link_for(OFFICER), {"typed_name": "Dana Whitfield", "attest": "on"})
    staff = persona_client("access_admin")
    page = staff.get(reverse("connect:staff-request", args=[request.pk])).content.decode()
    history = _history(page)
    username = user.get_username()
    assert f"{username} signed the access form in the browser as User" in history
    assert (
        f"{username} emailed a link to sign the access form to Authorizing Officer ({OFFICER})"
        in history
    )
    assert f"{username} sent the link to sign again to Authorizing Officer ({OFFICER})" in history
    assert "Dana Whitfield signed the access form in the browser as Authorizing Officer" in history
    assert "Everyone named on the access form had signed it: the request was submitted" in history
    assert "e signature" not in history and "system" not in history
    # Every time on the page reads like the signatures' (11/25/2026 05:43 AM), not some as
    # "Nov. 25, 2026, 5:43 a.m." (Submitted, the history, Decided by).
    approve = staff.post(reverse("connect:staff-approve", args=[request.pk]), follow=True)
    text = approve.content.decode().split('id="main-content"', 1)[1].split("<footer", 1)[0]
    assert "Decided by" in text and "a.m." not in text and "p.m." not in text
    assert re.search(r"<dt>Submitted</dt><dd>\d\d/\d\d/\d{4} \d\d:\d\d [AP]M</dd>", text)
