"""Prior authorization: the office portal needs a Prior Authorization grant (physician and
practice_admin of practice A); other signed-in users get 403 on pages and 404 on objects, and
practice B's requests, files and legacy cases answer 404 to practice A. The review pages are
for UM/clinical reviewers (um_reviewer, superuser)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from portico.priorauth.models import LegacyCase, PriorAuthRequest, RequestAttachment, Status
from portico.priorauth.services import priorauth_draft_save, priorauth_submit
from tests.factories.priorauth import make_pa_world, request_input
from tests.matrix import ANON, Route

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OFFICE = {ANON: 302, "physician": 200, "practice_admin": 200}
STAFF = {ANON: 302, "um_reviewer": 200, "superuser": 200}


def _requests(world: Any) -> dict[str, Any]:
    pa = make_pa_world(world)
    a = (
        PriorAuthRequest.objects.filter(organization=world.practice_a)
        .exclude(status=Status.DRAFT)
        .first()
    )
    if a is None:
        a = priorauth_submit(
            user=world.users["physician"],
            data=request_input(pa),
            confirm_duplicate=True,
            files=[SimpleUploadedFile("notes.pdf", PDF)],
        )
        priorauth_draft_save(
            user=world.users["physician"], plan=pa.plan, draft_data={"member_id": ["X"]}
        )
        priorauth_submit(
            user=world.users["um_reviewer"],
            staff=True,
            confirm_duplicate=True,
            data=request_input(pa, member=pa.member_b, provider=pa.provider_b),
            files=[SimpleUploadedFile("fax.pdf", PDF)],
        )
        for org, ref in ((world.practice_a, "ON-1"), (world.practice_b, "ON-2")):
            LegacyCase.objects.create(
                plan=pa.plan,
                organization=org,
                legacy_reference=ref,
                member_id="HF1",
                member_name="Legacy Member",
                status=Status.APPROVED,
                submitted_on="2026-04-01",
            )
    b = PriorAuthRequest.objects.get(organization=world.practice_b)
    draft = PriorAuthRequest.objects.get(status=Status.DRAFT)
    return {"a": a, "b": b, "draft": draft}


def _setup(world: Any) -> dict[str, Any]:
    _requests(world)
    return {}


def _ref_a(world: Any) -> dict[str, Any]:
    return {"reference": _requests(world)["a"].reference}


def _ref_b(world: Any) -> dict[str, Any]:
    return {"reference": _requests(world)["b"].reference}


def _draft(world: Any) -> dict[str, Any]:
    return {"reference": _requests(world)["draft"].reference}


def _file(world: Any, key: str) -> dict[str, Any]:
    req = _requests(world)[key]
    return {"pk": RequestAttachment.objects.filter(request=req).values_list("pk", flat=True)[0]}


def _legacy(world: Any, ref: str) -> dict[str, Any]:
    _requests(world)
    return {"pk": LegacyCase.objects.get(legacy_reference=ref).pk}


POST_ONLY = Route(default=405, kwargs=_ref_a)

ROUTES = {
    "priorauth:home": Route(expect=OFFICE, default=403, kwargs=_setup),
    "priorauth:required_check": Route(expect=OFFICE, default=403, kwargs=_setup),
    "priorauth:request_list": Route(expect=OFFICE, default=403, kwargs=_setup),
    "priorauth:request_new": Route(expect=OFFICE, default=403, kwargs=_setup),
    "priorauth:request_detail": Route(expect=OFFICE, default=404, kwargs=_ref_a, other_org=_ref_b),
    "priorauth:request_edit": Route(expect=OFFICE, default=404, kwargs=_draft, other_org=_ref_b),
    "priorauth:request_status": Route(expect=OFFICE, default=404, kwargs=_ref_a, other_org=_ref_b),
    "priorauth:draft_delete": POST_ONLY,
    "priorauth:request_respond": POST_ONLY,
    "priorauth:request_attach": POST_ONLY,
    "priorauth:attachment_download": Route(
        expect=OFFICE,
        default=404,
        kwargs=lambda w: _file(w, "a"),
        other_org=lambda w: _file(w, "b"),
    ),
    "priorauth:letters": Route(expect=OFFICE, default=403, kwargs=_setup),
    "priorauth:legacy_list": Route(expect=OFFICE, default=403, kwargs=_setup),
    "priorauth:legacy_detail": Route(
        expect=OFFICE,
        default=404,
        kwargs=lambda w: _legacy(w, "ON-1"),
        other_org=lambda w: _legacy(w, "ON-2"),
    ),
    "priorauth:staff_queue": Route(expect=STAFF, default=403, kwargs=_setup),
    "priorauth:staff_fax_intake": Route(expect=STAFF, default=403, kwargs=_setup),
    "priorauth:staff_request": Route(expect=STAFF, default=403, kwargs=_ref_a),
    "priorauth:staff_assign": POST_ONLY,
    "priorauth:staff_start": POST_ONLY,
    "priorauth:staff_send_back": POST_ONLY,
    "priorauth:staff_pend": POST_ONLY,
    "priorauth:staff_withdraw": POST_ONLY,
    "priorauth:staff_decide": POST_ONLY,
    "priorauth:staff_attachment": Route(expect=STAFF, default=403, kwargs=lambda w: _file(w, "a")),
}
