"""The claims router (``/api/v1/claims/``, scope ``claims``) and the FHIR ``Claim`` operations
(Da Vinci PAS ``$submit`` / ``$inquire``, scope ``priorauth``) × token kind.

REST: ``user_a`` is practice A's billing clerk, ``user_b`` practice B's; ``system`` is a client
bound to practice A (its service account holds a Claims grant for A's TINs, with submit);
``staff`` (a support agent) has no Claims grant: 403. Practice A's claims and appeals answer 404
to B (scoped selectors). FHIR ``Claim`` operations are prior authorization's: ``user_a`` is
practice A's physician (Prior Authorization grant).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portico.claims.models import ClaimStatus, ClaimSubmissionFile
from portico.priorauth.services.interop import priorauth_submit_pas
from portico.x12.models837 import Party
from portico.x12.status276 import ClaimStatusRequest, StatusInquiry, build_276
from portico.x12.writer import Envelope
from portico.x12.writer837 import build_837
from tests.codes.factories import Icd10CodeFactory, PlaceOfServiceFactory
from tests.factories.claims import (
    BILLING_NPI,
    PAYER_ID,
    PDF,
    claims_world,
    make_claim,
    practice_a_x12_claims,
)
from tests.factories.priorauth import make_pa_world
from tests.matrix.api import ApiRoute

ROUTES: dict = {}

PAS_BUNDLE = (
    Path(__file__).resolve().parents[1] / "priorauth" / "fixtures" / "pas_request_bundle.json"
)
APPEALABLE_A = "C20250000021"  # practice A's finalized claim without an open appeal


def _claims_api_world(world: Any) -> dict[str, Any]:
    """``claims_world`` plus the code sets a submitted claim is checked against and a
    finalized claim of practice A that has no open appeal yet."""
    Icd10CodeFactory(code="M5450", billable=True, fiscal_year=2026)
    PlaceOfServiceFactory(code="11", name="Office")
    data = claims_world(world)
    data["appealable_a"] = make_claim(
        organization=world.practice_a,
        tin="111111111",
        number=APPEALABLE_A,
        status=ClaimStatus.FINALIZED_DENIED,
    )
    return data


def _claim_a(world: Any) -> dict[str, Any]:
    return {"number": _claims_api_world(world)["claim_a"].number}


def _appealable_a(world: Any) -> dict[str, Any]:
    return {"number": _claims_api_world(world)["appealable_a"].number}


def _appeal_a(world: Any) -> dict[str, Any]:
    return {"number": _claims_api_world(world)["appeal_a"].number}


def _claim_body(world: Any) -> dict[str, Any]:
    """A professional claim of practice A (TIN 111111111) for the covered member."""
    return {
        "billing_tin": "111111111",
        "billing_npi": BILLING_NPI,
        "billing_name": "Practice A",
        "payer_id": PAYER_ID,
        "member_id": "HM100000001",
        "patient_account_number": "API-MATRIX-1",
        "place_of_service": "11",
        "service_date_from": "2025-03-10",
        "total_charge": "100.00",
        "diagnoses": [{"code": "M54.50"}],
        "lines": [{"procedure_code": "99213", "diagnosis_pointers": [1], "charge": "100.00"}],
        "idempotency_key": "api-matrix-1",
    }


def _pdf(world: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("report.pdf", PDF, content_type="application/pdf")}


def _attachment_form(world: Any) -> dict[str, Any]:
    return {"report_type": "09", "control_number": "MATRIX1", "description": "Op report"}


def _status_276(world: Any) -> tuple[bytes, str]:
    """An X12 276 asking for practice A's claim, sent as it is (B's answer: a 277 "not found")."""
    claim = _claims_api_world(world)["claim_a"]
    request = ClaimStatusRequest(
        payer_name="HARBOR",
        payer_id=PAYER_ID,
        receiver_name="PRACTICE A",
        receiver_id="SUBM01",
        inquiries=[
            StatusInquiry(
                trace_number="T1",
                provider_name="PRACTICE A",
                provider_npi=BILLING_NPI,
                subscriber_last_name="DOE",
                member_id="HM100000001",
                service_date=dt.date(2025, 3, 10),
                payer_claim_control_number=claim.number,
            )
        ],
    )
    env = Envelope(
        sender_id="SUBM01",
        receiver_id="PORTICO",
        interchange_control_number=5,
        group_control_number=5,
        created=dt.datetime(2025, 4, 1, 12, 0),
    )
    return build_276(request, env).encode(), "application/edi-x12"


def _file_837(world: Any) -> tuple[bytes, str]:
    """Two claims of practice A as an 837P interchange, sent as the body."""
    _claims_api_world(world)
    envelope = Envelope(
        sender_id="SUBM01",
        receiver_id="PORTICO",
        interchange_control_number=906,
        group_control_number=906,
        created=dt.datetime(2025, 4, 1, 12, 0),
    )
    text = build_837(
        practice_a_x12_claims(2),
        envelope,
        submitter=Party("PRACTICE A", "SUBM01", contact_name="Pat", contact_phone="5555550100"),
        receiver=Party("HARBOR", "PORTICO"),
    )
    return text.encode(), "application/edi-x12"


def _file_a(world: Any) -> dict[str, Any]:
    """An 837 file practice A sent, with its 999 written."""
    item = ClaimSubmissionFile.objects.create(
        organization=world.practice_a,
        file_key="claims/x12/matrix.x12",
        filename="matrix.837",
        sha256="0" * 64,
        size=10,
        ack_999="ISA*00*...~",
    )
    return {"file_id": item.pk}


def _pas_bundle(world: Any) -> dict[str, Any]:
    """A Da Vinci PAS request Bundle (its Claim) from practice A's connected provider."""
    pa = make_pa_world(world)
    return json.loads(PAS_BUNDLE.read_text().replace("__NPI__", pa.provider_a.npi))


def _pas_inquiry(world: Any) -> dict[str, Any]:
    """An inquiry Bundle naming a request practice A's physician submitted through PAS."""
    bundle = _pas_bundle(world)
    answer = priorauth_submit_pas(user=world.users["physician"], bundle=_pas_bundle(world))
    reference = answer["entry"][0]["resource"]["preAuthRef"]
    bundle["entry"][0]["resource"]["identifier"].append(
        {"system": "urn:portico:priorauth", "value": reference}
    )
    return bundle


LIST = {"none": 401, "staff": 403}
OBJECT = {"none": 401, "user_b": 404, "staff": 403}

API_ROUTES = {
    "GET /api/v1/claims/claims": ApiRoute(expect=LIST, setup=_claims_api_world),
    # B submitting for A's TIN: a field error on billing_tin.
    "POST /api/v1/claims/claims": ApiRoute(
        expect={**LIST, "user_b": 400}, default=201, setup=_claims_api_world, body=_claim_body
    ),
    "GET /api/v1/claims/claims/{number}": ApiRoute(expect=OBJECT, path=_claim_a),
    "GET /api/v1/claims/claims/{number}/status": ApiRoute(expect=OBJECT, path=_claim_a),
    "GET /api/v1/claims/claims/{number}/attachments": ApiRoute(expect=OBJECT, path=_claim_a),
    "POST /api/v1/claims/claims/{number}/attachments": ApiRoute(
        expect=OBJECT, default=201, path=_claim_a, body=_attachment_form, files=_pdf
    ),
    "POST /api/v1/claims/claims/{number}/appeals": ApiRoute(
        expect=OBJECT,
        default=201,
        path=_appealable_a,
        body=lambda w: {"reason": "underpayment", "explanation": "Paid below contract."},
    ),
    "POST /api/v1/claims/attachments": ApiRoute(
        expect=LIST, default=201, setup=_claims_api_world, body=_attachment_form, files=_pdf
    ),
    "GET /api/v1/claims/appeals": ApiRoute(expect=LIST, setup=_claims_api_world),
    "GET /api/v1/claims/appeals/{number}": ApiRoute(expect=OBJECT, path=_appeal_a),
    "POST /api/v1/claims/appeals/{number}/withdraw": ApiRoute(expect=OBJECT, path=_appeal_a),
    # Any submitter may send a file (B's claims for A's TIN are then rejected in its 277CA).
    "POST /api/v1/claims/files": ApiRoute(
        expect=LIST, default=202, setup=_claims_api_world, raw=_file_837
    ),
    "GET /api/v1/claims/files": ApiRoute(expect=LIST, setup=_claims_api_world),
    "GET /api/v1/claims/files/{file_id}": ApiRoute(expect=OBJECT, path=_file_a),
    "GET /api/v1/claims/files/{file_id}/{which}": ApiRoute(
        expect=OBJECT, path=lambda w: {**_file_a(w), "which": "999"}
    ),
    "POST /api/v1/claims/status-inquiry": ApiRoute(
        expect=LIST, setup=_claims_api_world, raw=_status_276
    ),
    # No Prior Authorization grant (B's billing clerk, the support agent): 403.
    "POST /fhir/r4/Claim/$submit": ApiRoute(
        expect={"none": 401, "user_b": 403, "staff": 403}, user_a="physician", body=_pas_bundle
    ),
    # No Prior Authorization grant (B's billing clerk, the support agent): 403, as from REST.
    "POST /fhir/r4/Claim/$inquire": ApiRoute(
        expect={"none": 401, "user_b": 403, "staff": 403}, user_a="physician", body=_pas_inquiry
    ),
}
