"""The Connect router (``/api/v1/connect/``, scope ``connect``) × token kind.

``user_a`` is practice A's billing clerk (their own access requests) or, for the practice
operations, practice A's administrator; ``user_b`` is practice B's billing clerk: another
person's request and another practice answer 404. A system client may read ``/me`` but
submits no access form (403). The ``/staff/`` operations need the access administrator role
(``staff``); everyone else 403.
"""

from __future__ import annotations

import uuid
from typing import Any

from portico.connect.forms.access import ClaimsAccessForm
from portico.organizations.models import AccessRequest, Membership
from tests.connect.helpers import cop_data
from tests.matrix.api import ApiRoute, authenticated

ROUTES: dict = {}

S = AccessRequest.Status


def claims_body(user: Any = None) -> dict[str, Any]:
    """The Claims Online Portal access form as the API takes it (JSON, booleans); with
    ``user``, its User section names that person (else a colleague without a Portico ID)."""
    body = {k: v for k, v in cop_data().items() if k != "idempotency_key"}
    body["submit_claims"] = True
    if user is not None:
        body.update(user_email=user.email, login_user_id=user.get_username())
    return body


def patientinfo_body() -> dict[str, Any]:
    """The Physician Info Portal access form with one physician row, as JSON."""
    return {
        "physician_name": "Dr. Robin Hartwell",
        "address": "400 Harbor Road",
        "city": "Lakeport",
        "zip": "10990",
        "telephone": "(212) 555-0160",
        "practice_name": "Bayside Pediatrics",
        "regions": ["R1"],
        "roles": ["pcp"],
        "actions": ["new_access"],
        "hipaa_acknowledged": True,
        "rows": [{"name": "Robin Hartwell", "email": "robin@bayside.example", "npi": "1234567893"}],
    }


def support_body() -> dict[str, Any]:
    return {
        "company_name": "Empire Test Billing",
        "pfi": "123456",
        "user_id": "ZCS00001",
        "first_name": "Sam",
        "last_name": "Okafor",
        "title": "Billing lead",
        "phone": "(212) 555-0188",
        "email": "sam@example.org",
        "attest": True,
    }


def _request(world: Any, status: str = S.SUBMITTED, persona: str = "billing_clerk") -> str:
    user = world.users[persona]
    form = ClaimsAccessForm(cop_data(), user=user, idp_name="Portico ID")
    assert form.is_valid(), form.errors
    data = form.to_data()
    request = AccessRequest.objects.create(
        reference=f"AR-{uuid.uuid4().hex[:4].upper()}-{uuid.uuid4().hex[:4].upper()}",
        application="claims",
        request_type="new",
        requester=user,
        idempotency_key=uuid.uuid4(),
        practice_name=data["practice_name"],
        tins=" ".join(t["digits"] for t in data["tins"]),
        data=data,
        status=status,
        signature_method="browser",
        signed_name=user.get_full_name(),
    )
    return request.reference


def _own(world: Any) -> dict[str, Any]:
    return {"reference": _request(world)}


def _asked(world: Any) -> dict[str, Any]:
    return {"reference": _request(world, S.MORE_INFO)}


def _submitted(world: Any) -> dict[str, Any]:
    return {"reference": _request(world, S.SUBMITTED)}


def _in_review(world: Any) -> dict[str, Any]:
    return {"reference": _request(world, S.IN_REVIEW)}


def _org_a(world: Any) -> dict[str, Any]:
    return {"org": world.practice_a.pk}


def _clerk_membership(world: Any) -> dict[str, Any]:
    membership = Membership.objects.get(
        user=world.users["billing_clerk"], organization=world.practice_a
    )
    return {"org": world.practice_a.pk, "membership": membership.pk}


OWN = {"none": 401, "user_b": 404, "system": 404, "staff": 404}
PRACTICE = {"none": 401, "user_b": 404, "system": 404, "staff": 404}
STAFF = {"none": 401, "user_a": 403, "user_b": 403, "system": 403}


def _own_route(**kwargs: Any) -> ApiRoute:
    return ApiRoute(expect=OWN, **kwargs)


def _practice(**kwargs: Any) -> ApiRoute:
    return ApiRoute(expect=PRACTICE, user_a="practice_admin", **kwargs)


def _staff(**kwargs: Any) -> ApiRoute:
    return ApiRoute(expect=STAFF, staff="access_admin", **kwargs)


API_ROUTES = {
    "GET /api/v1/connect/me": authenticated(),
    "GET /api/v1/connect/access-requests": authenticated(),
    "POST /api/v1/connect/access-requests/claims": ApiRoute(
        expect={"none": 401, "system": 403}, default=201, body=lambda w: claims_body()
    ),
    "POST /api/v1/connect/access-requests/patientinfo": ApiRoute(
        expect={"none": 401, "system": 403}, default=201, body=lambda w: patientinfo_body()
    ),
    "POST /api/v1/connect/access-requests/support": ApiRoute(
        expect={"none": 401, "system": 403}, default=201, body=lambda w: support_body()
    ),
    "GET /api/v1/connect/access-requests/{reference}": _own_route(path=_own),
    "GET /api/v1/connect/access-requests/{reference}/form.pdf": _own_route(path=_own),
    "POST /api/v1/connect/access-requests/{reference}/reply": _own_route(
        path=_asked, body=lambda w: {"reply": "Our second TIN is 98-7654321."}
    ),
    "GET /api/v1/connect/practices": authenticated(),
    "GET /api/v1/connect/practices/{org}/users": _practice(path=_org_a),
    "POST /api/v1/connect/practices/{org}/invitations": _practice(
        default=201, path=_org_a, body=lambda w: {"email": "new.colleague@example.org"}
    ),
    "POST /api/v1/connect/practices/{org}/users/{membership}/deactivate": _practice(
        path=_clerk_membership
    ),
    "GET /api/v1/connect/practices/{org}/providers": _practice(path=_org_a),
    "GET /api/v1/connect/staff/access-requests": _staff(),
    "GET /api/v1/connect/staff/access-requests/{reference}": _staff(path=_own),
    "GET /api/v1/connect/staff/access-requests/{reference}/form.pdf": _staff(path=_own),
    "POST /api/v1/connect/staff/access-requests/{reference}/review": _staff(path=_submitted),
    "POST /api/v1/connect/staff/access-requests/{reference}/approve": _staff(path=_in_review),
    "POST /api/v1/connect/staff/access-requests/{reference}/deny": _staff(
        path=_in_review, body=lambda w: {"reason": "The TINs do not match the W-9."}
    ),
    "POST /api/v1/connect/staff/access-requests/{reference}/more-info": _staff(
        path=_in_review, body=lambda w: {"message": "Send the W-9 of the second TIN."}
    ),
}
