"""The referrals router (``/api/v1/referrals/``, scope ``referrals``) × token kind.

``user_a`` is practice A's physician (Referrals grant); ``user_b`` is practice B's physician
with a Referrals grant (``physician_b``, see ``api_patientinfo``); ``system`` is a client bound
to practice A (its service account holds a Referrals grant); ``staff`` (a support agent) has no
Referrals grant: 403. Practice A's referral answers 404 to B; B submitting a referral from A's
PCP is a field error (400).
"""

from __future__ import annotations

from typing import Any

from portico.referrals.x12 import referral_278
from tests.matrix.api import ApiRoute
from tests.matrix.api_patientinfo import PHYSICIAN_B, physician_b
from tests.matrix.referrals import _referrals

ROUTES: dict = {}


def _setup(world: Any) -> dict[str, Any]:
    physician_b(world)
    _referrals(world)
    return {}


def _a(world: Any) -> dict[str, Any]:
    return {"number": _referrals(world)["a"].number}


def _referral_body(world: Any) -> dict[str, Any]:
    """A new referral of practice A: its member, from its PCP, to the in-network specialist."""
    a = _referrals(world)["a"]
    return {
        "member_id": a.member.member_id,
        "date_of_birth": a.member.date_of_birth.isoformat(),
        "referring_npi": a.referring_provider.npi,
        "referred_to_npi": a.referred_to_npi,
        "reason": "Knee pain after a fall",
        "diagnoses": ["M54.50"],
        "visits_requested": 2,
        "start_date": a.start_date.isoformat(),
        "end_date": a.end_date.isoformat(),
    }


def _request_278(world: Any) -> tuple[bytes, str]:
    """Practice A's referral as a 278 request (005010X217, UM01 = SC)."""
    return referral_278(_referrals(world)["a"], response=False).encode(), "application/edi-x12"


def _route(**kwargs: Any) -> ApiRoute:
    return ApiRoute(user_a="physician", user_b=PHYSICIAN_B, setup=_setup, **kwargs)


LIST = {"none": 401, "staff": 403}
OBJECT = {"none": 401, "user_b": 404, "staff": 403}

API_ROUTES = {
    "GET /api/v1/referrals/": _route(expect=LIST),
    "POST /api/v1/referrals/": _route(
        expect={**LIST, "user_b": 400}, default=201, body=_referral_body
    ),
    "GET /api/v1/referrals/{number}": _route(expect=OBJECT, path=_a),
    "POST /api/v1/referrals/{number}/cancel": _route(
        expect=OBJECT, path=_a, body=lambda w: {"note": "No longer needed."}
    ),
    # B's 278 names A's member and PCP: answered 200 with a 278 that does not certify it.
    "POST /api/v1/referrals/x12/278": _route(expect=LIST, raw=_request_278),
}
