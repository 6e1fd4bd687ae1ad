"""Form data and shortcuts shared by Connect's tests."""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portico.organizations.models import AccessRequest


def cop_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "idempotency_key": str(uuid.uuid4()),
        "request_type": "new",
        "contact_name": "Casey Morgan",
        "contact_phone": "(212) 555-0142",
        "practice_name": "Bayside Pediatrics",
        "tins": "12-3456789, 987-65-4321",
        "address": "400 Harbor Road",
        "suite": "Suite 210",
        "city": "Lakeport",
        "state": "NY",
        "zip": "10990",
        "telephone": "212-555-0150",
        "front_office_email": "frontdesk@bayside.example",
        "fax": "2125550151",
        "officer_first_name": "Dana",
        "officer_last_name": "Whitfield",
        "officer_email": "dana.whitfield@bayside.example",
        "officer_title": "Office Manager",
        "user_first_name": "Casey",
        "user_last_name": "Morgan",
        "user_email": "casey.morgan@bayside.example",
        "submit_claims": "yes",
        "user_title": "Billing Specialist",
        "login_user_id": "cmorgan.bayside",
    }
    data.update(overrides)
    return data


def pip_data(rows: list[dict[str, str]] | None = None, **overrides: Any) -> dict[str, Any]:
    rows = (
        rows
        if rows is not None
        else [
            {
                "name": "Robin Hartwell",
                "email": "robin@bayside.example",
                "npi": "1234567893",
                "existing_username": "rhartwell",
                "cap_report": "yes",
                "add_terms": "no",
            },
        ]
    )
    data: dict[str, Any] = {
        "idempotency_key": str(uuid.uuid4()),
        "physician_name": "Dr. Robin Hartwell",
        "address": "400 Harbor Road",
        "city": "Lakeport",
        "zip": "10990",
        "telephone": "(212) 555-0160",
        "fax": "(212) 555-0161",
        "practice_name": "Bayside Pediatrics",
        "regions": ["R1", "SJ"],
        "roles": ["pcp"],
        "actions": ["new_access"],
        "hipaa_acknowledged": "on",
        "rows-TOTAL_FORMS": str(max(len(rows), 4)),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "1",
        "rows-MAX_NUM_FORMS": "4",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"rows-{i}-{key}"] = value
    for i in range(len(rows), 4):
        data[f"rows-{i}-cap_report"] = "no"
        data[f"rows-{i}-add_terms"] = "no"
    data.update(overrides)
    return data


def submit_cop(client: Client, **overrides: Any) -> AccessRequest:
    """Submit the Claims Online Portal form as the client's user, for themselves (the form's
    User section names them, as the page pre-fills it) unless ``overrides`` say otherwise."""
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    mine = {"user_email": user.email, "login_user_id": user.get_username()}
    response = client.post(reverse("connect:access-claims"), cop_data(**{**mine, **overrides}))
    assert response.status_code == 302, response.content.decode()[:3000]
    return AccessRequest.objects.order_by("-id").first()  # type: ignore[return-value]


SIGNED_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_by_upload(access_request: AccessRequest, actor: Any) -> AccessRequest:
    """The signed form uploaded (the way a form with other signers than the requester is
    signed: printed, signed by everyone, scanned)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portico.core.uploads import store_upload
    from portico.organizations.services.access import access_request_sign_upload

    upload = SimpleUploadedFile("signed.pdf", SIGNED_PDF, content_type="application/pdf")
    stored = store_upload(file=upload, prefix="access-forms")
    return access_request_sign_upload(access_request=access_request, actor=actor, stored=stored)


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True, text=True
        ).stdout
