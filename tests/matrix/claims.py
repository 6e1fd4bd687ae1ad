"""Claims Online Portal: who may open which page.

Claims access comes from the Claims grant (practice + TINs): billing_clerk and practice_admin
for practice A, billing_clerk_b for practice B. Everyone else signed in gets 403 on the
portal's pages and 404 on any claim, file, attachment or appeal (they can't learn numbers).
"""

from __future__ import annotations

from typing import Any

from tests.factories.claims import claims_world
from tests.matrix import ANON, Route

A_USERS = {ANON: 302, "billing_clerk": 200, "practice_admin": 200}
PAGE = Route(expect=A_USERS | {"billing_clerk_b": 200}, default=403)
POST_ONLY = Route(default=405)


def _obj(kind: str, field: str, key: str, attr: str = "number") -> Any:
    def build(world: Any) -> dict[str, Any]:
        return {field: getattr(claims_world(world)[f"{kind}_{key}"], attr)}

    return build


def _route(kind: str, field: str = "number", attr: str = "number", **extra: Any) -> Route:
    return Route(
        expect=A_USERS,
        default=404,
        kwargs=lambda w: {**_obj(kind, field, "a", attr)(w), **extra},
        other_org=lambda w: {**_obj(kind, field, "b", attr)(w), **extra},
    )


ROUTES = {
    "claims:home": PAGE,
    "claims:claim_list": PAGE,
    "claims:claim_new": PAGE,
    "claims:claim_check": POST_ONLY,
    "claims:claim_detail": _route("claim"),
    "claims:claim_edit": _route("draft"),
    "claims:claim_delete": Route(default=405, kwargs=_obj("draft", "number", "a")),
    "claims:claim_attach": _route("claim"),
    "claims:appeal_new": _route("claim"),
    "claims:attachment_unsolicited": PAGE,
    "claims:attachment_download": _route("attachment", "pk", "pk"),
    "claims:file_list": PAGE,
    "claims:file_detail": _route("file", "pk", "pk"),
    "claims:file_ack": _route("file", "pk", "pk", which="999"),
    "claims:appeal_list": PAGE,
    "claims:appeal_detail": _route("appeal"),
    "claims:appeal_withdraw": Route(default=405, kwargs=_obj("appeal", "number", "a")),
    "claims:appeal_add_files": Route(default=405, kwargs=_obj("appeal", "number", "a")),
    "claims:appeal_attachment_download": Route(
        expect=A_USERS,
        default=404,
        kwargs=lambda w: {
            "number": claims_world(w)["appeal_a"].number,
            "pk": claims_world(w)["appeal_a"].attachments.first().pk,
        },
        other_org=lambda w: {
            "number": claims_world(w)["appeal_b"].number,
            "pk": claims_world(w)["appeal_b"].attachments.first().pk,
        },
    ),
}
