"""Referrals Portal: personas with a Referrals grant (physician and practice_admin of practice
A) search, submit and open their practice's referrals; a referral of practice B (or any
referral, for users without Referrals access) is 404. The review queue is the UM reviewers'."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portico.referrals.models import Referral, ReferralAttachment
from tests.factories.referrals import referral_world, submit
from tests.matrix import ANON, Route

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OFFICE = {ANON: 302, "physician": 200, "practice_admin": 200}
REVIEWERS = {ANON: 302, "um_reviewer": 200, "superuser": 200}


def _referrals(world: Any) -> dict[str, Referral]:
    if not hasattr(world, "_referrals"):
        result = {}
        for key, practice, payer in (
            ("a", world.practice_a, "MXR01"),
            ("b", world.practice_b, "MXR02"),
        ):
            rw = referral_world(practice, plan_payer=payer)
            upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
            result[key] = submit(rw, files=[upload])
        world._referrals = result
    return world._referrals  # type: ignore[no-any-return]


def _a(world: Any) -> dict[str, Any]:
    return {"number": _referrals(world)["a"].number}


def _b(world: Any) -> dict[str, Any]:
    return {"number": _referrals(world)["b"].number}


def _file(key: str):
    def build(world: Any) -> dict[str, Any]:
        referral = _referrals(world)[key]
        return {
            "pk": ReferralAttachment.objects.filter(referral=referral).values_list("pk", flat=True)[
                0
            ]
        }

    return build


OBJECT = Route(expect=OFFICE, default=404, kwargs=_a, other_org=_b)

ROUTES = {
    "referrals:home": Route(expect=OFFICE, default=403),
    "referrals:submit": Route(expect=OFFICE, default=403),
    "referrals:detail": OBJECT,
    "referrals:cancel": OBJECT,
    "referrals:print": OBJECT,
    "referrals:x12_278": OBJECT,
    "referrals:attachment_download": Route(
        expect=OFFICE, default=404, kwargs=_file("a"), other_org=_file("b")
    ),
    "referrals:staff_queue": Route(expect=REVIEWERS, default=403),
    "referrals:staff_detail": Route(expect=REVIEWERS, default=403, kwargs=_a),
    "referrals:staff_attachment_download": Route(expect=REVIEWERS, default=403, kwargs=_file("a")),
}
