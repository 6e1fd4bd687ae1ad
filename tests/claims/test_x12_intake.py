"""837 upload → background processing → 999 + 277CA, duplicates, corrections, bad files."""

from __future__ import annotations

import dataclasses
import datetime
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from portico.claims import selectors, services
from portico.claims.api import router
from portico.claims.models import (
    Claim,
    ClaimAttachment,
    ClaimStatus,
    ClaimSubmissionFile,
    SubmissionStatus,
)
from portico.members.models import Coverage, HealthPlan, Member
from portico.organizations.models import OrganizationTIN
from portico.x12.models837 import Claim as X12Claim
from portico.x12.models837 import Party
from portico.x12.writer837 import build_837 as _build_837
from tests.claims.conftest import FIXTURES
from tests.codes.factories import Icd10CodeFactory
from tests.conftest import router_client
from tests.factories.claims import plan_member, practice_a_x12_claims

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "x12"))
from x12_helpers import make_envelope, pyx12_errors


def _fixture_world(cw: Any) -> None:
    """Let practice A submit for the fixture's billing TIN and payer."""
    OrganizationTIN.objects.create(organization=cw.world.practice_a, tin="587654321")
    grant = cw.world.users["billing_clerk"].grants.get(application="claims")
    grant.scope = {"tins": ["111111111", "587654321"], "submit_claims": True}
    grant.save()
    for code in ("J0390", "Z23"):
        Icd10CodeFactory(code=code, billable=True, fiscal_year=2026)
    plan = HealthPlan.objects.create(name="Key Insurance", payer_id="999996666")
    for mid, first, last in (("JS00111223333", "Jane", "Smith"), ("JD998877", "John", "Doe")):
        m = Member.objects.create(
            plan=plan, member_id=mid, first_name=first, last_name=last, date_of_birth="1960-01-15"
        )
        Coverage.objects.create(member=m, plan=plan, start_date="2020-01-01")


def build_837(claims: list[X12Claim], envelope: Any) -> str:
    return _build_837(
        claims,
        envelope,
        submitter=Party(
            "PRACTICE A BILLING", "SUBM01", contact_name="Pat", contact_phone="5555550100"
        ),
        receiver=Party("HARBOR", "PORTICO"),
    )


def env(n: int = 905) -> Any:
    return make_envelope(
        interchange_control_number=n, group_control_number=n, created=datetime.datetime.now()
    )


def upload(client: Any, content: bytes, name: str = "claims.837") -> ClaimSubmissionFile:
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/claims/files/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ClaimSubmissionFile.objects.order_by("-id").first()


def ack_277ca(item: ClaimSubmissionFile) -> str:
    """The file's 277CA as the download gives it (it is kept in storage, not in the row)."""
    stream = selectors.claim_file_ack_open(item=item, which="277ca")
    assert stream is not None, "no 277CA"
    with stream:
        return stream.read().decode()


def _claims(
    n: int, *, bad: set[int] = frozenset(), freq: str = "1", ref: str = ""
) -> list[X12Claim]:
    return practice_a_x12_claims(n, bad=frozenset(bad), freq=freq, ref=ref)


def test_fixture_837p_is_accepted_with_999_and_277ca_that_pyx12_accepts(cw, persona_client):
    _fixture_world(cw)
    client = persona_client("billing_clerk")
    item = upload(client, (FIXTURES / "837p_commercial.txt").read_bytes())
    assert item.status in (SubmissionStatus.ACCEPTED, SubmissionStatus.ACCEPTED_WITH_ERRORS)
    assert "IK5*A" in item.ack_999 and "AK9*A*1*1*1" in item.ack_999
    assert pyx12_errors(item.ack_999) == []
    assert pyx12_errors(ack_277ca(item)) == [], ack_277ca(item)
    # Claim 1 accepted; claim 2 is a replacement of an unknown claim → rejected in the 277CA.
    assert item.accepted_count == 1 and item.rejected_count == 1, item.error_summary
    claim = Claim.objects.get(patient_account_number="26463774")
    assert claim.status == ClaimStatus.ACCEPTED and claim.member.member_id == "JS00111223333"
    assert claim.patient_first_name == "TED" and claim.prior_auth_number == "PA13579"
    assert claim.lines.count() == 4 and claim.diagnoses.count() == 2
    assert ClaimAttachment.objects.get(claim=claim).control_number == "DMN0012"
    assert f"REF*1K*{claim.number}" in ack_277ca(item)
    page = client.get(f"/claims/files/{item.pk}/")
    # The page the upload leads to tells the outcome; nothing says it is still being processed
    # (before: "claims.837 was received and is being processed." above the results).
    assert "claims.837 was received." in page.content.decode()
    assert "being processed" not in page.content.decode()
    # Claim 2 uses M54.5, retired from ICD-10-CM: rejected one by one in the 277CA.
    assert "M54.5 is not an ICD-10-CM code" in item.error_summary
    assert b"Claim 26463775" in page.content
    download = client.get(f"/claims/files/{item.pk}/277ca/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode() == ack_277ca(item)
    assert download["Content-Disposition"] == f'attachment; filename="file-{item.pk}.277ca.x12"'
    assert "277CA acknowledgment" in page.content.decode() and "ISA*" in page.content.decode()


def test_837i_fixture_is_read(cw, persona_client):
    text = (FIXTURES / "837i_inpatient.txt").read_bytes()
    item = upload(persona_client("billing_clerk"), text)
    # The billing TIN is not practice A's: every claim is rejected one by one, file accepted.
    assert item.ack_999 and "IK5*A" in item.ack_999
    assert item.rejected_count >= 1 and item.accepted_count == 0
    assert "A7:128:85" in ack_277ca(item) and pyx12_errors(ack_277ca(item)) == []


def test_good_and_bad_claims_in_one_file(cw, persona_client):
    text = build_837(_claims(3, bad={1}), env())
    item = upload(persona_client("billing_clerk"), text.encode())
    assert item.status == SubmissionStatus.ACCEPTED_WITH_ERRORS
    assert (item.accepted_count, item.rejected_count) == (2, 1)
    assert Claim.objects.count() == 2
    assert "not a billable code" in item.error_summary
    assert pyx12_errors(ack_277ca(item)) == []


def test_same_file_twice_creates_no_duplicates(cw, persona_client):
    client = persona_client("billing_clerk")
    text = build_837(_claims(2), env()).encode()
    first = upload(client, text)
    second = upload(client, text)
    assert Claim.objects.count() == 2
    assert second.duplicate_of_id == first.pk and second.duplicate_count == 2
    numbers = sorted(Claim.objects.values_list("number", flat=True))
    assert all(f"REF*1K*{n}" in ack_277ca(second) for n in numbers)


def test_two_interchanges_numbering_their_sets_alike_are_both_processed(cw, persona_client):
    """Clearinghouses concatenate interchanges, each starting at ST02 0001: the second's claims
    (same CLM01s, same places in their sets) are claims of their own, not a crash that left the
    file Queued with no 999."""
    client = persona_client("billing_clerk")
    text = (build_837(_claims(2), env(905)) + build_837(_claims(2), env(906))).encode()
    item = upload(client, text)
    assert item.status == SubmissionStatus.ACCEPTED, item.error_summary
    assert (item.claim_count, item.accepted_count, item.duplicate_count) == (4, 4, 0)
    assert Claim.objects.count() == 4 and item.ack_999
    again = upload(client, text)  # the same file sent again: every claim is a duplicate
    assert (again.duplicate_count, Claim.objects.count()) == (4, 4)


def test_an_interchange_repeated_in_one_file_stores_its_claims_once(cw, persona_client):
    text = build_837(_claims(2), env(905))
    item = upload(persona_client("billing_clerk"), (text + text).encode())
    assert item.finished_at is not None and item.ack_999, item.status
    assert (item.claim_count, item.accepted_count, item.duplicate_count) == (4, 2, 2)
    assert Claim.objects.count() == 2
    assert all(f"REF*1K*{c.number}" in ack_277ca(item) for c in Claim.objects.all())


@pytest.mark.parametrize("character", ["\x00", "\x07"])
def test_a_control_character_in_an_element_rejects_its_set(cw, persona_client, character):
    """Before, a NUL in a name was stored with the claim (PostgreSQL refuses it, failing
    the whole file's processing); control characters are in neither X12 character set."""
    claims = _claims(2)
    claims[1] = dataclasses.replace(
        claims[1],
        subscriber=dataclasses.replace(claims[1].subscriber, last_name=f"SMI{character}TH"),
    )
    item = upload(persona_client("billing_clerk"), build_837(claims, env()).encode())
    assert item.status == SubmissionStatus.REJECTED and Claim.objects.count() == 0
    assert "IK5*R" in item.ack_999 and "*6*SMITH~" in item.ack_999, item.ack_999
    assert pyx12_errors(item.ack_999) == []


def test_replacement_adjusts_original_and_void_voids(cw, persona_client):
    client = persona_client("billing_clerk")
    upload(client, build_837(_claims(1), env()).encode())
    original = Claim.objects.get()
    Claim.objects.filter(pk=original.pk).update(status=ClaimStatus.FINALIZED_PAID)
    upload(client, build_837(_claims(1, freq="7", ref=original.number), env(906)).encode())
    original.refresh_from_db()
    replacement = Claim.objects.exclude(pk=original.pk).get()
    assert original.status == ClaimStatus.ADJUSTED and replacement.original == original
    upload(client, build_837(_claims(1, freq="8", ref=replacement.number), env(907)).encode())
    replacement.refresh_from_db()
    assert replacement.status == ClaimStatus.VOIDED


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"ISA*00*garbage", "could not be read"),
        (None, "IK5*R"),
    ],
)
def test_bad_files_get_a_999_and_no_claims(cw, persona_client, content, expect):
    if content is None:  # a transaction set whose SE count is wrong
        text = build_837(_claims(2), env())
        content = text.replace("SE*", "SE*9", 1).encode()
    item = upload(persona_client("billing_clerk"), content)
    assert item.status == SubmissionStatus.REJECTED
    assert Claim.objects.count() == 0
    assert expect in item.ack_999 or expect in item.error_summary
    if item.ack_999:
        assert pyx12_errors(item.ack_999) == []


def test_not_x12_is_refused_at_upload(cw, persona_client):
    client = persona_client("billing_clerk")
    response = client.post("/claims/files/", {"file": SimpleUploadedFile("a.837", b"%PDF-1.4")})
    assert response.status_code == 200 and b"not an X12 file" in response.content
    assert not ClaimSubmissionFile.objects.exists()


def test_other_practice_cannot_see_the_file(cw, persona_client):
    item = upload(persona_client("billing_clerk"), build_837(_claims(1), env()).encode())
    assert persona_client("billing_clerk_b").get(f"/claims/files/{item.pk}/").status_code == 404


def test_service_level_processing_is_idempotent(cw):
    user = cw.world.users["billing_clerk"]
    text = build_837(_claims(1), env()).encode()
    item = services.claim_file_upload(user=user, file=SimpleUploadedFile("x.837", text))
    services.claim_file_process(file_id=item.pk)
    services.claim_file_process(file_id=item.pk)
    assert Claim.objects.count() == 1


def test_a_long_277ca_is_shown_in_part_and_downloaded_whole(cw, persona_client):
    client = persona_client("billing_clerk")
    item = upload(client, build_837(_claims(150), env()).encode())
    assert item.accepted_count == 150
    whole = ack_277ca(item)
    assert len(whole) > selectors.ACK_PREVIEW_CHARS and whole.count("REF*1K*") == 150
    page = client.get(f"/claims/files/{item.pk}/").content.decode()
    assert "its beginning is shown here; the download has all of it" in page
    assert whole[:200] in page and whole[-200:] not in page
    download = client.get(f"/claims/files/{item.pk}/277ca/")
    assert b"".join(download.streaming_content).decode() == whole


def test_each_claim_is_matched_to_the_coverage_span_of_its_service_date(cw, persona_client):
    """A member's claims find the coverage span of their service date (the newest first),
    and a member whose coverage had lapsed is rejected one claim at a time."""
    plan, member, current = plan_member()  # HM100000001
    Coverage.objects.filter(pk=current.pk).update(start_date="2025-03-01", end_date=None)
    earlier = Coverage.objects.create(
        member=member, plan=plan, start_date="2024-01-01", end_date="2024-12-31"
    )
    lapsed = Member.objects.create(
        plan=plan, member_id="HM100000002", first_name="Lee", last_name="Roe",
        date_of_birth="1970-05-06",
    )  # fmt: skip
    Coverage.objects.create(
        member=lapsed, plan=plan, start_date="2019-01-01", end_date="2019-12-31"
    )
    claims = _claims(3)
    claims[1].lines[0].service_date = datetime.date(2024, 6, 1)
    claims[2].subscriber = dataclasses.replace(claims[2].subscriber, member_id="HM100000002")

    item = upload(persona_client("billing_clerk"), build_837(claims, env()).encode())

    assert (item.accepted_count, item.rejected_count) == (2, 1), item.error_summary
    stored = {c.patient_account_number: c for c in Claim.objects.all()}
    assert stored["ACC0000"].coverage_id == current.pk
    assert stored["ACC0001"].coverage_id == earlier.pk
    assert stored["ACC0000"].member_id == stored["ACC0001"].member_id == member.pk
    assert "ACC0002" not in stored
    assert "The member had no coverage on 03/10/2025." in item.error_summary


def test_a_clearinghouse_sends_an_837_through_the_api_and_fetches_its_acks(cw):
    """Before: 837s could only be uploaded on the portal page (session + CSRF)."""
    api = router_client(router)
    user = cw.world.users["billing_clerk"]
    text = build_837(_claims(2), env(907)).encode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        sent = api.post("/files", data=text, content_type="application/edi-x12", user=user)
    assert sent.status_code == 202, sent.content
    body = sent.json()
    assert body["filename"] == "claims.837" and body["size"] == len(text)
    status = api.get(f"/files/{body['id']}", user=user).json()
    assert status["status"] == "accepted" and status["accepted_count"] == 2
    assert status["ack_999_url"] == f"/api/v1/claims/files/{body['id']}/999"
    ack = api.get(f"/files/{body['id']}/999", user=user)
    assert ack.status_code == 200 and ack["Content-Type"] == "application/edi-x12"
    assert "IK5*A" in ack.content.decode() and pyx12_errors(ack.content.decode()) == []
    ca = api.get(f"/files/{body['id']}/277ca", user=user).content.decode()
    assert ca == ack_277ca(ClaimSubmissionFile.objects.get(pk=body["id"]))
    assert [f["id"] for f in api.get("/files", user=user).json()] == [body["id"]]
    other = cw.world.users["billing_clerk_b"]
    assert api.get(f"/files/{body['id']}/999", user=other).status_code == 404
    assert api.get("/files", user=other).json() == []

    # The same file as a multipart upload; not-X12 and a body of another type are refused.
    upload = {"file": SimpleUploadedFile("batch.837", build_837(_claims(1), env(908)).encode())}
    with TestCase.captureOnCommitCallbacks(execute=True):
        multipart = api.post("/files", FILES=upload, user=user)
    assert multipart.status_code == 202 and multipart.json()["filename"] == "batch.837"
    pdf = api.post("/files", data=b"%PDF-1.4", content_type="application/edi-x12", user=user)
    assert pdf.status_code == 400
    assert pdf.json()["error"]["fields"][0]["field"] == "file"
    json_body = api.post("/files", json={"file": "ISA"}, user=user)
    assert json_body.status_code == 400
    assert ClaimSubmissionFile.objects.count() == 2
