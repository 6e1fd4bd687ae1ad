"""Search, detail, attachments, appeals and the REST router (incl. 276 → 277)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portico.claims import selectors, services
from portico.claims.api import router
from portico.claims.models import Appeal, AppealStatus, ClaimAttachment, ClaimStatus
from portico.x12.status276 import ClaimStatusRequest, StatusInquiry, build_276, read_claim_status
from portico.x12.writer import Envelope
from tests.claims.conftest import API_CLAIM, claim_data, no_submit
from tests.conftest import router_client
from tests.factories.claims import PDF, make_claim

api = router_client(router)


def _many(cw: Any, n: int = 30) -> list[Any]:
    org = cw.world.practice_a
    return [
        make_claim(
            organization=org,
            tin="111111111",
            number=f"C2025{i:07d}",
            charge=Decimal(10 + i),
            service_date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            status=ClaimStatus.FINALIZED_PAID if i % 2 else ClaimStatus.RECEIVED,
        )
        for i in range(1, n + 1)
    ]


def test_keyset_pagination_walks_every_claim_once(cw):
    _many(cw)
    make_claim(organization=cw.world.practice_b, tin="222222222", number="C2025BBBBBBB")
    user = cw.world.users["billing_clerk"]
    seen: list[str] = []
    cursor = ""
    while True:
        page = selectors.claims_search(
            user=user, search=selectors.ClaimSearch(sort="-charge"), cursor=cursor, limit=7
        )
        seen += [c.number for c in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == 30 == len(set(seen)) and "C2025BBBBBBB" not in seen
    charges = [selectors.claim_get_by_number(number=n).total_charge for n in seen]
    assert charges == sorted(charges, reverse=True)
    back = selectors.claims_search(
        user=user, search=selectors.ClaimSearch(sort="-charge"), cursor=page.prev_cursor, limit=7
    )
    assert back.items and back.items[-1].number == seen[-len(page.items) - 1]


def test_search_filters(cw, persona_client):
    _many(cw, 10)
    client = persona_client("billing_clerk")
    html = client.get("/claims/search/?status=finalized_paid&billed_min=15").content.decode()
    assert "C20250000005" in html and "C20250000004" not in html and "C20250000003" not in html
    html = client.get("/claims/search/?dos_from=2025-01-03&dos_to=2025-01-04").content.decode()
    assert "C20250000002" in html and "C20250000003" in html and "C20250000005" not in html
    html = client.get("/claims/search/?patient_name=doe&member_id=HM100000001").content.decode()
    assert "C20250000001" in html
    bad = client.get("/claims/search/?dos_from=2025-02-01&dos_to=2025-01-01")
    assert b"before the start date" in bad.content


def test_other_practice_claims_are_404(cw, persona_client):
    claim_b = make_claim(organization=cw.world.practice_b, tin="222222222", number="C2025BBBBBBB")
    client = persona_client("billing_clerk")
    assert client.get(f"/claims/c/{claim_b.number}/").status_code == 404
    assert (
        api.get(f"/claims/{claim_b.number}", user=cw.world.users["billing_clerk"]).status_code
        == 404
    )


def test_appeal_with_attachment_then_withdraw(cw, persona_client):
    claim = make_claim(
        organization=cw.world.practice_a,
        tin="111111111",
        number="C2025PAID001",
        status=ClaimStatus.FINALIZED_DENIED,
        lines=2,
    )
    client = persona_client("billing_clerk")
    page = client.get(f"/claims/c/{claim.number}/appeal/?line=2")
    assert b"Up to 5 files" in page.content
    response = client.post(
        f"/claims/c/{claim.number}/appeal/",
        {
            "line": str(claim.lines.get(line_number=2).pk),
            "reason": "medical_necessity",
            "explanation": "Records attached.",
            "idempotency_key": "k1",
            "documents": [SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf")],
        },
    )
    appeal = Appeal.objects.get()
    assert response["Location"] == f"/claims/appeals/{appeal.number}/"
    assert appeal.status == AppealStatus.RECEIVED and appeal.line.line_number == 2
    assert appeal.attachments.get().filename == "notes.pdf"
    detail = client.get(response["Location"])
    assert b"notes.pdf" in detail.content and b"Received" in detail.content
    download = client.get(f"/claims/appeals/{appeal.number}/files/{appeal.attachments.get().pk}/")
    assert download.status_code == 200
    listed = client.get("/claims/appeals/?status=open").content.decode()
    assert appeal.number in listed
    client.post(f"/claims/appeals/{appeal.number}/withdraw/", {"version": appeal.version})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.WITHDRAWN
    assert b"No appeals found" in client.get("/claims/appeals/?status=open").content
    assert (
        persona_client("billing_clerk_b").get(f"/claims/appeals/{appeal.number}/").status_code
        == 404
    )


def test_appeal_refuses_unfinalized_claim_and_bad_files(cw):
    user = cw.world.users["billing_clerk"]
    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025RECV001")
    try:
        services.appeal_file(user=user, claim=claim, reason="other", explanation="x")
        raise AssertionError("expected refusal")
    except services.ClaimError as exc:
        assert "finalized" in exc.message
    claim.status = ClaimStatus.FINALIZED_PAID
    claim.save()
    exe = SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary")
    try:
        services.appeal_file(user=user, claim=claim, reason="other", explanation="x", files=[exe])
        raise AssertionError("expected refusal")
    except services.ClaimError as exc:
        assert exc.field == "files"
    assert not Appeal.objects.exists()


def test_unsolicited_attachment_is_matched_by_control_number(cw, persona_client):
    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025PWK0001")
    ClaimAttachment.objects.create(
        claim=claim,
        organization=claim.organization,
        report_type="09",
        transmission_code="FX",
        control_number="DMN1",
    )
    client = persona_client("billing_clerk")
    response = client.post(
        "/claims/attachments/",
        {
            "report_type": "09",
            "control_number": "DMN1",
            "file": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response["Location"] == f"/claims/c/{claim.number}/"
    att = ClaimAttachment.objects.get(claim=claim)
    assert att.filename == "r.pdf" and att.file_key
    # No claim yet: kept, and listed as waiting.
    client.post(
        "/claims/attachments/",
        {
            "report_type": "OZ",
            "control_number": "LATER9",
            "file": SimpleUploadedFile("s.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert ClaimAttachment.objects.get(control_number="LATER9").claim is None
    assert b"LATER9" in client.get("/claims/attachments/").content


def test_api_submit_search_detail_and_idempotency(cw):
    user = cw.world.users["billing_clerk"]
    payload = {**API_CLAIM, "idempotency_key": "abc-1"}
    first = api.post("/claims", json=payload, user=user)
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "received" and body["lines"][0]["procedure_code"] == "99213"
    again = api.post("/claims", json=payload, user=user)
    assert again.status_code == 200 and again.json()["number"] == body["number"]
    bad = api.post(
        "/claims", json={**payload, "idempotency_key": "", "total_charge": "90"}, user=user
    )
    assert bad.status_code == 400
    assert "total_charge" in [f["field"] for f in bad.json()["error"]["fields"]]
    listed = api.get("/claims?patient_account_number=API-1", user=user).json()
    assert [c["number"] for c in listed["results"]] == [body["number"]]
    status = api.get(f"/claims/{body['number']}/status", user=user).json()
    assert status["category_code"] == "A1"
    assert api.get("/claims", user=cw.world.users["physician"]).status_code == 403
    no_submit(user)
    assert (
        api.post("/claims", json={**payload, "idempotency_key": "z"}, user=user).status_code == 403
    )


def test_276_inquiry_answers_277_for_own_claims_only(cw):
    user = cw.world.users["billing_clerk"]
    claim, _ = services.claim_create(user=user, data=claim_data())
    b_claim = make_claim(organization=cw.world.practice_b, tin="222222222", number="C2025BBBBBBB")
    request = ClaimStatusRequest(
        payer_name="HARBOR",
        payer_id="PORTICO01",
        receiver_name="PRACTICE A",
        receiver_id="SUBM01",
        inquiries=[
            StatusInquiry(
                trace_number="T1",
                provider_name="PRACTICE A",
                provider_npi="1234567893",
                subscriber_last_name="DOE",
                member_id="HM100000001",
                service_date=dt.date(2025, 3, 10),
                patient_account_number="PA-1001",
            ),
            StatusInquiry(
                trace_number="T2",
                provider_name="PRACTICE A",
                provider_npi="1234567893",
                subscriber_last_name="DOE",
                member_id="HM100000001",
                service_date=dt.date(2025, 3, 10),
                payer_claim_control_number=b_claim.number,
            ),
        ],
    )
    env = Envelope(
        sender_id="SUBM01",
        receiver_id="PORTICO",
        interchange_control_number=5,
        group_control_number=5,
        created=dt.datetime.now(),
    )
    response = api.post("/status-inquiry", body=build_276(request, env).encode(), user=user)
    assert response.status_code == 200, response.content
    answer = read_claim_status(response.content)
    results = {r.inquiry.trace_number: r for r in answer.results}  # type: ignore[union-attr]
    assert results["T1"].statuses[0].category == "A1"
    assert results["T1"].inquiry.payer_claim_control_number == claim.number
    assert results["T2"].statuses[0].category == "A4"  # another practice's claim: not found
    garbage = api.post("/status-inquiry", body=b"hello", user=user)
    assert garbage.status_code == 400


def test_patient_name_search_ignores_case_and_order_through_its_index(cw):
    from django.db.models import Q

    from portico.claims.models import Claim
    from portico.core.lookups import same_ignoring_case

    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025NAME001")
    Claim.objects.filter(pk=claim.pk).update(patient_first_name="Dana", patient_last_name="McKay")
    user = cw.world.users["billing_clerk"]
    for typed in ["mckay", "MCKAY", "dana mckay", "McKay, Dana", "MCKAY DANA"]:
        page = selectors.claims_search(user=user, search=selectors.ClaimSearch(patient_name=typed))
        assert [c.number for c in page.items] == ["C2025NAME001"], typed
    assert not selectors.claims_search(
        user=user, search=selectors.ClaimSearch(patient_name="dana mckayla")
    ).items
    # The expression the search filters on is the one the index is built on.
    plan = Claim.objects.filter(
        Q(same_ignoring_case("patient_last_name", "McKay"))
        & Q(same_ignoring_case("patient_first_name", "Dana"))
    ).explain()
    assert "claim_patient_ci" in plan, plan


def test_the_idempotency_key_header_is_honoured_and_a_reused_key_is_refused(cw):
    """Before: only the body's idempotency_key counted, so a client that sent the header (as
    the Connect API documents) created the claim twice; a key sent again with another claim
    answered 200 with the first claim."""
    user = cw.world.users["billing_clerk"]
    payload = {**API_CLAIM, "patient_account_number": "HDR-1"}
    headers = {"Idempotency-Key": "retry-me-7"}
    first = api.post("/claims", json=payload, headers=headers, user=user)
    again = api.post("/claims", json=payload, headers=headers, user=user)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    other = {**payload, "patient_account_number": "HDR-2"}
    refused = api.post("/claims", json=other, headers=headers, user=user)
    assert refused.status_code == 409
    assert first.json()["number"] in refused.json()["error"]["message"]
    numbers = [c["number"] for c in api.get("/claims", user=user).json()["results"]]
    assert numbers.count(first.json()["number"]) == 1
    assert not any(
        c["patient_account_number"] == "HDR-2"
        for c in api.get("/claims", user=user).json()["results"]
    )


def test_search_parameters_it_cannot_use_are_refused_not_ignored(cw):
    """Before: limit=0 gave one claim, a made-up cursor the first page, status=bogus an empty
    list and sort=bogus the default order, each without a word."""
    user = cw.world.users["billing_clerk"]
    _many(cw, 3)
    for query, field in (
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("cursor=garbage", "cursor"),
        ("status=bogus", "status"),
        ("sort=bogus", "sort"),
    ):
        response = api.get(f"/claims?{query}", user=user)
        assert 400 <= response.status_code < 500, query
        fields = [f["field"] for f in response.json()["error"]["fields"]]
        assert any(field in f for f in fields), (query, fields)
    first = api.get("/claims?limit=2", user=user).json()
    assert len(first["results"]) == 2 and first["next_cursor"]
    rest = api.get(f"/claims?limit=2&cursor={first['next_cursor']}", user=user).json()
    assert len(rest["results"]) == 1
