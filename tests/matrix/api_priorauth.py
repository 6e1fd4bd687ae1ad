"""The prior-authorization router (``/api/v1/priorauth/``, scope ``priorauth``) × token kind.

``user_a`` is practice A's physician (Prior Authorization grant); ``user_b`` is practice B's
physician with a Prior Authorization grant (``physician_b``, see ``api_patientinfo``);
``system`` is a client bound to practice A (its service account holds a Prior Authorization
grant); ``staff`` (a support agent) has no grant: 403. Practice A's request and its letters
answer 404 to B; B submitting a request from A's provider is a field error (400; as a 278:
200 with an AAA rejection).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from portico.priorauth.selectors import letters_for_request
from portico.priorauth.services import priorauth_send_back
from portico.x12 import auth278
from portico.x12.models837 import Diagnosis
from portico.x12.writer import Envelope
from tests.factories.priorauth import ANSWERS, make_pa_world
from tests.matrix.api import ApiRoute
from tests.matrix.api_patientinfo import PHYSICIAN_B, physician_b
from tests.matrix.priorauth import _ref_a, _requests

ROUTES: dict = {}


def _setup(world: Any) -> dict[str, Any]:
    physician_b(world)
    _requests(world)
    return {}


def _letter_a(world: Any) -> dict[str, Any]:
    """Practice A's request with a letter posted (the reviewer asked for more)."""
    _setup(world)
    row = _requests(world)["a"]
    letter = letters_for_request(request=row).first()
    if letter is None:
        priorauth_send_back(
            request=row, actor=world.users["um_reviewer"], version=row.version, message="Notes"
        )
        letter = letters_for_request(request=row).first()
    assert letter is not None
    return {"reference": row.reference, "letter_id": letter.pk}


def _request_body(world: Any) -> dict[str, Any]:
    """A spine-surgery request for practice A's member, from practice A's provider."""
    pa = make_pa_world(world)
    day = pa.service_date.isoformat()
    return {
        "payer_id": pa.plan.payer_id,
        "service_category": pa.category.code,
        "member_id": pa.member.member_id,
        "member_birth_date": pa.member.date_of_birth.isoformat(),
        "service_date": day,
        "requesting_provider_npi": pa.provider_a.npi,
        "diagnoses": ["M54.50"],
        "clinical_answers": dict(ANSWERS),
        "lines": [{"code": "63047", "units": 1, "start_date": day, "end_date": day}],
        "confirm_duplicate": True,
    }


def _request_278(world: Any) -> tuple[bytes, str]:
    """A 278 request (005010X217) for practice A's member from practice A's provider."""
    pa = make_pa_world(world)
    review = auth278.ServiceReview(
        umo_name="HARBORVIEW",
        umo_id=pa.plan.payer_id,
        requester=auth278.AuthParty("1P", "HARTWELL", npi=pa.provider_a.npi, first_name="ROBIN"),
        member_id=pa.member.member_id,
        subscriber_last_name=pa.member.last_name.upper(),
        subscriber_first_name=pa.member.first_name.upper(),
        subscriber_birth_date=pa.member.date_of_birth,
        trace_number="MATRIX1",
        diagnoses=[Diagnosis("ABK", "M5450")],
        services=[
            auth278.ReviewedService("97110", quantity=Decimal(1), service_date=pa.service_date)
        ],
    )
    envelope = Envelope(
        sender_id="SUBMITTER",
        receiver_id=pa.plan.payer_id,
        interchange_control_number=7,
        group_control_number=7,
        created=dt.datetime(2026, 11, 20, 9, 30),
    )
    return auth278.build_278(review, envelope).encode(), "application/edi-x12"


def _route(**kwargs: Any) -> ApiRoute:
    return ApiRoute(user_a="physician", user_b=PHYSICIAN_B, setup=_setup, **kwargs)


LIST = {"none": 401, "staff": 403}
OBJECT = {"none": 401, "user_b": 404, "staff": 403}

API_ROUTES = {
    "GET /api/v1/priorauth/requests": _route(expect=LIST),
    "POST /api/v1/priorauth/requests": _route(
        expect={**LIST, "user_b": 400}, default=201, body=_request_body
    ),
    "GET /api/v1/priorauth/requests/{reference}": _route(expect=OBJECT, path=_ref_a),
    "GET /api/v1/priorauth/requests/{reference}/letters": _route(expect=OBJECT, path=_ref_a),
    "GET /api/v1/priorauth/requests/{reference}/letters/{letter_id}": _route(
        expect=OBJECT, path=_letter_a
    ),
    "GET /api/v1/priorauth/service-categories": _route(expect=LIST),
    "GET /api/v1/priorauth/required": _route(
        expect=LIST, query=lambda w: {"payer_id": make_pa_world(w).plan.payer_id, "code": "63047"}
    ),
    # B's 278 names A's provider: answered 200 with a 278 response that refuses it (AAA in
    # 2010B, 41: the provider is not connected to B's practice); nothing is saved.
    "POST /api/v1/priorauth/x12/278": _route(expect=LIST, raw=_request_278),
}
