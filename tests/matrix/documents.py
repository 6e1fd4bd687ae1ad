"""Letters: the inbox is per user (empty for users without letters); downloads are scoped to
the practice and application grant (practice B's letter → 404); the print-and-mail queue is
for UM reviewers and claims examiners."""

from __future__ import annotations

from typing import Any

from portico.documents.models import Document
from tests.factories.documents import make_document
from tests.matrix import ANON, Route


def _doc(world: Any, org: Any, delivery: str = "portal") -> Document:
    existing = Document.objects.filter(
        organization=org, delivery=delivery, subject_id="matrix"
    ).first()
    return existing or make_document(organization=org, subject_id="matrix", delivery=delivery)


def _doc_a(world: Any) -> dict[str, Any]:
    return {"pk": _doc(world, world.practice_a).pk}


def _doc_b(world: Any) -> dict[str, Any]:
    return {"pk": _doc(world, world.practice_b).pk}


def _mail_doc(world: Any) -> dict[str, Any]:
    return {"pk": _doc(world, world.practice_a, "mail").pk}


MAIL_ROOM = {ANON: 302, "um_reviewer": 200, "claims_examiner": 200, "superuser": 200}
POST_ONLY = Route(default=405, kwargs=_mail_doc)

ROUTES = {
    "documents:inbox": Route(expect={ANON: 302}),
    "documents:download": Route(
        expect={ANON: 302, "physician": 200, "practice_admin": 200},
        default=404,
        kwargs=_doc_a,
        other_org=_doc_b,
    ),
    "documents:staff_mail_queue": Route(expect=MAIL_ROOM, default=403),
    "documents:staff_mark_printed": POST_ONLY,
    "documents:staff_mark_mailed": POST_ONLY,
    "documents:staff_download": Route(expect=MAIL_ROOM, default=403, kwargs=_mail_doc),
}
