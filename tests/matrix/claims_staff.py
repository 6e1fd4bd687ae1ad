"""Claims back office (examiners): work queue, claim review, appeals.

Like the other back offices, staff pages answer 403 to everyone signed in without the claims
examiner role (superusers hold every role) and send anonymous visitors to sign in. Actions are
POST-only (GET → 405).
"""

from __future__ import annotations

from typing import Any

from tests.factories.claims import claims_world
from tests.matrix import ANON, Route

EXAMINERS = {ANON: 302, "claims_examiner": 200, "superuser": 200}
POST_ONLY = Route(default=405)


def _claim(world: Any) -> dict[str, Any]:
    return {"number": claims_world(world)["claim_a"].number}


def _appeal(world: Any) -> dict[str, Any]:
    return {"number": claims_world(world)["appeal_a"].number}


def _attachment(world: Any) -> dict[str, Any]:
    return {"pk": claims_world(world)["attachment_a"].pk}


def _appeal_file(world: Any) -> dict[str, Any]:
    appeal = claims_world(world)["appeal_a"]
    return {"number": appeal.number, "pk": appeal.attachments.first().pk}


def _staff(kwargs: Any = None) -> Route:
    return Route(expect=EXAMINERS, default=403, kwargs=kwargs)


ROUTES = {
    "claims_staff:queue": _staff(),
    "claims_staff:claim_review": _staff(_claim),
    "claims_staff:claim_adjudicate": Route(default=405, kwargs=_claim),
    "claims_staff:claim_accept": Route(default=405, kwargs=_claim),
    "claims_staff:claim_pend": Route(default=405, kwargs=_claim),
    "claims_staff:claim_deny": Route(default=405, kwargs=_claim),
    "claims_staff:attachment_download": _staff(_attachment),
    "claims_staff:appeal_queue": _staff(),
    "claims_staff:appeal_review": _staff(_appeal),
    "claims_staff:appeal_start": Route(default=405, kwargs=_appeal),
    "claims_staff:appeal_decide": Route(default=405, kwargs=_appeal),
    "claims_staff:appeal_attachment_download": _staff(_appeal_file),
}
