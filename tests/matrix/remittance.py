"""Payments and remittance (/claims/payments/): who may open which page.

Payments belong to the Claims Online Portal: the Claims grant's practice and TINs decide. A
payment of practice B answers 404 to practice A's users; everyone without Claims access gets
403 on the list pages and 404 on a payment. The payment-run back office is for claims
examiners (403 for other signed-in users).
"""

from __future__ import annotations

from typing import Any

from tests.factories.remittance import remittance_world
from tests.matrix import ANON, Route

A_USERS = {ANON: 302, "billing_clerk": 200, "practice_admin": 200}
PAGE = Route(expect=A_USERS | {"billing_clerk_b": 200}, default=403)
EXAMINERS = {ANON: 302, "claims_examiner": 200, "superuser": 200}


def _payment(key: str) -> Any:
    def build(world: Any) -> dict[str, Any]:
        return {"number": remittance_world(world)[f"payment_{key}"].number}

    return build


def _claim(key: str) -> Any:
    def build(world: Any) -> dict[str, Any]:
        payment = remittance_world(world)[f"payment_{key}"]
        return {"number": payment.claims.first().claim.number}

    return build


def _run(key: str) -> Any:
    def build(world: Any) -> dict[str, Any]:
        return {"number": remittance_world(world)[f"payment_{key}"].run.number}

    return build


def _staff(kwargs: Any = None) -> Route:
    return Route(expect=EXAMINERS, default=403, kwargs=kwargs)


def _object() -> Route:
    return Route(expect=A_USERS, default=404, kwargs=_payment("a"), other_org=_payment("b"))


ROUTES = {
    "remittance:payment_list": PAGE,
    "remittance:recent_fragment": PAGE,
    "remittance:claim_payments": Route(
        expect=A_USERS, default=404, kwargs=_claim("a"), other_org=_claim("b")
    ),
    "remittance:payment_detail": _object(),
    "remittance:eob_pdf": _object(),
    "remittance:download_835": _object(),
    "remittance:reconciliation": _object(),
    "remittance:reconciliation_csv": _object(),
    "remittance:staff_runs": Route(expect=EXAMINERS, default=403),
    "remittance:staff_run_create": Route(default=405),
    "remittance:staff_plb_create": Route(default=405),
    "remittance:staff_run_detail": _staff(_run("a")),
    "remittance:staff_payment_detail": _staff(_payment("a")),
    "remittance:staff_eob_pdf": _staff(_payment("a")),
    "remittance:staff_download_835": _staff(_payment("a")),
    "remittance:staff_claim_payments": _staff(_claim("a")),
    "remittance:staff_plb_cancel": Route(default=405, kwargs=lambda world: {"pk": 1}),
}
