"""The payments router (``/api/v1/remittance/``, scope ``claims``) and the FHIR
ExplanationOfBenefit interactions × token kind.

``user_a`` is practice A's billing clerk, ``user_b`` practice B's; ``system`` is a client bound
to practice A (its service account holds a Claims grant for A's TINs); ``staff`` (a support
agent) has no Claims grant: 403, from REST and FHIR alike. A's payment and A's adjudicated claim
answer 404 to B. FHIR search answers an empty Bundle (200) to callers with a Claims grant but
nothing in scope; read answers 404.
"""

from __future__ import annotations

from typing import Any

from tests.factories.remittance import remittance_world
from tests.matrix.api import ApiRoute

ROUTES: dict = {}


def _payment_a(world: Any) -> dict[str, Any]:
    return {"number": remittance_world(world)["payment_a"].number}


def _claim_a(world: Any) -> dict[str, Any]:
    payment = remittance_world(world)["payment_a"]
    return {"id": payment.claims.first().claim_number}


LIST = {"none": 401, "staff": 403}
OBJECT = {"none": 401, "user_b": 404, "staff": 403}

API_ROUTES = {
    "GET /api/v1/remittance/payments": ApiRoute(expect=LIST, setup=remittance_world),
    "GET /api/v1/remittance/payments/{number}": ApiRoute(expect=OBJECT, path=_payment_a),
    "GET /api/v1/remittance/payments/{number}/835": ApiRoute(expect=OBJECT, path=_payment_a),
    "GET /api/v1/remittance/payments/{number}/eob.pdf": ApiRoute(expect=OBJECT, path=_payment_a),
    "GET /fhir/r4/ExplanationOfBenefit": ApiRoute(expect=LIST, setup=remittance_world),
    "GET /fhir/r4/ExplanationOfBenefit/{id}": ApiRoute(expect=OBJECT, path=_claim_a),
}
