"""The support router behind the real API root, called with OAuth 2.0 bearer tokens: the
request's user is the token's user (no browser session), exactly as for the HTML portal."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

import pytest
from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client as OIDCClient
from allauth.idp.oidc.models import Token
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from portico.identity.oidc import ACR_MFA
from portico.support.models import Actor, CaseAttachment
from tests.support.conftest import PDF_BYTES, open_case

BASE = "/api/v1/support"


def _token(user: Any, *, scopes: list[str]) -> dict[str, str]:
    client = OIDCClient(name="Submitter system", type=OIDCClient.Type.CONFIDENTIAL)
    client.set_grant_types(["authorization_code", "refresh_token"])
    client.set_scopes(["openid", "support", "claims"])
    client.set_redirect_uris(["https://rp.example.test/callback"])
    client.save()
    value = secrets.token_urlsafe(32)
    token = Token(
        client=client,
        user=user,
        type=Token.Type.ACCESS_TOKEN,
        hash=get_adapter().hash_token(value),
        expires_at=timezone.now() + timedelta(hours=1),
        data={
            "portico_auth": {"auth_time": int(time.time()), "amr": ["pwd", "otp"], "acr": ACR_MFA}
        },
    )
    token.set_scopes(scopes)
    token.save()
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


@pytest.fixture
def api() -> Client:
    return Client(enforce_csrf_checks=True)  # bearer calls need no CSRF token


def test_customer_token_creates_lists_comments_and_attaches(api, sw):
    auth = _token(sw.colleague_user, scopes=["openid", "support"])
    payload = {"subject": "Rejected 837", "description": "Please look.", "case_type": "general"}
    created = api.post(f"{BASE}/cases", payload, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    mine = api.get(f"{BASE}/cases?scope=mine", **auth).json()
    assert [c["number"] for c in mine["results"]] == [number]
    commented = api.post(
        f"{BASE}/cases/{number}/comments", {"body": "More detail."},
        content_type="application/json", **auth,
    )  # fmt: skip
    assert commented.status_code == 201
    attached = api.post(
        f"{BASE}/cases/{number}/attachments",
        {"file": SimpleUploadedFile("remit.pdf", PDF_BYTES, content_type="application/pdf")},
        **auth,
    )
    assert attached.status_code == 201, attached.content
    entry = next(e for e in attached.json()["timeline"] if e["kind"] == "attachment")
    assert entry["file_name"] == "remit.pdf" and entry["author"] == "Kim Adams"
    download = api.get(f"{BASE}/cases/{number}/attachments/{entry['attachment_id']}", **auth)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES
    row = CaseAttachment.objects.get()
    assert row.uploaded_by == sw.colleague_user and row.author_kind == Actor.CUSTOMER


def test_bad_files_and_other_customers_cases(api, sw):
    auth = _token(sw.colleague_user, scopes=["support"])
    own = open_case(sw.colleague, sw.colleague_user)
    foreign = open_case(sw.other_customer, sw.other_user)
    bad = api.post(
        f"{BASE}/cases/{own.number}/attachments",
        {"file": SimpleUploadedFile("x.pdf", b"<html><script></script></html>")},
        **auth,
    )
    assert bad.status_code == 400 and not CaseAttachment.objects.exists()
    missing = api.post(f"{BASE}/cases/{own.number}/attachments", {}, **auth)
    assert missing.status_code == 400 and "field 'file'" in missing.json()["detail"]
    unlinked = _token(sw.user, scopes=["support"])
    assert api.post(f"{BASE}/cases/{own.number}/attachments", {}, **unlinked).status_code == 403
    assert api.get(f"{BASE}/cases/{foreign.number}", **auth).status_code == 404
    assert (
        api.post(
            f"{BASE}/cases/{foreign.number}/attachments",
            {"file": SimpleUploadedFile("r.pdf", PDF_BYTES)},
            **auth,
        ).status_code
        == 404
    )


def test_tokens_without_the_scope_or_user_link_are_refused(api, sw):
    assert api.get(f"{BASE}/cases").status_code == 401
    no_scope = _token(sw.colleague_user, scopes=["claims"])
    assert api.get(f"{BASE}/cases", **no_scope).status_code == 403
    unlinked = _token(sw.user, scopes=["support"])  # never did the customer log-in
    assert api.get(f"{BASE}/cases", **unlinked).status_code == 403


def test_agent_token_works_the_queue_and_attaches(api, sw):
    case = open_case(sw.colleague, sw.colleague_user)
    auth = _token(sw.agent, scopes=["support"])
    queue = api.get(f"{BASE}/staff/cases", **auth)
    assert queue.status_code == 200 and case.number in str(queue.json())
    attached = api.post(
        f"{BASE}/staff/cases/{case.number}/attachments",
        {"file": SimpleUploadedFile("letter.pdf", PDF_BYTES)},
        **auth,
    )
    assert attached.status_code == 201
    customer = _token(sw.colleague_user, scopes=["support"])
    assert api.get(f"{BASE}/staff/cases", **customer).status_code == 403


def test_an_attachment_sent_again_with_the_same_idempotency_key_is_saved_once(api, sw):
    """Before: a client retrying an upload after a timeout (same Idempotency-Key) attached the
    file twice; the case's timeline showed it twice."""
    auth = _token(sw.colleague_user, scopes=["support"])
    case = open_case(sw.colleague, sw.colleague_user)
    url = f"{BASE}/cases/{case.number}/attachments"

    def send(key: str) -> Any:
        upload = SimpleUploadedFile("remit.pdf", PDF_BYTES, content_type="application/pdf")
        return api.post(url, {"file": upload}, HTTP_IDEMPOTENCY_KEY=key, **auth)

    first, again = send("upload-1"), send("upload-1")
    assert first.status_code == again.status_code == 201
    files = [e["file_name"] for e in again.json()["timeline"] if e["kind"] == "attachment"]
    assert files == ["remit.pdf"]
    assert send("upload-2").status_code == 201  # a new key is a new upload
    assert case.attachments.count() == 2
    agent = _token(sw.agent, scopes=["support"])
    staff_url = f"{BASE}/staff/cases/{case.number}/attachments"
    for _ in range(2):
        letter = SimpleUploadedFile("letter.pdf", PDF_BYTES)
        sent = api.post(staff_url, {"file": letter}, HTTP_IDEMPOTENCY_KEY="letter-1", **agent)
        assert sent.status_code == 201
    assert case.attachments.filter(file_name="letter.pdf").count() == 1
