"""The support router (``/api/v1/support/``) × token kind.

``user_a`` is the direct customer (linked to customer organisation A, with a Support grant);
``user_b`` is practice B's billing clerk (no Support access). Customer operations need a
linked direct customer, so everyone else gets 403; agents' operations need the Support agent
role (``staff``). A system client acts as its service account, which is no direct customer and
no agent: 403.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix.api import ApiRoute
from tests.matrix.support import PDF, _support_world

ROUTES: dict = {}


def _case_a(world: Any) -> dict[str, Any]:
    return {"number": _support_world(world)["a"].number}


def _attachment_a(world: Any) -> dict[str, Any]:
    case = _support_world(world)["a"]
    return {"number": case.number, "attachment_id": case.attachments.first().pk}


def _pdf(world: Any) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("note.pdf", PDF, content_type="application/pdf")}


CUSTOMER = {"none": 401, "user_b": 403, "system": 403, "staff": 403}
AGENT = {"none": 401, "user_a": 403, "user_b": 403, "system": 403}

API_ROUTES = {
    "GET /api/v1/support/cases": ApiRoute(
        expect=CUSTOMER, user_a="direct_customer", setup=_support_world
    ),
    "POST /api/v1/support/cases": ApiRoute(
        expect=CUSTOMER,
        default=201,
        user_a="direct_customer",
        setup=_support_world,
        body=lambda w: {"case_type": "general", "subject": "Question", "description": "Help?"},
    ),
    "GET /api/v1/support/cases/{number}": ApiRoute(
        expect=CUSTOMER, user_a="direct_customer", path=_case_a
    ),
    "POST /api/v1/support/cases/{number}/comments": ApiRoute(
        expect=CUSTOMER,
        default=201,
        user_a="direct_customer",
        path=_case_a,
        body=lambda w: {"body": "More details."},
    ),
    "POST /api/v1/support/cases/{number}/attachments": ApiRoute(
        expect=CUSTOMER, default=201, user_a="direct_customer", path=_case_a, files=_pdf
    ),
    "GET /api/v1/support/cases/{number}/attachments/{attachment_id}": ApiRoute(
        expect=CUSTOMER, user_a="direct_customer", path=_attachment_a
    ),
    "POST /api/v1/support/staff/cases/{number}/attachments": ApiRoute(
        expect=AGENT, default=201, path=_case_a, files=_pdf
    ),
    "GET /api/v1/support/staff/cases": ApiRoute(expect=AGENT),
    "GET /api/v1/support/staff/cases/{number}": ApiRoute(expect=AGENT, path=_case_a),
    "POST /api/v1/support/staff/cases/{number}/comments": ApiRoute(
        expect=AGENT, default=201, path=_case_a, body=lambda w: {"body": "Looking into it."}
    ),
    "POST /api/v1/support/staff/cases/{number}/status": ApiRoute(
        expect=AGENT, path=_case_a, body=lambda w: {"status": "working", "note": ""}
    ),
}
